/// A wire value that converts to and from ``JSONValue`` with precise validation errors.
///
/// Every entity, request and result conforms. Decoding goes through hand-written field readers so a failure
/// names the field path (`params.deposit.totalAmount.value`) and the reason. Conformers also get `Codable`
/// through the same code path, so other modules can store or send them with any `Encoder`/`Decoder` and get
/// identical JSON.
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

    /// Decodes through ``init(json:path:)``.
    public init(from decoder: any Decoder) throws {
        try self.init(json: try JSONValue(from: decoder), path: "")
    }

    /// Encodes ``jsonValue``.
    public func encode(to encoder: any Encoder) throws {
        try jsonValue.encode(to: encoder)
    }
}
