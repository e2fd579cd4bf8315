/// A message or value that does not follow the wire contract: a frame that is not JSON, params that fail
/// validation, a method the agent does not know, an impossible timestamp or event id.
///
/// The ``message`` is written to be sent to Dojo as the `debugMessage` of an `InvalidRequest` error: it names
/// the field path and the reason (`params.tableIds: must contain at least one table id`) and quotes at most a
/// short excerpt of the offending value. It is a struct wrapping a code (house style §3.5) so new kinds can be
/// added without breaking callers.
public struct DojoProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of contract violation.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case invalidJSON
            case invalidEnvelope
            case invalidParams
            case unknownMethod
            case invalidValue
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The text is not JSON (or nests too deeply).
        public static let invalidJSON = Code(.invalidJSON)
        /// The JSON is not a usable JSON-RPC message (batch, missing or mistyped `id`/`method`).
        public static let invalidEnvelope = Code(.invalidEnvelope)
        /// A method's `params` (or a result body) fails validation; ``DojoProtocolError/fieldPath`` says where.
        public static let invalidParams = Code(.invalidParams)
        /// The `method` is not one this agent implements.
        public static let unknownMethod = Code(.unknownMethod)
        /// A value built in code is invalid (a timestamp string, a POS event id or type).
        public static let invalidValue = Code(.invalidValue)

        /// The code's name.
        public var description: String {
            switch base {
            case .invalidJSON: "invalidJSON"
            case .invalidEnvelope: "invalidEnvelope"
            case .invalidParams: "invalidParams"
            case .unknownMethod: "unknownMethod"
            case .invalidValue: "invalidValue"
            }
        }
    }

    /// What kind of violation this is.
    public let code: Code
    /// The dotted path of the offending field (`params.cursor.limit`), when one field is to blame.
    public let fieldPath: String?
    /// The complete human-readable message, including the path when there is one.
    public let message: String

    /// Creates an error with a complete message.
    public init(code: Code, message: String) {
        self.code = code
        self.fieldPath = nil
        self.message = message
    }

    /// Creates an error about one field; the message becomes `"<path>: <reason>"`.
    public init(code: Code, fieldPath: String, reason: String) {
        self.code = code
        self.fieldPath = fieldPath
        self.message = fieldPath.isEmpty ? reason : "\(fieldPath): \(reason)"
    }

    /// The message, as sent in `debugMessage`.
    public var description: String { message }
}
