import AgentSupport

/// An open WebSocket connection, valid inside `WebSocketClient.withConnection`.
///
/// `send` may be called from any number of tasks at once; each message goes out whole (its frames are never
/// interleaved with another message's) and messages from one task keep their order. `inbound` has a single
/// consumer.
public struct WebSocketConnection: Sendable {
    let loop: WebSocketLoop

    /// Whole inbound messages, in arrival order.
    ///
    /// The sequence finishes normally after a close we initiated, and throws `WebSocketTransportError` for
    /// anything else: the peer's close frame (`closedByPeer`, with its code and reason), a dead peer
    /// (`peerUnresponsive`), an oversize message (`messageTooBig`), a lost socket (`connectionLost`).
    /// When the consumer falls behind by `inboundHighWatermark` messages, the socket stops being read until it
    /// catches up.
    public var inbound: WebSocketInboundSequence { WebSocketInboundSequence(loop: self.loop) }

    /// The URL this connection is open to (without headers).
    public var endpoint: WebSocketEndpoint { self.loop.endpoint }

    /// Runs Swift jobs on this connection's libwebsockets service thread, between two of its turns. A task that
    /// prefers it (`withTaskExecutorPreference(connection.executor)`) receives, works and sends without a thread
    /// hand-off: the cheapest way to serve a connection. Work done there delays the socket's I/O, so it must not
    /// block (await instead); once the connection has ended, its jobs run on the global concurrent executor.
    public var executor: any TaskExecutor { self.loop.executor }

    /// Sends one message and returns when the socket has accepted all of its bytes.
    ///
    /// Acceptance is not delivery: an application-level reply is the only proof the peer processed it.
    /// - Throws: `WebSocketTransportError` with code `closed` (or the reason the connection ended) if the
    ///   connection closes before the message is written; `CancellationError` if the task is cancelled before
    ///   writing started.
    public func send(_ message: WebSocketMessage) async throws {
        try await self.loop.send(message)
    }

    /// Sends a text message. See `send(_:)`.
    /// Proves the connection's lws service thread still turns: `answer` is called from that thread the next time
    /// it drains its commands (a wake-up of `poll()`, nothing on the wire). Returns false when the connection has
    /// ended, so nothing will answer.
    @discardableResult
    public func probe(_ answer: @escaping @Sendable () -> Void) -> Bool {
        self.loop.probe(answer)
    }

    public func send(text: String) async throws {
        try await self.loop.send(.text(text))
    }

    /// Sends a text message whose payload is already UTF-8 bytes (JSON written by a byte writer), without a trip
    /// through `String`. See `send(_:)`.
    /// - Precondition: `utf8Text` is valid UTF-8 (RFC 6455 §5.6; a peer fails the connection with 1007
    ///   otherwise). Checked in debug builds only: the check would cost what skipping the `String` saves.
    public func send(utf8Text: [UInt8]) async throws {
        assert(String(validating: utf8Text, as: UTF8.self) != nil, "BUG: a text message that is not UTF-8")
        try await self.loop.send(bytes: utf8Text, isBinary: false)
    }

    /// Ends `inbound` normally (after the messages already handed over), from any task; sends and the connection
    /// stay up. For a graceful shutdown that answers what it has read, then closes. Costs nothing per message,
    /// unlike racing each `next()` against a shutdown signal.
    public func stopReceiving() {
        self.loop.stopReceiving()
    }

    /// Starts the close handshake with `code` and returns once the connection has ended. Pending sends fail.
    /// - Precondition: `code.isSendable` (1005, 1006 and 1015 may never be sent).
    public func close(code: WebSocketCloseCode = .normalClosure, reason: String = "") async {
        self.loop.requestClose(code: code, reason: reason)
        await self.loop.finished.wait()
    }
}

/// The inbound messages of a `WebSocketConnection`.
public struct WebSocketInboundSequence: AsyncSequence, Sendable {
    public typealias Element = WebSocketMessage

    let loop: WebSocketLoop

    public func makeAsyncIterator() -> Iterator {
        Iterator(loop: self.loop, base: self.loop.inbound.makeAsyncIterator())
    }

    public struct Iterator: AsyncIteratorProtocol {
        let loop: WebSocketLoop
        var base: AsyncThrowingStream<WebSocketMessage, any Error>.AsyncIterator

        public mutating func next() async throws -> WebSocketMessage? {
            guard let message = try await self.base.next() else { return nil }
            self.loop.messageConsumed()
            return message
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> WebSocketMessage? {
            guard let message = try await self.base.next(isolation: actor) else { return nil }
            self.loop.messageConsumed()
            return message
        }
    }
}
