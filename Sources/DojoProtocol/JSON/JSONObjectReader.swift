/// Reads the members of one JSON object, turning every problem into a ``DojoProtocolError`` that names the
/// member's full path.
///
/// Unknown members are ignored (forward compatibility). A member that is `null` is treated as absent, so an
/// optional field may be omitted or `null`; a required one must be present and non-null.
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

    /// The member, or `nil` when absent or `null`.
    func optionalValue(_ key: String) -> JSONValue? {
        guard let value = members[key], !value.isNull else { return nil }
        return value
    }

    func requiredValue(_ key: String) throws(DojoProtocolError) -> JSONValue {
        guard let value = members[key] else {
            throw JSONField.failure(path(of: key), "required field is missing")
        }
        return value
    }

    // MARK: Strings

    func requiredString(_ key: String) throws(DojoProtocolError) -> String {
        try JSONField.string(try requiredValue(key), at: path(of: key))
    }

    /// A required string that must not be empty (ids, party status).
    func requiredNonEmptyString(_ key: String) throws(DojoProtocolError) -> String {
        let value = try requiredString(key)
        if value.isEmpty { throw JSONField.failure(path(of: key), "must not be empty") }
        return value
    }

    /// A required id: not empty and at most ``IDLimit/maximumBytes`` UTF-8 bytes.
    func requiredID(_ key: String) throws(DojoProtocolError) -> String {
        let value = try requiredNonEmptyString(key)
        try JSONField.checkID(value, at: path(of: key))
        return value
    }

    /// A required id that may be empty (`accountId`): at most ``IDLimit/maximumBytes`` UTF-8 bytes.
    func requiredBoundedString(_ key: String) throws(DojoProtocolError) -> String {
        let value = try requiredString(key)
        try JSONField.checkID(value, at: path(of: key))
        return value
    }

    /// An optional id: at most ``IDLimit/maximumBytes`` UTF-8 bytes.
    func optionalID(_ key: String) throws(DojoProtocolError) -> String? {
        guard let value = try optionalString(key) else { return nil }
        try JSONField.checkID(value, at: path(of: key))
        return value
    }

    func optionalString(_ key: String) throws(DojoProtocolError) -> String? {
        guard let value = optionalValue(key) else { return nil }
        return try JSONField.string(value, at: path(of: key))
    }

    /// An optional string that may also arrive as a number (kept in its textual form), for identifiers such as
    /// `waiterId` that other Dojo APIs send as integers.
    /// Such a value is an id, so it is bounded as ids are (``IDLimit``).
    func optionalLenientString(_ key: String) throws(DojoProtocolError) -> String? {
        guard let value = optionalValue(key) else { return nil }
        switch value {
        case .integer(let number): return String(number)
        case .double(let number): return number.description
        default:
            let text = try JSONField.string(value, at: path(of: key))
            try JSONField.checkID(text, at: path(of: key))
            return text
        }
    }

    // MARK: Numbers and booleans

    func requiredInteger(_ key: String) throws(DojoProtocolError) -> Int64 {
        try JSONField.integer(try requiredValue(key), at: path(of: key))
    }

    func optionalInteger(_ key: String) throws(DojoProtocolError) -> Int64? {
        guard let value = optionalValue(key) else { return nil }
        return try JSONField.integer(value, at: path(of: key))
    }

    /// A count such as `covers`: an integer ≥ 0.
    func requiredCount(_ key: String) throws(DojoProtocolError) -> Int {
        try JSONField.count(try requiredValue(key), at: path(of: key))
    }

    func optionalCount(_ key: String) throws(DojoProtocolError) -> Int? {
        guard let value = optionalValue(key) else { return nil }
        return try JSONField.count(value, at: path(of: key))
    }

    func optionalBool(_ key: String) throws(DojoProtocolError) -> Bool? {
        guard let value = optionalValue(key) else { return nil }
        guard case .bool(let flag) = value else {
            throw JSONField.failure(path(of: key), "expected a boolean, got \(value.kindDescription)")
        }
        return flag
    }

    // MARK: Timestamps

    func requiredTimestamp(_ key: String) throws(DojoProtocolError) -> Timestamp {
        try Timestamp(json: try requiredValue(key), path: path(of: key))
    }

    func optionalTimestamp(_ key: String) throws(DojoProtocolError) -> Timestamp? {
        guard let value = optionalValue(key) else { return nil }
        return try Timestamp(json: value, path: path(of: key))
    }

    // MARK: Arrays

    /// A required array of strings; `nonEmptyReason` (if given) is the message when the array is empty.
    func requiredStringArray(_ key: String, nonEmptyReason: String? = nil) throws(DojoProtocolError) -> [String] {
        let array = try JSONField.array(try requiredValue(key), at: path(of: key))
        if let nonEmptyReason, array.isEmpty { throw JSONField.failure(path(of: key), nonEmptyReason) }
        return try strings(array, key: key)
    }

    func optionalStringArray(_ key: String) throws(DojoProtocolError) -> [String]? {
        guard let value = optionalValue(key) else { return nil }
        return try strings(try JSONField.array(value, at: path(of: key)), key: key)
    }

    /// A required array of ids (`tableIds`), each at most ``IDLimit/maximumBytes`` UTF-8 bytes.
    func requiredIDArray(_ key: String, nonEmptyReason: String? = nil) throws(DojoProtocolError) -> [String] {
        let array = try JSONField.array(try requiredValue(key), at: path(of: key))
        if let nonEmptyReason, array.isEmpty { throw JSONField.failure(path(of: key), nonEmptyReason) }
        return try strings(array, key: key, ids: true)
    }

    /// An optional array of ids (`paymentIntentIds`), each at most ``IDLimit/maximumBytes`` UTF-8 bytes.
    func optionalIDArray(_ key: String) throws(DojoProtocolError) -> [String]? {
        guard let value = optionalValue(key) else { return nil }
        return try strings(try JSONField.array(value, at: path(of: key)), key: key, ids: true)
    }

    private func strings(_ array: [JSONValue], key: String, ids: Bool = false) throws(DojoProtocolError) -> [String] {
        var result: [String] = []
        result.reserveCapacity(array.count)
        for (offset, element) in array.enumerated() {
            let elementPath = "\(path(of: key))[\(offset)]"
            let text = try JSONField.string(element, at: elementPath)
            if ids { try JSONField.checkID(text, at: elementPath) }
            result.append(text)
        }
        return result
    }

    // MARK: Nested values

    func required<Value: JSONRepresentable>(_ key: String, as type: Value.Type) throws(DojoProtocolError) -> Value {
        try Value(json: try requiredValue(key), path: path(of: key))
    }

    func optional<Value: JSONRepresentable>(_ key: String, as type: Value.Type) throws(DojoProtocolError) -> Value? {
        guard let value = optionalValue(key) else { return nil }
        return try Value(json: value, path: path(of: key))
    }

    func requiredArray<Element: JSONRepresentable>(
        _ key: String,
        of type: Element.Type
    ) throws(DojoProtocolError) -> [Element] {
        try JSONField.elements(try requiredValue(key), at: path(of: key), of: type)
    }

    func optionalArray<Element: JSONRepresentable>(
        _ key: String,
        of type: Element.Type
    ) throws(DojoProtocolError) -> [Element]? {
        guard let value = optionalValue(key) else { return nil }
        return try JSONField.elements(value, at: path(of: key), of: type)
    }
}

