/// A whole WebSocket message, reassembled from its frames.
public enum WebSocketMessage: Sendable, Hashable {
    /// A text message; its bytes were valid UTF-8 (RFC 6455 §5.6).
    case text(String)
    /// A binary message.
    case binary([UInt8])

    /// The payload size in bytes.
    public var byteCount: Int {
        switch self {
        case .text(let string): string.utf8.count
        case .binary(let bytes): bytes.count
        }
    }
}
