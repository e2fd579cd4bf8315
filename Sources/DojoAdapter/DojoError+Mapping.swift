public import DojoProtocol

/// A thrown error translated for the wire, plus what only the local log may see.
public struct MappedError: Hashable, Sendable {
    /// The error to send to Dojo.
    public var wireError: DojoError
    /// Details of an error that did not choose its wire form (type and description), for the local log only;
    /// `nil` when the wire error already says everything.
    public var localDetail: String?

    /// Creates a mapping.
    public init(wireError: DojoError, localDetail: String?) {
        self.wireError = wireError
        self.localDetail = localDetail
    }
}

extension DojoError {
    /// The `debugMessage` sent for any error that did not choose its wire form.
    public static let genericDebugMessage = "internal error in the POS adapter"

    /// Maps any thrown error to the error Dojo receives.
    ///
    /// - ``AdapterError`` keeps its message (and trace id) with its code's `errorType`.
    /// - ``DojoProtocolError`` (validation, unknown method) becomes `InvalidRequest` with its precise message.
    /// - Any other ``DojoErrorConvertible`` (including a ``DojoError``) uses its own wire form.
    /// - Anything else becomes `UnexpectedError` with ``genericDebugMessage``; its type and description are
    ///   returned in ``MappedError/localDetail`` for the local log, so vendor internals never reach Dojo.
    public static func from(_ error: any Error) -> MappedError {
        if let convertible = error as? any DojoErrorConvertible {
            return MappedError(wireError: convertible.dojoError, localDetail: nil)
        }
        return MappedError(
            wireError: DojoError(errorType: .unexpectedError, debugMessage: genericDebugMessage),
            localDetail: "\(type(of: error)): \(String(describing: error))"
        )
    }
}
