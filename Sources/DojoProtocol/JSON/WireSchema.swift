/// The JSON Schema of a wire type, produced from the type itself: the contract documents under `Docs/contract/`
/// are rendered from it (`dojo-sim contract`), so they cannot drift from the decoder.
///
/// It walks the type's `init(from:)` with a decoder that answers every request with a placeholder and records
/// what was asked: `decode` makes a required property, `decodeIfPresent` an optional one, a ``Checked`` rule adds
/// its ``WireRule/schemaKeywords``, a ``HandCodedJSON`` value gives its ``HandCodedJSON/wireSchema``. Every
/// ``JSONRepresentable`` type becomes one named definition, referred to with `$ref`; a type that accepts more
/// than its fields say (an alias, a cross-field rule) adjusts its definition with ``WireSchemaRefining``.
///
/// The schema says what the agent accepts; members it does not know are allowed (it ignores them). Its
/// `maxLength` on ids counts characters, while the agent counts UTF-8 bytes.
public struct WireSchema: Sendable {
    /// Named definitions, by name (`Money`, `PageOfParty`).
    public private(set) var definitions: [String: JSONValue] = [:]
    /// Where definitions are referred to: `#/components/schemas/` for OpenRPC, `#/$defs/` for a plain schema.
    public let referencePrefix: String

    /// Creates an empty collection of definitions.
    public init(referencePrefix: String) {
        self.referencePrefix = referencePrefix
    }

    /// The schema of `type` (a `$ref` for a named type), adding the definitions it needs.
    public mutating func schema<T: Decodable>(of type: T.Type) -> JSONValue {
        let walker = WireSchemaWalker(referencePrefix: referencePrefix, definitions: definitions)
        let node = WireSchemaNode()
        do {
            _ = try walker.describe(type, into: node)
        } catch {
            preconditionFailure("BUG: describing \(T.self) threw \(error)")
        }
        definitions = walker.definitions
        return node.schema
    }

    /// The name of `type`'s definition: `Page<Party>` is `PageOfParty`.
    static func definitionName(_ type: Any.Type) -> String {
        String(String(describing: type).flatMap { $0 == "<" ? "Of" : $0.isLetter || $0.isNumber ? "\($0)" : "" })
    }
}

/// A type whose definition needs more than its fields say (Modifier's alias, Cursor's exclusive members).
public protocol WireSchemaRefining {
    /// Adjusts the object schema made from the fields.
    static func refineWireSchema(_ schema: inout [String: JSONValue])
}

/// The schema of one value while it is being described.
final class WireSchemaNode {
    var keywords: [String: JSONValue] = [:]
    var properties: [(String, WireSchemaNode)] = []
    var required: [String] = []
    var items: WireSchemaNode?
    var reference: String?

    var isObject = false

    var schema: JSONValue {
        var result = keywords
        if let reference { result["$ref"] = .string(reference) }
        if isObject {
            result["type"] = "object"
            var members: [String: JSONValue] = [:]
            for (name, node) in properties { members[name] = node.schema }
            result["properties"] = .object(members)
            if !required.isEmpty { result["required"] = .array(required.map(JSONValue.string)) }
        }
        if let items {
            result["type"] = "array"
            var itemSchema = items.schema.objectValue ?? [:]
            if case .object(let extra)? = keywords["items"] {
                itemSchema.merge(extra) { _, new in new }
            }
            result["items"] = .object(itemSchema)
        }
        return .object(result)
    }
}

final class WireSchemaWalker {
    let referencePrefix: String
    var definitions: [String: JSONValue]

    init(referencePrefix: String, definitions: [String: JSONValue]) {
        self.referencePrefix = referencePrefix
        self.definitions = definitions
    }

