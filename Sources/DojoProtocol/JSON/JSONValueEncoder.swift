/// An `Encoder` producing a ``JSONValue``: the wire form of every synthesised `Encodable` in this module.
///
/// `nil` optionals are omitted (synthesised code calls `encodeIfPresent`), keys are the types' `CodingKeys`, and
/// integers stay `.integer`.
public struct JSONValueEncoder: Sendable {
    /// Creates an encoder.
    public init() {}

    /// The JSON of `value`.
    public func encode<T: Encodable>(_ value: T) -> JSONValue {
        do {
            return try JSONEncoding.encode(value)
        } catch {
            // Only a type's own encode(to:) can throw, and none in this module does.
            preconditionFailure("BUG: encoding \(T.self) threw \(error)")
        }
    }
}

/// What one encoder wrote: nothing yet, a single value, or an object or array being filled. Members and
/// elements are stored as finished values; a nested container (rare: synthesised code never asks for one) is
/// kept as a child node and rendered at the end.
final class JSONEncodingNode {
    enum Kind {
        case empty, single, object, array
    }

    var kind = Kind.empty
    var single = JSONValue.null
    var members: [String: JSONValue] = [:]
    var elements: [JSONValue] = []
    var nestedMembers: [String: JSONEncodingNode] = [:]
    var nestedElements: [Int: JSONEncodingNode] = [:]

    var value: JSONValue {
        switch kind {
        case .empty:
            return .object([:])
        case .single:
            return single
        case .object:
            guard !nestedMembers.isEmpty else { return .object(members) }
            var all = members
            for (key, node) in nestedMembers { all[key] = node.value }
            return .object(all)
        case .array:
            guard !nestedElements.isEmpty else { return .array(elements) }
            var all = elements
            for (index, node) in nestedElements { all[index] = node.value }
            return .array(all)
        }
    }
}

struct JSONEncoding: Encoder {
    let node: JSONEncodingNode

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// The JSON of `value`: scalars directly, anything else through a fresh encoder.
    static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        // Metadata comparisons, not dynamic casts: this runs for every nested value.
        if T.self == String.self { return .string(unsafeBitCast(value, to: String.self)) }
        if T.self == Int.self { return .integer(Int64(unsafeBitCast(value, to: Int.self))) }
        if T.self == Int64.self { return .integer(unsafeBitCast(value, to: Int64.self)) }
        if T.self == Bool.self { return .bool(unsafeBitCast(value, to: Bool.self)) }
        if T.self == JSONValue.self { return unsafeBitCast(value, to: JSONValue.self) }
        let node = JSONEncodingNode()
        try value.encode(to: JSONEncoding(node: node))
        return node.value
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.kind = .object
        return KeyedEncodingContainer(JSONKeyedEncoding<Key>(node: node))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.kind = .array
        return JSONUnkeyedEncoding(node: node)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueEncoding(node: node)
    }
}

struct JSONKeyedEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: JSONEncodingNode

    var codingPath: [any CodingKey] { [] }

    private func set(_ value: JSONValue, _ key: Key) {
        node.members[key.stringValue] = value
    }

    private func child(_ key: Key) -> JSONEncodingNode {
        let child = JSONEncodingNode()
        node.nestedMembers[key.stringValue] = child
        return child
    }

    mutating func encodeNil(forKey key: Key) { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) { set(.string(value), key) }
    mutating func encode(_ value: Int, forKey key: Key) { set(.integer(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) { set(.integer(value), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { set(try JSONEncoding.encode(value), key) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        JSONEncoding(node: child(key)).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        JSONEncoding(node: child(key)).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { JSONEncoding(node: node) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { JSONEncoding(node: child(key)) }
}

struct JSONUnkeyedEncoding: UnkeyedEncodingContainer {
    let node: JSONEncodingNode

    var codingPath: [any CodingKey] { [] }
    var count: Int { node.elements.count }

    private func append() -> JSONEncodingNode {
        let child = JSONEncodingNode()
        node.nestedElements[node.elements.count] = child
        node.elements.append(.null)
        return child
    }

    mutating func encodeNil() { node.elements.append(.null) }
    mutating func encode(_ value: String) { node.elements.append(.string(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { node.elements.append(try JSONEncoding.encode(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        JSONEncoding(node: append()).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONEncoding(node: append()).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { JSONEncoding(node: append()) }
}

struct JSONSingleValueEncoding: JSONScalarEncoding {
    let node: JSONEncodingNode

    var codingPath: [any CodingKey] { [] }

    func set(_ value: JSONValue) {
        node.kind = .single
        node.single = value
    }

    mutating func encode<T: Encodable>(_ value: T) throws { set(try JSONEncoding.encode(value)) }
}

/// A single-value container that keeps each scalar as its ``JSONValue`` (the tree's and the text encoder's).
/// Every scalar type has its own method: one left to the generic `encode(_:)` would come back to it through
/// the scalar's own `encode(to:)`, for ever.
protocol JSONScalarEncoding: SingleValueEncodingContainer {
    /// Makes `value` the container's value.
    func set(_ value: JSONValue)
}

extension JSONScalarEncoding {
    mutating func encodeNil() { set(.null) }
    mutating func encode(_ value: Bool) { set(.bool(value)) }
    mutating func encode(_ value: String) { set(.string(value)) }
    mutating func encode(_ value: Double) { set(.double(value)) }
    mutating func encode(_ value: Float) { set(.double(Double(value))) }
    mutating func encode(_ value: Int) { set(.integer(Int64(value))) }
    mutating func encode(_ value: Int8) { set(.integer(Int64(value))) }
    mutating func encode(_ value: Int16) { set(.integer(Int64(value))) }
    mutating func encode(_ value: Int32) { set(.integer(Int64(value))) }
    mutating func encode(_ value: Int64) { set(.integer(value)) }
    mutating func encode(_ value: UInt8) { set(.integer(Int64(value))) }
    mutating func encode(_ value: UInt16) { set(.integer(Int64(value))) }
    mutating func encode(_ value: UInt32) { set(.integer(Int64(value))) }
    /// An integer beyond `Int64` becomes a `.double`, as a parsed one does.
    mutating func encode(_ value: UInt) {
        set(value <= UInt(Int64.max) ? .integer(Int64(value)) : .double(Double(value)))
    }
    /// An integer beyond `Int64` becomes a `.double`, as a parsed one does.
    mutating func encode(_ value: UInt64) {
        set(value <= UInt64(Int64.max) ? .integer(Int64(value)) : .double(Double(value)))
    }
}

extension JSONEncoding {
    /// The node to write `value`'s JSON into directly when `encoder` is this encoder (a type's fast path).
    static func unwrap(_ encoder: any Encoder) -> JSONEncodingNode? {
        (encoder as? JSONEncoding)?.node
    }
}
