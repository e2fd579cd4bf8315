/// A `Decoder` over an already-parsed ``JSONValue``: the one place where wire JSON becomes typed values.
///
/// Request, result and entity types use synthesised `Decodable`; this decoder gives them the agent's validation
/// and error model rather than `DecodingError`'s:
/// - every failure is a ``DojoProtocolError`` (code ``DojoProtocolError/Code/invalidParams``) whose message
///   names the field path (`params.deposit.totalAmount.value: required field is missing`) and the reason, worded
///   exactly as ``JSONObjectReader`` words it;
/// - a member that is `null` counts as absent for an optional field; a required one must be present and non-null;
/// - unknown members are ignored (forward compatibility);
/// - an integer field takes an integer token only (``JSONField/integer(_:at:)``), never a `.double`;
/// - keys are the types' `CodingKeys` (a type whose Swift names spell an acronym in capitals, `tableIDs`, declares
///   the wire spelling, `tableIds`), so Foundation's coders read and write the same JSON.
///
/// Rules Codable cannot express (ids' length cap, non-empty strings, counts, table lists…) are property wrappers
/// (``Checked``, ``CheckedIfPresent``) declared on the fields, so each is written once.
///
/// Paths are rendered only when an error needs them, so a valid message costs no string building.
public struct JSONValueDecoder: Sendable {
    /// Creates a decoder.
    public init() {}

    /// Decodes `type` from `value`, which sits at `path` in its message (`params`, `result`; empty at the top).
    ///
    /// - Throws: ``DojoProtocolError`` naming the field path and the reason.
    public func decode<T: Decodable>(
        _ type: T.Type,
        from value: JSONValue,
        path: String
    ) throws(DojoProtocolError)
        -> T
    {
        do {
            return try T(from: JSONValueDecoding(value: value, path: JSONFieldPath(rendered: path)))
        } catch let error as DojoProtocolError {
            throw error
        } catch {
            // A type's own code threw something else (a DecodingError from a hand-written init(from:)).
            throw JSONField.failure(path, "\(error)")
        }
    }
}

/// Where a value sits in its message: a rendered parent path plus the last step, rendered on demand.
struct JSONFieldPath: Sendable {
    enum Step: Sendable {
        case none
        case key(String)
        case index(Int)
    }

    let parent: String
    let step: Step

    init(rendered: String) {
        parent = rendered
        step = .none
    }

    init(parent: String, step: Step) {
        self.parent = parent
        self.step = step
    }

    /// `params.deposit`, `params.tableIds[2]`.
    var rendered: String {
        switch step {
        case .none: parent
        case .key(let key): parent.isEmpty ? key : "\(parent).\(key)"
        case .index(let index): "\(parent)[\(index)]"
        }
    }
}

/// The rendered path as the one element of `codingPath` (the agent's errors carry the path as text).
struct JSONPathKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

struct JSONValueDecoding: Decoder {
    let value: JSONValue
    let path: JSONFieldPath

    var codingPath: [any CodingKey] { [JSONPathKey(stringValue: path.rendered)] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else {
            throw JSONField.failure(path.rendered, "expected an object, got \(value.kindDescription)")
        }
        return KeyedDecodingContainer(JSONKeyedDecoding<Key>(members: members, path: path.rendered))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else {
            throw JSONField.failure(path.rendered, "expected an array, got \(value.kindDescription)")
        }
        return JSONUnkeyedDecoding(elements: elements, path: path.rendered)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        JSONSingleValueDecoding(value: value, path: path)
    }
}

