public import DojoProtocol

/// What an adapter knows about the request it serves besides its params: who asked, and the JSON-RPC
/// correlation data (for the adapter's own logs and trace ids).
public struct RequestContext: Hashable, Sendable {
    /// The JSON-RPC id of the request.
    public var requestID: RequestID
    /// The method being served.
    public var method: DojoMethod
    /// Who is asking (`params.headers`).
    public var headers: RequestHeaders

    /// Creates a context.
    public init(requestID: RequestID, method: DojoMethod, headers: RequestHeaders = RequestHeaders()) {
        self.requestID = requestID
        self.method = method
        self.headers = headers
    }

    /// The context of a decoded request.
    public init(requestID: RequestID, request: DojoRequest) {
        self.init(requestID: requestID, method: request.method, headers: request.headers)
    }
}
