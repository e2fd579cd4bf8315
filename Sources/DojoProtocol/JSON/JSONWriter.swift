/// Serialises ``JSONValue`` to compact UTF-8 with object keys sorted, so equal values give equal bytes.
///
/// Responses go out on the hot path, so the writer appends straight into one byte buffer (no intermediate
/// strings per member) and escapes only what RFC 8259 requires.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: appendASCII("null")
        case .bool(let flag): appendASCII(flag ? "true" : "false")
        case .integer(let number): appendASCII(String(number))
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
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
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
            case 0..<0x20:
                appendASCII("\\u00")
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0F)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
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