/// Decodes scalars from one value; shared by the three containers.
enum JSONScalar {
    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, at path: JSONFieldPath) throws -> T {
        // The common scalars directly: no nested decoder for a string or an integer field.
        // Metadata comparisons, then a bit cast to the very same type: no dynamic cast per field.
        if T.self == String.self { return unsafeBitCast(try JSONField.string(value, at: path.rendered), to: T.self) }
        if T.self == Int.self { return unsafeBitCast(try int(Int.self, value, path), to: T.self) }
        if T.self == Int64.self { return unsafeBitCast(try JSONField.integer(value, at: path.rendered), to: T.self) }
        if T.self == Bool.self { return unsafeBitCast(try bool(value, path), to: T.self) }
        if T.self == JSONValue.self { return unsafeBitCast(value, to: T.self) }
        if T.self == Timestamp.self { return unsafeBitCast(try timestamp(value, path), to: T.self) }
        if T.self == [String].self { return unsafeBitCast(try strings(value, path), to: T.self) }
        return try T(from: JSONValueDecoding(value: value, path: path))
    }

    /// What `Timestamp(from:)` reads, without a nested decoder or the path's text (made only for an error).
    static func timestamp(_ value: JSONValue, _ path: JSONFieldPath) throws(DojoProtocolError) -> Timestamp {
        if case .string(let text) = value, case .success(let milliseconds) = TimestampParser.parse(text) {
            return Timestamp(millisecondsSince1970: milliseconds)
        }
        return try Timestamp(json: value, path: path.rendered)
    }

    /// What `[String](from:)` reads through an unkeyed container, with the same errors (`tableIds[1]: expected
    /// a string, got a number`), without a decoder per element.
    static func strings(_ value: JSONValue, _ path: JSONFieldPath) throws(DojoProtocolError) -> [String] {
        guard case .array(let elements) = value else {
            throw JSONField.failure(path.rendered, "expected an array, got \(value.kindDescription)")
        }
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for (offset, element) in elements.enumerated() {
            guard case .string(let string) = element else {
                let elementPath = JSONFieldPath(parent: path.rendered, step: .index(offset))
                throw JSONField.failure(elementPath.rendered, "expected a string, got \(element.kindDescription)")
            }
            strings.append(string)
        }
        return strings
    }

    static func bool(_ value: JSONValue, _ path: JSONFieldPath) throws(DojoProtocolError) -> Bool {
        guard case .bool(let flag) = value else {
            throw JSONField.failure(path.rendered, "expected a boolean, got \(value.kindDescription)")
        }
        return flag
    }

    static func double(_ value: JSONValue, _ path: JSONFieldPath) throws(DojoProtocolError) -> Double {
        switch value {
        case .integer(let number): return Double(number)
        case .double(let number): return number
        default: throw JSONField.failure(path.rendered, "expected a number, got \(value.kindDescription)")
        }
    }

    static func int<T: FixedWidthInteger>(
        _ type: T.Type,
        _ value: JSONValue,
        _ path: JSONFieldPath
    ) throws(DojoProtocolError) -> T {
        let number = try JSONField.integer(value, at: path.rendered)
        guard let exact = T(exactly: number) else {
            throw JSONField.failure(path.rendered, "must be between \(T.min) and \(T.max), got \(number)")
        }
        return exact
    }
}

struct JSONKeyedDecoding<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSONValue]
    let path: String

    var codingPath: [any CodingKey] { [JSONPathKey(stringValue: path)] }
    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    private func fieldPath(_ name: String) -> JSONFieldPath {
        JSONFieldPath(parent: path, step: .key(name))
    }

    /// The member, present (possibly `null`), or "required field is missing".
    private func required(_ key: Key) throws(DojoProtocolError) -> (JSONValue, JSONFieldPath) {
        let name = key.stringValue
        guard let value = members[name] else {
            throw JSONField.failure(fieldPath(name).rendered, "required field is missing")
        }
        return (value, fieldPath(name))
    }

    /// The member, or `nil` when absent or `null`.
    private func optional(_ key: Key) -> (JSONValue, JSONFieldPath)? {
        let name = key.stringValue
        guard let value = members[name], !value.isNull else { return nil }
        return (value, fieldPath(name))
    }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    func decodeNil(forKey key: Key) throws -> Bool { optional(key) == nil }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        let (value, path) = try required(key)
        return try JSONScalar.bool(value, path)
    }

    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        let (value, path) = try required(key)
        return try JSONField.string(value, at: path.rendered)
    }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        let (value, path) = try required(key)
        return try JSONScalar.double(value, path)
    }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
        let (value, path) = try required(key)
        return try JSONScalar.int(Int.self, value, path)
    }

    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
        let (value, path) = try required(key)
        return try JSONField.integer(value, at: path.rendered)
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let (value, path) = try required(key)
        return try JSONScalar.decode(type, from: value, at: path)
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        guard let (value, path) = optional(key) else { return nil }
        return try JSONScalar.bool(value, path)
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        guard let (value, path) = optional(key) else { return nil }
        return try JSONField.string(value, at: path.rendered)
    }

    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        guard let (value, path) = optional(key) else { return nil }
        return try JSONScalar.int(Int.self, value, path)
    }

    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
        guard let (value, path) = optional(key) else { return nil }
        return try JSONField.integer(value, at: path.rendered)
    }

    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        guard let (value, path) = optional(key) else { return nil }
        return try JSONScalar.double(value, path)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let (value, path) = optional(key) else { return nil }
        return try JSONScalar.decode(type, from: value, at: path)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try superDecoder(forKey: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try superDecoder(forKey: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        JSONValueDecoding(value: .object(members), path: JSONFieldPath(rendered: path))
    }

    /// The member's decoder; unlike JSONDecoder's, a missing member is "required field is missing".
    func superDecoder(forKey key: Key) throws -> any Decoder {
        let (value, path) = try required(key)
        return JSONValueDecoding(value: value, path: path)
    }
}

