/// A string-valued field whose set of values is open: the known values are static members, and any other
/// string still decodes and round-trips unchanged.
///
/// Dojo has widened closed enums before (`CapabilityName`, `eventType`) and its own examples use values outside
/// the documented sets (`OrderStatus` "Created"). An open set keeps such a message usable instead of failing it
/// (house style §3.11: options and codes are structs with static members).
public protocol WireString: HandCodedJSON, RawRepresentable, CustomStringConvertible where RawValue == String {
    /// Wraps any wire string.
    init(rawValue: String)
}

extension WireString {
    /// Decodes the bare string.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        self.init(rawValue: try JSONField.string(json, at: path))
    }

    /// The bare string.
    public var jsonValue: JSONValue { .string(rawValue) }

    /// Decodes the bare string (here, not only in ``HandCodedJSON``: `RawRepresentable` brings a default too).
    public init(from decoder: any Decoder) throws {
        try self.init(handCodedFrom: decoder)
    }

    /// Encodes the bare string.
    public func encode(to encoder: any Encoder) throws {
        try encodeHandCoded(to: encoder)
    }

    /// The wire string.
    public var description: String { rawValue }

    /// A string (an open set: any value is accepted).
    public static var wireSchema: JSONValue { ["type": "string"] }

    /// The empty string.
    public static var wireSample: Self { Self(rawValue: "") }
}
