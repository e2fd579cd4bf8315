import NIOCore
import NIOSSL

/// Writes a complete HTTP/1.1 response straight onto a connection and closes it, below Hummingbird's HTTP codec
/// (but above TLS). Used to refuse a WebSocket upgrade with a chosen status, which Hummingbird cannot do (it
/// answers every refused upgrade with 400).
final class RawHTTPResponder: ChannelOutboundHandler, RemovableChannelHandler, Sendable {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Must run on the channel's event loop.
    static func respond(on channel: any Channel, status: Int, body: String) {
        let responder = RawHTTPResponder()
        let pipeline = channel.pipeline.syncOperations
        do {
            if let tls = try? pipeline.handler(type: NIOSSLServerHandler.self) {
                try pipeline.addHandler(responder, position: .after(tls))
            } else {
                try pipeline.addHandler(responder, position: .first)
            }
            let context = try pipeline.context(handler: responder)
            let reason = Self.reasonPhrase(status)
            let bodyBytes = Array(body.utf8)
            var head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: text/plain\r\n"
            head += "Content-Length: \(bodyBytes.count)\r\nConnection: close\r\n\r\n"
            var buffer = channel.allocator.buffer(capacity: head.utf8.count + bodyBytes.count)
            buffer.writeString(head)
            buffer.writeBytes(bodyBytes)
            context.writeAndFlush(NIOAny(buffer)).whenComplete { _ in channel.close(promise: nil) }
        } catch {
            channel.close(promise: nil)
        }
    }

    private static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status \(status)"
        }
    }
}
