/// A strict RFC 8259 parser from UTF-8 bytes to ``JSONValue``.
///
/// Hand-written rather than JSONSerialization/JSONDecoder for three reasons: integers stay exact (`Int64`), a
/// failure reports a position without echoing frame content, and it needs no Foundation. Nesting is capped so
/// a hostile frame cannot exhaust the stack.
///
/// Two things it does beyond RFC 8259's grammar, for the envelope's sake:
/// - It refuses a `\u` escape that is a lone surrogate (`"\udc00"`): such a string is not Unicode, so it cannot
///   be stored or answered faithfully. The rest of the document is still read, so the error names the member's
///   path (`params.name`) and still carries the top-level `id`.
/// - On any failure it hands back the top-level `id` and `method` members read before the failure
///   (``JSONSyntaxError/recovered``), so a frame that breaks after them (nesting too deep) can still be answered.
struct JSONParser {
    /// Deepest array/object nesting accepted; Dojo's messages nest fewer than ten levels.
    static let maximumDepth = 256

    /// Whether `key` names a top-level member kept for an error answer when the rest of the document fails.
    static func isRecovered(_ key: String) -> Bool { key == "id" || key == "method" }

    private enum PathComponent {
        case key(String)
        case index(Int)
    }

    /// The input, read in place: a frame's bytes are never copied again to be parsed.
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0
    /// Where the value being read sits (object keys and array indices), for the lone-surrogate message.
    private var path: [PathComponent] = []
    /// The first lone surrogate seen: its path and the offset of its escape.
    private var loneSurrogate: (path: String, offset: Int, code: UInt32)?
    private var loneSurrogateCount = 0
    /// The top-level `id` and `method` read so far (kept apart: a dictionary only when a failure needs one).
    private var recoveredID: JSONValue?
    private var recoveredMethod: JSONValue?
    /// The members of the objects being read, innermost last: an object's members are collected here and its
    /// dictionary is made once at its end with the right capacity (growing it member by member rehashed every
    /// key at each doubling).
    private var pendingMembers: [(key: String, value: JSONValue)] = []

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses one JSON value that must fill the whole input (surrounding whitespace allowed).
    static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONSyntaxError) in try Self.parse(buffer: buffer) }
    }

    /// Parses a text in place, over its own UTF-8 storage (a native `String`'s: no copy, no transcoding). A frame
    /// the transport validated as UTF-8 is handed through as it arrived, not turned back into an array first.
    static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        var text = text
        return try text.withUTF8 { buffer in
            Result { () throws(JSONSyntaxError) in try Self.parse(buffer: buffer) }
        }.get()
    }

    /// Parses one JSON value that must fill all of `bytes`, which must stay valid for the call.
    static func parse(buffer bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        do {
            return try parser.parseDocument()
        } catch {
            var failure = error
            var recovered: [String: JSONValue] = [:]
            recovered["id"] = parser.recoveredID
            recovered["method"] = parser.recoveredMethod
            failure.recovered = recovered
            throw failure
        }
    }

    private mutating func parseDocument() throws(JSONSyntaxError) -> JSONValue {
        skipWhitespace()
        if index == bytes.count {
            throw JSONSyntaxError(reason: "empty input")
        }
        let value = try parseValue()
        skipWhitespace()
        if index != bytes.count {
            throw JSONSyntaxError(reason: "unexpected data after the JSON value at offset \(index)")
        }
        if let loneSurrogate {
            let hex = String(loneSurrogate.code, radix: 16)
            throw JSONSyntaxError(
                reason: "not a valid Unicode string: lone surrogate \\u\(hex) at offset \(loneSurrogate.offset)",
                fieldPath: loneSurrogate.path
            )
        }
        return value
    }

    /// The dotted path of the value being read (`params.tableIds[1]`); member names are clipped to 40 characters.
    private func currentPath() -> String {
        var text = ""
        for component in path {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text +=
                    key.unicodeScalars.count > 40
                    ? String(String.UnicodeScalarView(key.unicodeScalars.prefix(40))) + "…" : key
            case .index(let offset):
                text += "[\(offset)]"
            }
        }
        return text
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            default: return
            }
        }
    }

    private func unexpected() -> JSONSyntaxError {
        index >= bytes.count
            ? JSONSyntaxError(reason: "unexpected end of input")
            : JSONSyntaxError(reason: "unexpected character at offset \(index)")
    }

    private mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
        guard index < bytes.count else { throw unexpected() }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw unexpected()
        }
    }

    private mutating func expectLiteral(_ literal: String) throws(JSONSyntaxError) {
        for byte in literal.utf8 {
            guard index < bytes.count, bytes[index] == byte else { throw unexpected() }
            index += 1
        }
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw JSONSyntaxError(reason: "nesting deeper than \(Self.maximumDepth) levels")
        }
    }

    private mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        index += 1  // {
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object([:])
        }
        let firstMember = pendingMembers.count
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw unexpected() }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw unexpected() }
            index += 1
            skipWhitespace()
            path.append(.key(key))
            let surrogatesBefore = loneSurrogateCount
            let value = try parseValue()
            path.removeLast()
            pendingMembers.append((key, value))
            if depth == 1, Self.isRecovered(key) {
                // An id holding a lone surrogate is not the id Dojo sent: never echo it.
                let kept = loneSurrogateCount == surrogatesBefore ? value : nil
                if key == "id" { recoveredID = kept } else { recoveredMethod = kept }
            }
            skipWhitespace()
            guard index < bytes.count else { throw unexpected() }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                var members = [String: JSONValue](minimumCapacity: pendingMembers.count - firstMember)
                for member in pendingMembers[firstMember...] {
                    // RFC 8259 leaves duplicate names undefined; the last one wins, as in most parsers.
                    members[member.key] = member.value
                }
                pendingMembers.removeSubrange(firstMember...)
                return .object(members)
            } else {
                throw unexpected()
            }
        }
    }

    private mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            path.append(.index(elements.count))
            elements.append(try parseValue())
            path.removeLast()
            skipWhitespace()
            guard index < bytes.count else { throw unexpected() }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return .array(elements)
            } else {
                throw unexpected()
            }
        }
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw numberError(at: start) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw numberError(at: start) }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw numberError(at: start) }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let lexeme = bytes[start..<index]
        if isInteger, let value = Self.exactInteger(lexeme) {
            return .integer(value)
        }
        guard let value = Double(String(decoding: lexeme, as: UTF8.self)) else { throw numberError(at: start) }
        return .double(value)
    }

    private func numberError(at offset: Int) -> JSONSyntaxError {
        JSONSyntaxError(reason: "invalid number at offset \(offset)")
    }

    /// The value of an integer lexeme, or `nil` when it overflows `Int64` (it then becomes a `.double`).
    private static func exactInteger(_ lexeme: Slice<UnsafeBufferPointer<UInt8>>) -> Int64? {
        var iterator = lexeme.makeIterator()
        var negative = false
        var result: Int64 = 0
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "-") {
                negative = true
                continue
            }
            let digit = Int64(byte &- UInt8(ascii: "0"))
            let (shifted, overflow1) = result.multipliedReportingOverflow(by: 10)
            // Accumulate negatively so Int64.min is representable.
            let (next, overflow2) = shifted.subtractingReportingOverflow(digit)
            if overflow1 || overflow2 { return nil }
            result = next
        }
        if negative { return result }
        let (positive, overflow) = Int64(0).subtractingReportingOverflow(result)
        return overflow ? nil : positive
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes, so the bytes between the quotes are the string.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let value = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 1
                return value
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 {
                throw JSONSyntaxError(reason: "unescaped control character in string at offset \(index)")
            }
            index += 1
        }
        var buffer = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: buffer, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try parseEscape(into: &buffer)
            case 0..<0x20:
                throw JSONSyntaxError(reason: "unescaped control character in string at offset \(index)")
            default:
                buffer.append(byte)
                index += 1
            }
        }
        throw JSONSyntaxError(reason: "unexpected end of input")
    }

    private mutating func parseEscape(into buffer: inout [UInt8]) throws(JSONSyntaxError) {
        let escapeStart = index
        index += 1  // backslash
        guard index < bytes.count else { throw JSONSyntaxError(reason: "unexpected end of input") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4(escapeStart: escapeStart)
            if (0xD800...0xDBFF).contains(scalar), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                bytes[index + 1] == UInt8(ascii: "u")
            {
                let save = index
                index += 2
                let low = try parseHex4(escapeStart: save)
                if (0xDC00...0xDFFF).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    index = save  // not a pair: keep the second escape for the next round
                }
            }
            guard let unicode = Unicode.Scalar(scalar) else {
                // A lone surrogate is not Unicode: remember the first one and read on, so the error can name the
                // member and the frame's id is still known (`parse` then throws).
                if loneSurrogate == nil {
                    loneSurrogate = (currentPath(), escapeStart, scalar)
                }
                loneSurrogateCount += 1
                buffer.append(contentsOf: "\u{FFFD}".utf8)
                return
            }
            buffer.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw JSONSyntaxError(reason: "invalid escape sequence at offset \(escapeStart)")
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw JSONSyntaxError(reason: "unexpected end of input") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw JSONSyntaxError(reason: "invalid escape sequence at offset \(escapeStart)")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}

/// Why a text is not JSON (or not Unicode); the reason names an offset, never the frame's content.
struct JSONSyntaxError: Error, Hashable, Sendable {
    /// The reason, without the path.
    var reason: String
    /// The path of the offending member when one is to blame (a lone surrogate), else `nil`.
    var fieldPath: String?
    /// The top-level `id` and `method` members read before the failure.
    var recovered: [String: JSONValue] = [:]

    init(reason: String, fieldPath: String? = nil) {
        self.reason = reason
        self.fieldPath = fieldPath
    }

    /// The message: `params.name: not a valid Unicode string …`, or `not valid JSON: <reason>`.
    var message: String {
        if let fieldPath { return fieldPath.isEmpty ? reason : "\(fieldPath): \(reason)" }
        return "not valid JSON: \(reason)"
    }
}
