/// A WebSocket close status code (RFC 6455 §7.4 and the IANA registry).
///
/// An open set: codes this type does not name (4000–4999 are private use) still round-trip through `rawValue`.
public struct WebSocketCloseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// 1000: the purpose of the connection was fulfilled. Sent on a clean shutdown.
    public static let normalClosure = Self(rawValue: 1000)
    /// 1001: an endpoint is going away. Sent on a ping timeout and when the agent stops.
    public static let goingAway = Self(rawValue: 1001)
    /// 1002: protocol error.
    public static let protocolError = Self(rawValue: 1002)
    /// 1003: a data type the endpoint cannot accept.
    public static let unsupportedData = Self(rawValue: 1003)
    /// 1005: reserved; means "no status code was present". Never sent on the wire.
    public static let noStatusReceived = Self(rawValue: 1005)
    /// 1006: reserved; means "closed without a close frame". Never sent on the wire.
    public static let abnormalClosure = Self(rawValue: 1006)
    /// 1007: text payload that is not valid UTF-8.
    public static let invalidPayload = Self(rawValue: 1007)
    /// 1008: policy violation.
    public static let policyViolation = Self(rawValue: 1008)
    /// 1009: a message too big to process. Sent when an inbound message exceeds `maxMessageSize`.
    public static let messageTooBig = Self(rawValue: 1009)
    /// 1010: the client expected an extension the server did not negotiate.
    public static let mandatoryExtension = Self(rawValue: 1010)
    /// 1011: unexpected condition on the server.
    public static let internalError = Self(rawValue: 1011)
    /// 1012: the service is restarting.
    public static let serviceRestart = Self(rawValue: 1012)
    /// 1013: try again later.
    public static let tryAgainLater = Self(rawValue: 1013)
    /// 1015: reserved; means "TLS handshake failed". Never sent on the wire.
    public static let tlsHandshakeFailure = Self(rawValue: 1015)

    /// Whether RFC 6455 allows an endpoint to put this code in a close frame (1005, 1006 and 1015 are reserved
    /// for reporting, and codes below 1000 or in 1016–2999 outside the registry are not valid).
    public var isSendable: Bool {
        switch self.rawValue {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    public var description: String {
        let name: String? =
            switch self {
            case .normalClosure: "normal closure"
            case .goingAway: "going away"
            case .protocolError: "protocol error"
            case .unsupportedData: "unsupported data"
            case .noStatusReceived: "no status received"
            case .abnormalClosure: "abnormal closure"
            case .invalidPayload: "invalid payload"
            case .policyViolation: "policy violation"
            case .messageTooBig: "message too big"
            case .mandatoryExtension: "mandatory extension"
            case .internalError: "internal error"
            case .serviceRestart: "service restart"
            case .tryAgainLater: "try again later"
            case .tlsHandshakeFailure: "TLS handshake failure"
            default: nil
            }
        return name.map { "\(self.rawValue) (\($0))" } ?? "\(self.rawValue)"
    }
}
