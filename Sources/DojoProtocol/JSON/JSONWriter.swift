/// Serialises ``JSONValue`` to compact UTF-8 with object keys sorted, so equal values give equal bytes.
///
/// Responses go out on the hot path, so the writer appends straight into one byte buffer (no intermediate
/// strings per member) and escapes only what RFC 8259 requires.
struct JSONWriter {
    /// The text so far; the streaming encoder (``JSONTextEncoder``) also reorders an object's members in place.
    var bytes: [UInt8] = []

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: appendASCII("null")
        case .bool(let flag): appendASCII(flag ? "true" : "false")
        case .integer(let number): writeInteger(number)
        case .double(let number): writeDouble(number)
        case .string(let string): writeString(string)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for key in members.keys.sorted() {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                write(members[key]!)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Writes `"key":value` pairs in the given order; for bodies whose member order is part of the contract.
    mutating func writeOrderedObject(_ members: [(String, JSONValue)]) {
        bytes.append(UInt8(ascii: "{"))
        for (offset, member) in members.enumerated() {
            if offset > 0 { bytes.append(UInt8(ascii: ",")) }
            writeString(member.0)
            bytes.append(UInt8(ascii: ":"))
            write(member.1)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// An integer's decimal digits.
    mutating func writeInteger(_ number: Int64) {
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        let start = bytes.count
        // Digits of the magnitude, least significant first, then reversed (Int64.min's magnitude fits UInt64).
        var magnitude = number.magnitude
        repeat {
            bytes.append(UInt8(ascii: "0") &+ UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
    }

    /// A timestamp's canonical string (``Timestamp/iso8601String``), quoted.
    mutating func writeTimestamp(_ timestamp: Timestamp) {
        bytes.append(UInt8(ascii: "\""))
        TimestampFormatter.append(timestamp.millisecondsSince1970, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func appendASCII(_ string: String) {
        bytes.append(contentsOf: string.utf8)
    }

    private mutating func writeDouble(_ number: Double) {
        // JSON has no NaN or infinity; such a value can only come from code, never from a parsed frame.
        guard number.isFinite else {
            appendASCII("null")
            return
        }
        // Swift prints the shortest text that round-trips ("0.1", "1e-05", "1e+20"); all are valid JSON numbers.
        appendASCII(number.description)
    }

    mutating func writeString(_ string: String) {
        var string = string
        // A native string's UTF-8 is contiguous: copy each run that needs no escape in one go.
        string.withUTF8 { utf8 in
            bytes.append(UInt8(ascii: "\""))
            var runStart = 0
            for offset in utf8.indices {
                let byte = utf8[offset]
                guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<offset]))
                runStart = offset + 1
                appendEscape(byte)
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
            bytes.append(UInt8(ascii: "\""))
        }
    }

    /// The escape of one byte that JSON forbids raw in a string (a quote, a backslash, a control character).
    private mutating func appendEscape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""):
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"):
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(UInt8(ascii: "\\"))
        case 0x0A:
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(UInt8(ascii: "n"))
        case 0x0D:
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(UInt8(ascii: "r"))
        case 0x09:
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(UInt8(ascii: "t"))
        default:
            appendASCII("\\u00")
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0x0F)])
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}

extension JSONValue {
    /// Parses a complete JSON text.
    ///
    /// - Throws: ``DojoProtocolError`` with code ``DojoProtocolError/Code/invalidJSON`` and a reason that gives
    ///   an offset but never quotes the input.
    public init(parsing text: String) throws(DojoProtocolError) {
        do {
            self = try JSONParser.parse(text)
        } catch {
            throw DojoProtocolError(code: .invalidJSON, message: error.message)
        }
    }

    /// Parses a complete JSON text given as UTF-8 bytes.
    public init(parsing bytes: [UInt8]) throws(DojoProtocolError) {
        do {
            self = try JSONParser.parse(bytes)
        } catch {
            throw DojoProtocolError(code: .invalidJSON, message: error.message)
        }
    }

    /// The compact JSON text of this value with object keys sorted (deterministic: equal values, equal text).
    public func serialized() -> String {
        var writer = JSONWriter()
        writer.write(self)
        return writer.text
    }

    /// The compact UTF-8 bytes of this value with object keys sorted.
    public func serializedBytes() -> [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }
}
