/// The `error` member of a response the agent sends to Dojo: `{errorType, debugMessage?, traceId?}`.
///
/// This is a wire value, not something vendors throw: adapters throw `AdapterError` (module DojoAdapter) and the
/// agent maps every thrown error to one of these, so internal details never reach Dojo.
public struct DojoError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The category Dojo acts on (a `NotFound` makes Dojo assume the entity was deleted).
    public var errorType: DojoErrorType
    /// Free text for people debugging the integration.
    public var debugMessage: String?
    /// A POS-side id to find the matching log lines.
    public var traceID: String?

    /// Creates a wire error.
    public init(errorType: DojoErrorType, debugMessage: String? = nil, traceID: String? = nil) {
        self.errorType = errorType
        self.debugMessage = debugMessage
        self.traceID = traceID
    }

    /// `errorType` followed by the debug message, for logs.
    public var description: String {
        debugMessage.map { "\(errorType.rawValue): \($0)" } ?? errorType.rawValue
    }

    private enum CodingKeys: String, CodingKey {
        case errorType, debugMessage
        case traceID = "traceId"
    }
}

extension DojoError: JSONRepresentable {}

/// An error that chooses its own wire form when it reaches Dojo.
///
/// Only errors that opt in reach the wire as themselves; everything else becomes a generic `UnexpectedError`
/// (house style §3.5). ``DojoError``, ``DojoProtocolError`` and the adapter module's `AdapterError` conform.
public protocol DojoErrorConvertible: Error {
    /// The error to send to Dojo.
    var dojoError: DojoError { get }
}

extension DojoError: DojoErrorConvertible {
    /// Itself.
    public var dojoError: DojoError { self }
}

extension DojoProtocolError: DojoErrorConvertible {
    /// `InvalidRequest` carrying the precise validation message.
    public var dojoError: DojoError { DojoError(errorType: .invalidRequest, debugMessage: message) }
}
