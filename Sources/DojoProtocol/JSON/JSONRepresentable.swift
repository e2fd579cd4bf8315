/// A wire value that converts to and from ``JSONValue`` with precise validation errors.
///
/// Every entity, request and result conforms. Most conformers are plain structs with synthesised `Codable`: the
/// default ``init(json:path:)`` and ``jsonValue`` run it through ``JSONValueDecoder``/``JSONValueEncoder``,
/// which name the field path (`params.deposit.totalAmount.value`) and the reason of a failure, and the rules
/// Codable cannot express are property wrappers on the fields (``Checked``, ``CheckedIfPresent``). A value that
/// reads its JSON by hand (a timestamp string, an open string set, an event body) conforms to
/// ``HandCodedJSON`` instead, which gives it `Codable` through the same code path.
public protocol JSONRepresentable: Codable, Hashable, Sendable {
    /// Decodes and validates a value.
    ///
    /// - Parameters:
    ///   - json: The JSON to read.
    ///   - path: Where `json` sits in the message (`params`, `result.data[2]`); used as the prefix of error
    ///     messages. Empty for a top-level value.
    /// - Throws: ``DojoProtocolError`` with code ``DojoProtocolError/Code/invalidParams``.
    init(json: JSONValue, path: String) throws(DojoProtocolError)

    /// The wire JSON; optional fields that are `nil` are omitted.
    var jsonValue: JSONValue { get }
}

extension JSONRepresentable {
    /// Decodes a top-level value (error messages carry no path prefix).
    public init(json: JSONValue) throws(DojoProtocolError) {
        try self.init(json: json, path: "")
    }

    /// Decodes through `init(from:)` with ``JSONValueDecoder``.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        self = try JSONValueDecoder().decode(Self.self, from: json, path: path)
    }

    /// Encodes through `encode(to:)` with ``JSONValueEncoder``.
    public var jsonValue: JSONValue { JSONValueEncoder().encode(self) }
}

/// A wire value that reads and writes its JSON by hand; its `Codable` goes through ``init(json:path:)`` and
/// ``jsonValue``, so any `Encoder`/`Decoder` sees identical JSON.
///
/// A conformer must implement both ``init(json:path:)`` and ``jsonValue`` (the defaults would call back into
/// `Codable`), and describes itself for the contract documents with ``wireSchema`` and ``wireSample``.
public protocol HandCodedJSON: JSONRepresentable {
    /// The JSON Schema of the wire form.
    static var wireSchema: JSONValue { get }
    /// Any valid value (what a contract walk sees instead of decoding).
    static var wireSample: Self { get }
}

extension HandCodedJSON {
    /// Decodes through ``init(json:path:)``.
    public init(from decoder: any Decoder) throws {
        try self.init(handCodedFrom: decoder)
    }

    /// Encodes ``jsonValue``.
    public func encode(to encoder: any Encoder) throws {
        try encodeHandCoded(to: encoder)
    }

    /// Decodes through ``init(json:path:)``, at the decoder's path when it is ``JSONValueDecoder``'s. (A
    /// refining protocol whose conformers also get another default `init(from:)`, as `RawRepresentable` types
    /// do, calls this from its own, so the compiler never falls back to a synthesised one.)
    public init(handCodedFrom decoder: any Decoder) throws {
        if WireSchemaDecoding.isActive, WireSchemaDecoding.isDescribing(decoder, as: Self.wireSchema) {
            self = Self.wireSample
        } else if let (value, path) = JSONValueDecoding.unwrap(decoder) {
            try self.init(json: value, path: path)
        } else {
            try self.init(json: try JSONValue(from: decoder), path: "")
        }
    }

    /// Encodes ``jsonValue``.
    public func encodeHandCoded(to encoder: any Encoder) throws {
        if let text = encoder as? JSONTextEncoding {
            text.state.writeSingle(jsonValue, depth: text.depth)
        } else if let node = JSONEncoding.unwrap(encoder) {
            node.kind = .single
            node.single = jsonValue
        } else {
            try jsonValue.encode(to: encoder)
        }
    }
}
