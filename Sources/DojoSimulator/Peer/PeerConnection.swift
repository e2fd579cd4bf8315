import HummingbirdWebSocket
import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket

/// A WebSocket handshake as the peer received it.
public struct PeerHandshake: Sendable {
    /// The request target (path and query).
    public var path: String
    /// Every request header, in arrival order, exactly as sent.
    public var headers: [(name: String, value: String)]

    /// The first value of the header `name` (case-insensitive), if present.
    public func header(_ name: String) -> String? {
        self.headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A whole message as the peer received it.
public enum PeerMessage: Sendable, Hashable {
    case text(String)
    case binary([UInt8])
}

/// A close frame as the peer received it.
public struct PeerCloseFrame: Sendable, Hashable {
    /// The status code, or nil for a close frame without one.
    public var code: UInt16?
    public var reason: String

    public init(code: UInt16?, reason: String) {
        self.code = code
        self.reason = reason
    }
}

/// A refused handshake: the HTTP status and body the peer answers with.
public struct PeerRejection: Sendable, Hashable {
    /// The HTTP status (401, 403, 503…).
    public var status: Int
    /// The response body.
    public var body: String

    public init(status: Int, body: String = "") {
        self.status = status
        self.body = body
    }
}

/// Errors of the test peer.
public struct PeerError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// One accepted WebSocket connection on the peer: what it received, and the controls a test needs (send,
/// fragment, close with a code, drop without a close frame, stop answering).
public final class PeerConnection: Sendable {
    /// The handshake that opened this connection.
    public let handshake: PeerHandshake
    let channel: any Channel
    let outbound: WebSocketOutboundWriter
    let inbox = AsyncQueue<PeerMessage>()
    let sniffer: FrameSniffer

    let readGate: ReadGate

    init(handshake: PeerHandshake, channel: any Channel, outbound: WebSocketOutboundWriter, readGate: ReadGate) {
        self.handshake = handshake
        self.channel = channel
        self.outbound = outbound
        self.sniffer = FrameSniffer()
        self.readGate = readGate
    }

    /// Puts the frame sniffer right after the WebSocket frame decoder, where it sees every frame.
    func installSniffer() async throws {
        let channel = self.channel
        let sniffer = self.sniffer
        try await channel.eventLoop.submit {
            let decoder = try channel.pipeline.syncOperations.handler(
                type: ByteToMessageHandler<WebSocketFrameDecoder>.self
            )
            try channel.pipeline.syncOperations.addHandler(sniffer, position: .after(decoder))
        }.get()
    }

    // MARK: - What the client sent

    /// The next whole message from the client; nil once the connection has ended.
    public func receive() async -> PeerMessage? {
        await self.inbox.next()
    }

    /// The next message, which must be text.
    public func receiveText() async throws -> String {
        switch await self.receive() {
        case .text(let text): return text
        case .binary: throw PeerError("expected a text message, got a binary one")
        case nil: throw PeerError("the connection ended before a message arrived")
        }
    }

    /// Waits for the next ping from the client; false if the connection ended first.
    public func nextPing() async -> Bool {
        await self.sniffer.pings.next() != nil
    }

    /// Waits until the client's close frame arrives or the connection ends; returns the frame, or nil if the
    /// connection ended without one.
    public func closeFrame() async -> PeerCloseFrame? {
        await self.sniffer.ended.wait()
        return self.sniffer.closeFrame
    }

    // MARK: - Controls

    /// Sends a text message in one frame.
    public func send(text: String) async throws {
        try await self.outbound.write(.text(text))
    }

    /// Sends a binary message in one frame.
    public func send(binary: [UInt8]) async throws {
        try await self.outbound.write(.binary(ByteBuffer(bytes: binary)))
    }

    /// Sends a text message split into frames of at most `fragmentSize` bytes (a text frame, then continuation
    /// frames, FIN on the last). The split may fall inside a UTF-8 sequence, as RFC 6455 allows.
    public func sendFragmented(text: String, fragmentSize: Int) async throws {
        precondition(fragmentSize > 0)
        let bytes = Array(text.utf8)
        var offset = 0
        repeat {
            let end = min(offset + fragmentSize, bytes.count)
            let frame = WebSocketFrame(
                fin: end == bytes.count,
                opcode: offset == 0 ? .text : .continuation,
                data: ByteBuffer(bytes: bytes[offset..<end])
            )
            try await self.outbound.write(.custom(frame))
            offset = end
        } while offset < bytes.count
    }

    /// Starts the close handshake with `code` and `reason`.
    public func close(code: UInt16, reason: String = "") async throws {
        try await self.outbound.close(WebSocketErrorCode(codeNumber: Int(code)), reason: reason)
    }

    /// Closes the TCP connection without a close frame (a crash, a reset, a proxy cutting the line).
    public func drop() async {
        try? await self.channel.close()
    }

    /// Becomes a black hole: the socket is no longer read (so the client's writes back up in TCP buffers), frames
    /// already read are discarded, and nothing is answered, pings included, while the TCP connection stays open.
    /// This is what a stopped process (SIGSTOP) or a dead path looks like.
    public func stopAnswering() {
        self.readGate.close()
        self.sniffer.freeze()
    }

    /// From now on, swallows the client's pings (they are still counted by `nextPing`) so no pong goes back,
    /// while every other frame is served as usual: a path that drops pongs, or a server too busy to answer them.
    public func ignorePings() {
        self.sniffer.ignorePings()
    }

    /// From now on, when the client's close frame arrives, record it but do not answer it (no close echo), as
    /// a peer that dies mid-handshake would. Lets a test check that the client waits for the echo.
    public func withholdCloseEcho() {
        self.sniffer.withholdCloseEcho()
    }
}

/// Sees every decoded frame of a connection: records pings and the close frame, and swallows everything while
/// frozen.
final class FrameSniffer: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    // @unchecked Sendable: channel callbacks run on the connection's event loop; the state shared with test
    // tasks is behind `state`'s lock, and `pings`/`ended` are thread-safe.
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame

    private struct State {
        var frozen = false
        var withholdCloseEcho = false
        var ignorePings = false
        var closeFrame: PeerCloseFrame?
    }

    private let state = NIOLockedValueBox(State())
    let pings = AsyncQueue<Void>()
    let ended = PeerSignal()

    var closeFrame: PeerCloseFrame? { self.state.withLockedValue { $0.closeFrame } }

    func freeze() {
        self.state.withLockedValue { $0.frozen = true }
    }

    func withholdCloseEcho() {
        self.state.withLockedValue { $0.withholdCloseEcho = true }
    }

    func ignorePings() {
        self.state.withLockedValue { $0.ignorePings = true }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        if self.state.withLockedValue({ $0.frozen }) { return }
        switch frame.opcode {
        case .ping:
            self.pings.push(())
            // Not passed on, so the WebSocket handler never sees it and never answers with a pong.
            if self.state.withLockedValue({ $0.ignorePings }) { return }
        case .connectionClose:
            var payload = frame.unmaskedData
            let code = payload.readInteger(as: UInt16.self)
            let reason = payload.readString(length: payload.readableBytes) ?? ""
            let withhold = self.state.withLockedValue { state in
                state.closeFrame = PeerCloseFrame(code: code, reason: reason)
                return state.withholdCloseEcho
            }
            self.ended.signal()
            if withhold { return }
        default:
            break
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.pings.finish()
        self.ended.signal()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.pings.finish()
        self.ended.signal()
    }
}

/// A one-shot signal many tasks can await.
final class PeerSignal: Sendable {
    private let state = NIOLockedValueBox<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func signal() {
        let waiters = self.state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            guard !state.done else { return [] }
            state.done = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = self.state.withLockedValue { state -> Bool in
                if state.done { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}

/// The first handler of a peer connection: while closed, it swallows the channel's `read` requests, so the socket
/// is not read at all and TCP back-pressure reaches the client.
final class ReadGate: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
    // @unchecked Sendable: handler callbacks run on the event loop; `isOpen` is lock-protected.
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny

    private let isOpen = NIOLockedValueBox(true)

    func close() {
        self.isOpen.withLockedValue { $0 = false }
    }

    func read(context: ChannelHandlerContext) {
        if self.isOpen.withLockedValue({ $0 }) { context.read() }
    }
}