struct JSONUnkeyedDecoding: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let path: String
    private(set) var currentIndex = 0

    init(elements: [JSONValue], path: String) {
        self.elements = elements
        self.path = path
    }

    var codingPath: [any CodingKey] { [JSONPathKey(stringValue: path)] }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws(DojoProtocolError) -> (JSONValue, JSONFieldPath) {
        let elementPath = JSONFieldPath(parent: path, step: .index(currentIndex))
        guard !isAtEnd else { throw JSONField.failure(elementPath.rendered, "required element is missing") }
        defer { currentIndex += 1 }
        return (elements[currentIndex], elementPath)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, elementPath) = try next()
        return try JSONScalar.decode(type, from: value, at: elementPath)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try superDecoder().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try superDecoder().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (value, elementPath) = try next()
        return JSONValueDecoding(value: value, path: elementPath)
    }
}

struct JSONSingleValueDecoding: SingleValueDecodingContainer {
    let value: JSONValue
    let path: JSONFieldPath

    var codingPath: [any CodingKey] { [JSONPathKey(stringValue: path.rendered)] }

    func decodeNil() -> Bool { value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try JSONScalar.bool(value, path) }
    func decode(_ type: String.Type) throws -> String { try JSONField.string(value, at: path.rendered) }
    func decode(_ type: Double.Type) throws -> Double { try JSONScalar.double(value, path) }
    func decode(_ type: Float.Type) throws -> Float { Float(try JSONScalar.double(value, path)) }
    func decode(_ type: Int.Type) throws -> Int { try JSONScalar.int(Int.self, value, path) }
    func decode(_ type: Int8.Type) throws -> Int8 { try JSONScalar.int(Int8.self, value, path) }
    func decode(_ type: Int16.Type) throws -> Int16 { try JSONScalar.int(Int16.self, value, path) }
    func decode(_ type: Int32.Type) throws -> Int32 { try JSONScalar.int(Int32.self, value, path) }
    func decode(_ type: Int64.Type) throws -> Int64 { try JSONScalar.int(Int64.self, value, path) }
    func decode(_ type: UInt.Type) throws -> UInt { try JSONScalar.int(UInt.self, value, path) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try JSONScalar.int(UInt8.self, value, path) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try JSONScalar.int(UInt16.self, value, path) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try JSONScalar.int(UInt32.self, value, path) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try JSONScalar.int(UInt64.self, value, path) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONScalar.decode(type, from: value, at: path) }
}

extension JSONValueDecoding {
    /// The decoder's value and rendered path when `decoder` is this decoder (a type's fast path).
    static func unwrap(_ decoder: any Decoder) -> (value: JSONValue, path: String)? {
        guard let decoder = decoder as? JSONValueDecoding else { return nil }
        return (decoder.value, decoder.path.rendered)
    }

    /// An error about the value `decoder` reads: a ``DojoProtocolError`` at its path for this decoder, a
    /// `DecodingError` for any other.
    static func failure(_ decoder: any Decoder, _ reason: String, below suffix: String = "") -> any Error {
        if let decoder = decoder as? JSONValueDecoding {
            return JSONField.failure(decoder.path.rendered + suffix, reason)
        }
        return DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: reason))
    }
}
