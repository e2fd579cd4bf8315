/// Reads the members of one JSON object by hand, turning every problem into a ``DojoProtocolError`` that names
/// the member's full path: for the few bodies whose shape depends on a value (a POS event's id key follows its
/// type; a registration's names are checked against the known capabilities). Everything else decodes through
/// ``JSONValueDecoder``, which words its errors the same way.
struct JSONObjectReader {
    let members: [String: JSONValue]
    let path: String

    init(_ value: JSONValue, path: String) throws(DojoProtocolError) {
        guard case .object(let members) = value else {
            throw JSONField.failure(path, "expected an object, got \(value.kindDescription)")
        }
        self.members = members
        self.path = path
    }

    func path(of key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    func requiredValue(_ key: String) throws(DojoProtocolError) -> JSONValue {
        guard let value = members[key] else {
            throw JSONField.failure(path(of: key), "required field is missing")
        }
        return value
    }

    func requiredString(_ key: String) throws(DojoProtocolError) -> String {
        try JSONField.string(try requiredValue(key), at: path(of: key))
    }
}

/// Conversions of single JSON values at a path, shared by the object reader and top-level decoders.
enum JSONField {
    static func failure(_ path: String, _ reason: String) -> DojoProtocolError {
        DojoProtocolError(code: .invalidParams, fieldPath: path, reason: reason)
    }

    /// The string `value` holds; `path` is rendered only for the error (a valid field builds no path text).
    static func string(_ value: JSONValue, at path: @autoclosure () -> String) throws(DojoProtocolError) -> String {
        guard case .string(let string) = value else {
            throw failure(path(), "expected a string, got \(value.kindDescription)")
        }
        return string
    }

    static func array(
        _ value: JSONValue,
        at path: @autoclosure () -> String
    ) throws(DojoProtocolError) -> [JSONValue] {
        guard case .array(let array) = value else {
            throw failure(path(), "expected an array, got \(value.kindDescription)")
        }
        return array
    }

    /// An integer field takes an integer token only: digits with an optional leading `-`, no fraction, no
    /// exponent, within `Int64`. `4.0`, `4e0`, `4E+2`, `-0.0` and `1e-400` are refused (the parser keeps them as
    /// `.double`), as is an integer token beyond `Int64` (also a `.double`): an exact value is never guessed.
    static func integer(_ value: JSONValue, at path: @autoclosure () -> String) throws(DojoProtocolError) -> Int64 {
        switch value {
        case .integer(let number):
            return number
        case .double:
            throw failure(path(), integerTokenReason)
        default:
            throw failure(path(), "expected an integer, got \(value.kindDescription)")
        }
    }

    /// The reason for a number that is not an integer token; true for every `.double` (a fraction, an
    /// exponent, or digits beyond `Int64`), so it does not quote the parsed value (`1e-400` parses as 0).
    static let integerTokenReason =
        "expected an integer written as digits only (no fraction or exponent) between -9223372036854775808 and "
        + "9223372036854775807, got another number"

    static func elements<Element: JSONRepresentable>(
        _ value: JSONValue,
        at path: String,
        of type: Element.Type
    ) throws(DojoProtocolError) -> [Element] {
        let array = try array(value, at: path)
        var result: [Element] = []
        result.reserveCapacity(array.count)
        for (offset, element) in array.enumerated() {
            result.append(try Element(json: element, path: "\(path)[\(offset)]"))
        }
        return result
    }

    /// A quoted, escaped, length-capped copy of untrusted text, safe to put in a message and a log line.
    static func excerpt(_ text: String, limit: Int = 40) -> String {
        var writer = JSONWriter(capacity: limit + 8)
        if text.count > limit {
            writer.writeString(String(text.prefix(limit)) + "…")
        } else {
            writer.writeString(text)
        }
        return writer.text
    }
}
