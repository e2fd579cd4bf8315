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

/// What one encoder wrote: nothing yet, a single value, or an object or array being filled.
final class JSONEncodingNode {
    enum Content {
        case empty
        case value(JSONValue)
        case object([String: JSONValue], nested: [String: JSONEncodingNode])
        case array([JSONEncodingNode])
    }

    var content = Content.empty

    var value: JSONValue {
        switch content {
        case .empty:
            return .object([:])
        case .value(let value):
            return value
        case .object(var members, let nested):
            for (key, node) in nested { members[key] = node.value }
            return .object(members)
        case .array(let nodes):
            return .array(nodes.map(\.value))
        }
    }
}

struct JSONEncoding: Encoder {
    let node: JSONEncodingNode

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// The JSON of `value`: scalars directly, anything else through a fresh encoder.
    static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        switch value {
        case let string as String: return .string(string)
        case let number as Int: return .integer(Int64(number))
        case let number as Int64: return .integer(number)
        case let flag as Bool: return .bool(flag)
        case let json as JSONValue: return json
        default:
            let node = JSONEncodingNode()
            try value.encode(to: JSONEncoding(node: node))
            return node.value
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.content {} else { node.content = .object([:], nested: [:]) }
        return KeyedEncodingContainer(JSONKeyedEncoding<Key>(node: node))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = node.content {} else { node.content = .array([]) }
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
        guard case .object(var members, let nested) = node.content else { return }
        node.content = .empty
        members[key.stringValue] = value
        node.content = .object(members, nested: nested)
    }

    private func child(_ key: Key) -> JSONEncodingNode {
        let child = JSONEncodingNode()
        guard case .object(let members, var nested) = node.content else { return child }
        node.content = .empty
        nested[key.stringValue] = child
        node.content = .object(members, nested: nested)
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
    var count: Int {
        guard case .array(let nodes) = node.content else { return 0 }
        return nodes.count
    }

    private func append() -> JSONEncodingNode {
        let child = JSONEncodingNode()
        guard case .array(var nodes) = node.content else { return child }
        node.content = .empty
        nodes.append(child)
        node.content = .array(nodes)
        return child
    }

    mutating func encodeNil() { append().content = .value(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { append().content = .value(try JSONEncoding.encode(value)) }

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

struct JSONSingleValueEncoding: SingleValueEncodingContainer {
    let node: JSONEncodingNode

    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() { node.content = .value(.null) }
    mutating func encode(_ value: Bool) { node.content = .value(.bool(value)) }
    mutating func encode(_ value: String) { node.content = .value(.string(value)) }
    mutating func encode(_ value: Double) { node.content = .value(.double(value)) }
    mutating func encode(_ value: Int) { node.content = .value(.integer(Int64(value))) }
    mutating func encode(_ value: Int64) { node.content = .value(.integer(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { node.content = .value(try JSONEncoding.encode(value)) }
}

extension JSONEncoding {
    /// The node to write `value`'s JSON into directly when `encoder` is this encoder (a type's fast path).
    static func unwrap(_ encoder: any Encoder) -> JSONEncodingNode? {
        (encoder as? JSONEncoding)?.node
    }
}