/// Conversions of single JSON values at a path, shared by the object reader and top-level decoders.
enum JSONField {
    static func failure(_ path: String, _ reason: String) -> DojoProtocolError {
        DojoProtocolError(code: .invalidParams, fieldPath: path, reason: reason)
    }

    static func string(_ value: JSONValue, at path: String) throws(DojoProtocolError) -> String {
        guard case .string(let string) = value else {
            throw failure(path, "expected a string, got \(value.kindDescription)")
        }
        return string
    }

    static func array(_ value: JSONValue, at path: String) throws(DojoProtocolError) -> [JSONValue] {
        guard case .array(let array) = value else {
            throw failure(path, "expected an array, got \(value.kindDescription)")
        }
        return array
    }

    /// An integer field takes an integer token only: digits with an optional leading `-`, no fraction, no
    /// exponent, within `Int64`. `4.0`, `4e0`, `4E+2`, `-0.0` and `1e-400` are refused (the parser keeps them as
    /// `.double`), as is an integer token beyond `Int64` (also a `.double`): an exact value is never guessed.
    static func integer(_ value: JSONValue, at path: String) throws(DojoProtocolError) -> Int64 {
        switch value {
        case .integer(let number):
            return number
        case .double:
            throw failure(path, integerTokenReason)
        default:
            throw failure(path, "expected an integer, got \(value.kindDescription)")
        }
    }

    /// The reason for a number that is not an integer token; true for every `.double` (a fraction, an
    /// exponent, or digits beyond `Int64`), so it does not quote the parsed value (`1e-400` parses as 0).
    static let integerTokenReason =
        "expected an integer written as digits only (no fraction or exponent) between -9223372036854775808 and "
        + "9223372036854775807, got another number"

    /// Refuses an id longer than ``IDLimit/maximumBytes`` UTF-8 bytes.
    static func checkID(_ id: String, at path: String) throws(DojoProtocolError) {
        if let problem = IDLimit.problem(id) { throw failure(path, problem) }
    }

    static func count(_ value: JSONValue, at path: String) throws(DojoProtocolError) -> Int {
        let number = try integer(value, at: path)
        guard number >= 0 else { throw failure(path, "must be a non-negative integer, got \(number)") }
        return Int(number)
    }

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

/// Builds a JSON object, omitting `nil` members.
struct JSONObjectBuilder {
    private(set) var members: [String: JSONValue] = [:]

    init() {}

    var value: JSONValue { .object(members) }

    mutating func set(_ key: String, _ value: JSONValue?) {
        if let value { members[key] = value }
    }

    mutating func set(_ key: String, _ value: String?) {
        if let value { members[key] = .string(value) }
    }

    mutating func set(_ key: String, _ value: Int?) {
        if let value { members[key] = .integer(Int64(value)) }
    }

    mutating func set(_ key: String, _ value: Int64?) {
        if let value { members[key] = .integer(value) }
    }

    mutating func set(_ key: String, _ value: Bool?) {
        if let value { members[key] = .bool(value) }
    }

    mutating func set(_ key: String, _ value: [String]?) {
        if let value { members[key] = .array(value.map(JSONValue.string)) }
    }

    mutating func set<Value: JSONRepresentable>(_ key: String, _ value: Value?) {
        if let value { members[key] = value.jsonValue }
    }

    mutating func set<Element: JSONRepresentable>(_ key: String, _ value: [Element]?) {
        if let value { members[key] = .array(value.map(\.jsonValue)) }
    }
}
