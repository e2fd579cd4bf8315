/// The JSON-RPC `id` of a request, echoed in its response.
///
/// Dojo sends strings (treated as opaque). A numeric id is tolerated: ``text`` holds its textual form for logs
/// and maps, and the response echoes it back as the same number, since a JSON-RPC client matches ids by value
/// and type.
public struct RequestID: Hashable, Sendable, CustomStringConvertible {
    /// The id as text (a numeric id in its shortest decimal form).
    public let text: String
    /// The id exactly as it goes on the wire.
    public let jsonValue: JSONValue

    /// A string id.
    public init(_ text: String) {
        self.init(text: text, jsonValue: .string(text))
    }

    private init(text: String, jsonValue: JSONValue) {
        self.text = text
        self.jsonValue = jsonValue
    }

    /// The id held by a JSON value, if it is a string or a number.
    public init?(json: JSONValue) {
        switch json {
        case .string(let text):
            self.init(text)
        case .integer(let number):
            self.init(text: String(number), jsonValue: json)
        case .double(let number) where number.isFinite:
            self.init(text: number.description, jsonValue: json)
        default:
            return nil
        }
    }

    /// Whether the id arrived as a number rather than a string.
    public var isNumeric: Bool {
        if case .string = jsonValue { return false }
        return true
    }

    /// The text.
    public var description: String { text }
}

/// The JSON-RPC version string: the Dojo spec types `jsonrpc` only as a string; "2.0" is what the Tables API
/// and its SDK use, and what the agent writes.
enum RPCVersion {
    static let current = "2.0"
}
