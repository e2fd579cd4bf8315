/// Why a WebSocket connection could not be opened, or why it ended.
///
/// One struct with an open `Code` (house style: errors can gain cases without breaking callers). The fields that
/// apply to a code are set: `httpStatus` for a rejected handshake, `closeCode`/`closeReason` for a close frame.
/// Descriptions name what happened and what to check; they never contain header values (the API key travels in
/// a header).
public struct WebSocketTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String {
            case invalidConfiguration = "invalid configuration"
            case connectFailed = "connect failed"
            case tlsFailure = "TLS failure"
            case handshakeRejected = "handshake rejected"
            case handshakeTimeout = "handshake timeout"
            case peerUnresponsive = "peer unresponsive"
            case closedByPeer = "closed by peer"
            case connectionLost = "connection lost"
            case messageTooBig = "message too big"
            case closed = "closed"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The URL, CA file or another setting is unusable; nothing was attempted.
        public static let invalidConfiguration = Self(.invalidConfiguration)
        /// DNS, TCP connect or the socket failed before the WebSocket was open.
        public static let connectFailed = Self(.connectFailed)
        /// TLS failed: certificate not trusted, hostname mismatch, or the peer does not speak TLS.
        public static let tlsFailure = Self(.tlsFailure)
        /// The server answered the upgrade with an HTTP status other than 101 (see `httpStatus`).
        public static let handshakeRejected = Self(.handshakeRejected)
        /// TCP connected but no HTTP 101 arrived within the handshake timeout.
        public static let handshakeTimeout = Self(.handshakeTimeout)
        /// No pong or other traffic arrived within the pong timeout after a ping: the peer or the path is dead.
        public static let peerUnresponsive = Self(.peerUnresponsive)
        /// The peer sent a close frame (see `closeCode` and `closeReason`).
        public static let closedByPeer = Self(.closedByPeer)
        /// The socket ended without a close frame (reset, EOF, protocol failure detected by libwebsockets).
        public static let connectionLost = Self(.connectionLost)
        /// An inbound message exceeded `maxMessageSize`; the connection was closed with 1009.
        public static let messageTooBig = Self(.messageTooBig)
        /// The connection was closed locally before the operation could complete (for example a pending send at
        /// shutdown).
        public static let closed = Self(.closed)

        public var description: String { self.base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// A human-readable account of what happened.
    public var message: String
    /// The HTTP status of a rejected handshake.
    public var httpStatus: Int?
    /// The close code the peer sent (or the one we sent, for `messageTooBig` and `peerUnresponsive`).
    public var closeCode: WebSocketCloseCode?
    /// The close reason text.
    public var closeReason: String?

    public init(
        _ code: Code,
        _ message: String,
        httpStatus: Int? = nil,
        closeCode: WebSocketCloseCode? = nil,
        closeReason: String? = nil
    ) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.closeCode = closeCode
        self.closeReason = closeReason
    }

    /// The server refused our credentials: HTTP 401 or 403 on the upgrade. Retrying quickly will not help.
    public var isAuthRejection: Bool {
        self.code == .handshakeRejected && (self.httpStatus == 401 || self.httpStatus == 403)
    }

    public var description: String { "\(self.code): \(self.message)" }
}
