/// Why an HTTP request produced no response.
///
/// A response with any status (4xx and 5xx included) is not an error here: the caller decides what a status means.
/// Descriptions name what happened and what to check; they never contain header values or bodies (the API key
/// travels in a header).
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String {
            case invalidRequest = "invalid request"
            case connectFailed = "connect failed"
            case tlsFailure = "TLS failure"
            case timeout = "timeout"
            case connectionLost = "connection lost"
            case responseTooLarge = "response too large"
            case shutdown = "shut down"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The URL, a header or the configuration is unusable; nothing was sent.
        public static let invalidRequest = Self(.invalidRequest)
        /// DNS, TCP connect or the socket failed before a response began.
        public static let connectFailed = Self(.connectFailed)
        /// TLS failed: certificate not trusted, hostname mismatch, or the server does not speak TLS.
        public static let tlsFailure = Self(.tlsFailure)
        /// The request's deadline passed before the complete response arrived. The request may have reached the
        /// server.
        public static let timeout = Self(.timeout)
        /// The connection ended after the request was (perhaps) sent and before the response was complete.
        public static let connectionLost = Self(.connectionLost)
        /// The response body exceeded ``HTTPClientConfiguration/maxResponseBodySize``.
        public static let responseTooLarge = Self(.responseTooLarge)
        /// The client was shutting down.
        public static let shutdown = Self(.shutdown)

        public var description: String { self.base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable account of what happened.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(self.code): \(self.message)" }
}