    /// Describes `type` into `node` and returns a placeholder value of it.
    func describe<T: Decodable>(_ type: T.Type, into node: WireSchemaNode) throws -> T {
        switch type {
        case is String.Type:
            node.keywords["type"] = "string"
            return "" as! T
        case is Bool.Type:
            node.keywords["type"] = "boolean"
            return false as! T
        case is Int.Type:
            node.keywords["type"] = "integer"
            return 0 as! T
        case is Int64.Type:
            node.keywords["type"] = "integer"
            return Int64(0) as! T
        case is Double.Type:
            node.keywords["type"] = "number"
            return 0.0 as! T
        case is JSONValue.Type:
            return JSONValue.null as! T
        default:
            break
        }
        guard type is any JSONRepresentable.Type else {
            return try T(from: WireSchemaDecoding(walker: self, node: node))
        }
        let name = WireSchema.definitionName(type)
        node.reference = referencePrefix + name
        if definitions[name] == nil {
            definitions[name] = .object([:])  // a placeholder against recursion
            let definition = WireSchemaNode()
            let sample = try T(from: WireSchemaDecoding(walker: self, node: definition))
            var schema = definition.schema.objectValue ?? [:]
            if let refining = type as? any WireSchemaRefining.Type { refining.refineWireSchema(&schema) }
            definitions[name] = .object(schema)
            return sample
        }
        // Described already: walk a throwaway node for the placeholder.
        return try T(from: WireSchemaDecoding(walker: self, node: WireSchemaNode()))
    }
}

/// The decoder of a schema walk.
struct WireSchemaDecoding: Decoder {
    let walker: WireSchemaWalker
    let node: WireSchemaNode

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        node.isObject = true
        return KeyedDecodingContainer(WireSchemaKeyed<Key>(walker: walker, node: node))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let items = WireSchemaNode()
        node.items = items
        return WireSchemaUnkeyed(walker: walker, items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        WireSchemaSingle(walker: walker, node: node)
    }

    /// Whether `decoder` walks a schema; if so, the value it describes has `schema`.
    static func isDescribing(_ decoder: any Decoder, as schema: JSONValue) -> Bool {
        guard let decoder = decoder as? WireSchemaDecoding else { return false }
        decoder.node.keywords.merge(schema.objectValue ?? [:]) { _, new in new }
        return true
    }
}

struct WireSchemaKeyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let walker: WireSchemaWalker
    let node: WireSchemaNode

    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { [] }

    private func property(_ key: Key, required: Bool) -> WireSchemaNode {
        let name = key.stringValue
        if required, !node.required.contains(name) { node.required.append(name) }
        if let existing = node.properties.first(where: { $0.0 == name }) { return existing.1 }
        let child = WireSchemaNode()
        node.properties.append((name, child))
        return child
    }

    func contains(_ key: Key) -> Bool { true }
    func decodeNil(forKey key: Key) throws -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try walker.describe(type, into: property(key, required: true))
    }

    /// Describes the optional member, then answers "absent", so a type's cross-field rules see no conflict.
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        _ = try walker.describe(type, into: property(key, required: false))
        return nil
    }

    // The protocol's own defaults for these would call `decode` (required).
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try optional(type, key) }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try optional(type, key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try optional(type, key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try optional(type, key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try optional(type, key) }

    private func optional<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        _ = try walker.describe(type, into: property(key, required: false))
        return nil
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

    func superDecoder() throws -> any Decoder { WireSchemaDecoding(walker: walker, node: node) }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        WireSchemaDecoding(walker: walker, node: property(key, required: true))
    }
}

struct WireSchemaUnkeyed: UnkeyedDecodingContainer {
    let walker: WireSchemaWalker
    let items: WireSchemaNode
    private(set) var currentIndex = 0

    init(walker: WireSchemaWalker, items: WireSchemaNode) {
        self.walker = walker
        self.items = items
    }

    var codingPath: [any CodingKey] { [] }
    var count: Int? { 1 }
    var isAtEnd: Bool { currentIndex > 0 }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        currentIndex += 1
        return try walker.describe(type, into: items)
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
        currentIndex += 1
        return WireSchemaDecoding(walker: walker, node: items)
    }
}

struct WireSchemaSingle: SingleValueDecodingContainer {
    let walker: WireSchemaWalker
    let node: WireSchemaNode

    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { false }
    func decode(_ type: Bool.Type) throws -> Bool { try walker.describe(type, into: node) }
    func decode(_ type: String.Type) throws -> String { try walker.describe(type, into: node) }
    func decode(_ type: Double.Type) throws -> Double { try walker.describe(type, into: node) }
    func decode(_ type: Int.Type) throws -> Int { try walker.describe(type, into: node) }
    func decode(_ type: Int64.Type) throws -> Int64 { try walker.describe(type, into: node) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try walker.describe(type, into: node) }
}
