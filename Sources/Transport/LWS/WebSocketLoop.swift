import CLibWebSockets
import Foundation
import Logging

/// One WebSocket connection driven by its own libwebsockets context and service thread.
///
/// Threading invariants (libwebsockets README.coding, "Libwebsockets is singlethreaded"):
/// 1. The service thread is the only caller of lws, with one exception: `lws_cancel_service`, which any thread may
///    call to wake the loop. It is only ever called with `shared` locked and `shared.context` non-nil, and the
///    service thread clears `shared.context` under that lock before `lws_context_destroy`: no wake after destroy.
/// 2. Other threads talk to the loop by appending a `Command` to `shared.commands` and waking it (only on the
///    empty → non-empty transition). The loop drains commands in `EVENT_WAIT_CANCELLED`.
/// 3. Writes happen only in `CLIENT_WRITEABLE`, one `lws_write` per callback, with `LWS_PRE` bytes of headroom.
/// 4. The loop never blocks and never awaits; it hands results to Swift by resuming continuations and yielding to
///    the inbound stream.
///
/// libwebsockets 4.1.6 traps handled here (each hangs or silently breaks a client when missed):
/// 1. A connection that dies before the HTTP 101 reports only `CLOSED_CLIENT_HTTP` (the wsi is still in the h1
///    role): all three end reasons go through `connectionEnded`, guarded by `phase` so each end is reported once.
/// 2. Timer-driven callbacks run before `poll()`: when one of them asks the loop to exit, nothing would wake
///    `poll()`, so `requestExit` always calls `lws_cancel_service` (a self-wake).
/// 3. Return -1 from `WRITEABLE` exactly once to send the close frame: lws keeps calling WRITEABLE while it
///    waits for the close ack, and a second -1 drops the socket without waiting (`closeSent`).
/// 4. No keepalive unless asked: the lws validity policy is disabled (all zero) and `LivenessMonitor` pings on
///    our own timer; without it a black-holed peer is never noticed.
/// 5. `timeout_secs` governs the wait for the HTTP 101 and `connect_timeout_secs` only the TCP connect; both are
///    context-wide and set from the configuration.
final class WebSocketLoop: @unchecked Sendable {
    // @unchecked Sendable: immutable fields are set in init; `shared` is lock-protected; every other var is
    // confined to the service thread (checked by `assertOnServiceThread` in debug builds), except the
    // connect continuation, which is written once before the thread starts.

    enum Command {
        case send(PendingSend)
        case cancelSend(UInt64)
        case close(WebSocketCloseCode, String)
        case resumeReceiving
        /// A liveness probe (the agent's watchdog): answered from the service thread when it next drains commands.
        case probe(@Sendable () -> Void)
    }

    /// A message waiting to be written, and the task waiting for it to be accepted by the socket.
    final class PendingSend {
        let id: UInt64
        let bytes: [UInt8]
        let isBinary: Bool
        var offset = 0
        private var continuation: CheckedContinuation<Void, any Error>?

        init(id: UInt64, bytes: [UInt8], isBinary: Bool, continuation: CheckedContinuation<Void, any Error>) {
            self.id = id
            self.bytes = bytes
            self.isBinary = isBinary
            self.continuation = continuation
        }

        func succeed() {
            self.continuation?.resume()
            self.continuation = nil
        }

        func fail(_ error: any Error) {
            self.continuation?.resume(throwing: error)
            self.continuation = nil
        }
    }

    private enum Phase {
        case connecting
        case open
        case closing
        case closed
    }

    private struct Shared {
        var context: OpaquePointer?
        var accepting = true
        var commands: [Command] = []
        var buffered = 0
        var receivingPaused = false
        var resumeQueued = false
    }

    // MARK: - Immutable

    let endpoint: WebSocketEndpoint
    let configuration: WebSocketConfiguration
    let logger: Logger
    let inbound: AsyncThrowingStream<WebSocketMessage, any Error>
    private let inboundContinuation: AsyncThrowingStream<WebSocketMessage, any Error>.Continuation
    /// Completed when the service thread has destroyed its context and is about to return.
    let finished = Completion()
    private let shared = PThreadLock(Shared())
    private let nextSendID = PThreadLock<UInt64>(0)

    // C memory that lws keeps pointers to: it must outlive the context (freed in `run` after destroy).
    private let protocols: UnsafeMutablePointer<lws_protocols>
    private let retryPolicy: UnsafeMutablePointer<lws_retry_bo_t>
    private let cStrings: [UnsafeMutablePointer<CChar>]
    private let addressC: UnsafeMutablePointer<CChar>
    private let pathC: UnsafeMutablePointer<CChar>
    private let hostC: UnsafeMutablePointer<CChar>
    private let caFileC: UnsafeMutablePointer<CChar>?
    private let headers: LWSHeaders
    private let txBuffer: UnsafeMutablePointer<UInt8>
    private let pre: Int

    // MARK: - Service-thread confined

    private var serviceThread: pthread_t?
    private var connectContinuation: CheckedContinuation<Void, any Error>?
    private var phase = Phase.connecting
    private var wsi: OpaquePointer?
    private var exitRequested = false
    private var connectStartedAt: Int64 = 0
    private var assembler: MessageAssembler
    private var liveness: LivenessMonitor
    private var pingDue = false
    private var sendQueue: [PendingSend] = []
    private var sendHead = 0
    private var closeToSend: (code: WebSocketCloseCode, reason: String)?
    private var closeSent = false
    private var abandonAfterCloseSent = false
    private var closeRequestedLocally = false
    private var peerClose: (code: WebSocketCloseCode, reason: String)?
    private var endError: WebSocketTransportError?
    private var inboundFinished = false

    init(
        endpoint: WebSocketEndpoint,
        configuration: WebSocketConfiguration,
        logger: Logger
    ) throws(WebSocketTransportError) {
        if endpoint.isSecure, let problem = configuration.tls.caFileProblem() {
            throw WebSocketTransportError(.invalidConfiguration, problem)
        }
        guard configuration.maxMessageSize > 0, configuration.frameSize > 0,
            configuration.inboundLowWatermark < configuration.inboundHighWatermark,
            configuration.inboundLowWatermark >= 0
        else {
            throw WebSocketTransportError(
                .invalidConfiguration,
                "maxMessageSize and frameSize must be positive and inboundLowWatermark below inboundHighWatermark"
            )
        }
        self.endpoint = endpoint
        self.configuration = configuration
        self.logger = logger
        (self.inbound, self.inboundContinuation) = AsyncThrowingStream.makeStream(
            of: WebSocketMessage.self,
            throwing: (any Error).self
        )
        self.assembler = MessageAssembler(maxMessageSize: configuration.maxMessageSize)
        self.liveness = LivenessMonitor(
            pingInterval: configuration.pingInterval.microseconds,
            pongTimeout: configuration.pongTimeout.microseconds
        )
        self.pre = Int(clws_pre())
        self.txBuffer = .allocate(capacity: self.pre + configuration.frameSize)

        let protocolName = strdup("dojo-ws")!
        self.protocols = .allocate(capacity: 2)
        self.protocols.initialize(repeating: lws_protocols(), count: 2)
        self.protocols[0].name = UnsafePointer(protocolName)
        self.protocols[0].callback = webSocketCallback
        self.protocols[0].rx_buffer_size = 64 << 10
        // All zero: disables lws' own validity pings and hang-up (trap 4); LivenessMonitor does it instead.
        self.retryPolicy = .allocate(capacity: 1)
        self.retryPolicy.initialize(to: lws_retry_bo_t())
        self.addressC = strdup(endpoint.host)!
        self.pathC = strdup(endpoint.path)!
        self.hostC = strdup(endpoint.hostHeader)!
        self.caFileC = configuration.tls.caFile.map { strdup($0)! }
        self.cStrings = [protocolName, self.addressC, self.pathC, self.hostC] + (self.caFileC.map { [$0] } ?? [])
        self.headers = LWSHeaders(endpoint.headers)
    }

    deinit {
        for string in self.cStrings { free(string) }
        self.protocols.deinitialize(count: 2)
        self.protocols.deallocate()
        self.retryPolicy.deinitialize(count: 1)
        self.retryPolicy.deallocate()
        self.txBuffer.deallocate()
    }

    // MARK: - Called from Swift tasks

    /// Starts the service thread and waits until the WebSocket is open.
    /// - Throws: `WebSocketTransportError` describing why the connection could not be opened.
    func connect() async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Written before the thread starts; from then on only the service thread touches it.
                self.connectContinuation = continuation
                let thread = Thread { [self] in self.run() }
                thread.name = "lws-ws"
                thread.start()
            }
        } onCancel: {
            self.enqueue(.close(.goingAway, ""))
        }
    }

    /// Queues `message` and returns when the socket has accepted all of its bytes.
    func send(_ message: WebSocketMessage) async throws {
        let id = self.nextSendID.withLock { id in
            id += 1
            return id
        }
        let (bytes, isBinary): ([UInt8], Bool) =
            switch message {
            case .text(let text): (Array(text.utf8), false)
            case .binary(let data): (data, true)
            }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let pending = PendingSend(id: id, bytes: bytes, isBinary: isBinary, continuation: continuation)
                if !self.enqueue(.send(pending)) {
                    pending.fail(Self.closedError("the message was not sent"))
                }
            }
        } onCancel: {
            self.enqueue(.cancelSend(id))
        }
    }

    /// Asks for a close handshake with `code`; returns at once (await `finished` for the end).
    func requestClose(code: WebSocketCloseCode, reason: String) {
        precondition(code.isSendable, "BUG: close code \(code) may not be sent on the wire (RFC 6455 §7.4.1)")
        self.enqueue(.close(code, reason))
    }

    /// Has the service thread call `answer` on its next turn. Returns false when the loop has ended (nothing will
    /// answer).
    func probe(_ answer: @escaping @Sendable () -> Void) -> Bool {
        self.enqueue(.probe(answer))
    }

    /// Ends the inbound sequence normally, from any thread: the consumer reads nothing more, while sends and the
    /// connection stay up.
    func stopReceiving() {
        self.inboundContinuation.finish()
    }

    /// Called by the inbound iterator each time the consumer takes a message.
    func messageConsumed() {
        self.shared.withLock { shared in
            shared.buffered -= 1
            guard shared.receivingPaused, !shared.resumeQueued,
                shared.buffered <= self.configuration.inboundLowWatermark, let context = shared.context
            else { return }
            shared.resumeQueued = true
            let wasEmpty = shared.commands.isEmpty
            shared.commands.append(.resumeReceiving)
            if wasEmpty { lws_cancel_service(context) }
        }
    }

    /// Appends a command and wakes the loop. Returns false when the loop no longer accepts commands.
    @discardableResult
    private func enqueue(_ command: Command) -> Bool {
        self.shared.withLock { shared in
            guard shared.accepting, let context = shared.context else { return false }
            let wasEmpty = shared.commands.isEmpty
            shared.commands.append(command)
            if wasEmpty { lws_cancel_service(context) }
            return true
        }
    }

    static func closedError(_ what: String) -> WebSocketTransportError {
        WebSocketTransportError(.closed, "connection closed before it could complete: \(what)")
    }

    // MARK: - Service thread

    private func assertOnServiceThread() {
        assert(self.serviceThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false, "BUG: off the lws thread")
    }

    private func run() {
        _ = LWSLog.install
        self.serviceThread = pthread_self()
        LWSLog.beginCapture()
        defer { LWSLog.endCapture() }

        var info = lws_context_creation_info()
        info.port = CONTEXT_PORT_NO_LISTEN
        info.protocols = UnsafePointer(self.protocols)
        info.user = Unmanaged.passUnretained(self).toOpaque()  // safe: this thread holds `self` until return
        info.options = clws_option_validate_utf8()
        info.timeout_secs = self.configuration.handshakeTimeout.wholeSecondsAtLeastOne
        info.connect_timeout_secs = self.configuration.connectTimeout.wholeSecondsAtLeastOne
        info.fd_limit_per_thread = 16
        info.pt_serv_buf_size = 16 << 10

        let lws: LWSContext
        do {
            lws = try LWSContext(
                &info,
                tls: self.endpoint.isSecure ? .init(caFile: self.caFileC.map { UnsafePointer($0) }) : nil
            )
        } catch {
            self.failConnect(
                WebSocketTransportError(.connectFailed, "\(error.message)\(self.capturedDetail())")
            )
            self.finishEverything()
            return
        }
        let context = lws.context
        self.shared.withLock { $0.context = context }

        var connectInfo = lws_client_connect_info()
        connectInfo.context = context
        connectInfo.vhost = lws.vhost
        connectInfo.address = UnsafePointer(self.addressC)
        connectInfo.port = Int32(self.endpoint.port)
        connectInfo.path = UnsafePointer(self.pathC)
        connectInfo.host = UnsafePointer(self.hostC)
        connectInfo.ssl_connection = self.endpoint.isSecure ? Int32(LCCSCF_USE_SSL.rawValue) : 0
        connectInfo.retry_and_idle_policy = UnsafePointer(self.retryPolicy)
        self.connectStartedAt = monotonicMicroseconds()
        if lws_client_connect_via_info(&connectInfo) == nil, self.phase == .connecting {
            self.connectionEnded(.connectionError("could not start the connection"), wsi: nil)
        }

        while !self.exitRequested {
            if lws_service(context, 0) < 0 { break }
        }

        let leftover: [Command] = self.shared.withLock { shared in
            shared.context = nil
            shared.accepting = false
            defer { shared.commands.removeAll() }
            return shared.commands
        }
        for case .send(let pending) in leftover { pending.fail(Self.closedError("the message was not sent")) }
        // The thread is ending normally, so it is alive: a probe left unanswered would read as a wedge for good.
        for case .probe(let answer) in leftover { answer() }
        lws.destroy()
        self.finishEverything()
    }

    /// After the context is gone: nobody may be left waiting.
    private func finishEverything() {
        self.shared.withLock { $0.accepting = false }
        if self.phase == .connecting {
            self.failConnect(Self.closedError("the connection attempt was abandoned"))
        }
        self.phase = .closed
        self.failQueuedSends(Self.closedError("the message was not sent"))
        self.finishInbound(self.terminalError(lost: "the connection ended"))
        self.finished.complete()
    }

    private func requestExit() {
        self.exitRequested = true
        // Trap 2: a timer-driven callback runs before poll(); without this self-wake the loop would sit in poll().
        self.shared.withLock { shared in
            if let context = shared.context { lws_cancel_service(context) }
        }
    }

    fileprivate func handle(
        _ wsi: OpaquePointer,
        _ reason: lws_callback_reasons,
        _ data: UnsafeMutableRawPointer?,
        _ length: Int
    ) -> Int32 {
        self.assertOnServiceThread()
        switch reason {
        case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
            return self.appendHandshakeHeaders(wsi, data, length)
        case LWS_CALLBACK_CLIENT_ESTABLISHED:
            self.established(wsi)
        case LWS_CALLBACK_CLIENT_RECEIVE:
            self.received(wsi, data, length)
        case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
            self.trafficReceived(wsi)
        case LWS_CALLBACK_CLIENT_WRITEABLE:
            return self.writeable(wsi)
        case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
            self.peerInitiatedClose(data, length)
        case LWS_CALLBACK_TIMER:
            self.timerFired(wsi)
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            self.drainCommands()
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            let text = data.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? "unknown error"
            self.connectionEnded(.connectionError(text), wsi: wsi)
        case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
            // Trap 1: the only report of a connection that died before the HTTP 101.
            self.connectionEnded(.closedBeforeUpgrade, wsi: wsi)
        case LWS_CALLBACK_CLIENT_CLOSED:
            self.connectionEnded(.closed, wsi: wsi)
        default:
            break
        }
        return 0
    }

    private func appendHandshakeHeaders(_ wsi: OpaquePointer, _ data: UnsafeMutableRawPointer?, _ room: Int) -> Int32 {
        guard let data else { return 0 }
        switch self.headers.append(to: wsi, data: data, room: room) {
        case .written:
            return 0
        case .noBuffer:
            return -1
        case .tooLarge(let name):
            self.endError = WebSocketTransportError(
                .invalidConfiguration,
                "the handshake headers do not fit in the request buffer (header '\(name)')"
            )
            return -1
        }
    }

    private func established(_ wsi: OpaquePointer) {
        guard self.phase == .connecting else { return }
        self.wsi = wsi
        self.phase = .open
        lws_set_timer_usecs(wsi, self.liveness.opened(at: monotonicMicroseconds()))
        let continuation = self.connectContinuation
        self.connectContinuation = nil
        continuation?.resume()
        self.logger.debug("websocket open", metadata: ["ws.url": "\(self.endpoint)"])
    }

    private func trafficReceived(_ wsi: OpaquePointer) {
        guard self.phase == .open, let delay = self.liveness.trafficReceived(at: monotonicMicroseconds()) else {
            return
        }
        lws_set_timer_usecs(wsi, max(delay, 1000))
    }

    private func received(_ wsi: OpaquePointer, _ data: UnsafeMutableRawPointer?, _ length: Int) {
        self.trafficReceived(wsi)
        guard self.phase == .open else { return }
        let isFinal = lws_is_final_fragment(wsi) != 0
        let isBinary = lws_frame_is_binary(wsi) != 0
        let outcome = self.assembler.append(
            UnsafeRawBufferPointer(start: data, count: length),
            isBinary: isBinary,
            isFinal: isFinal
        )
        switch outcome {
        case .incomplete:
            break
        case .message(let message):
            let pause = self.shared.withLock { shared in
                shared.buffered += 1
                guard shared.buffered >= self.configuration.inboundHighWatermark, !shared.receivingPaused else {
                    return false
                }
                shared.receivingPaused = true
                return true
            }
            self.inboundContinuation.yield(message)
            if pause {
                lws_rx_flow_control(wsi, 0)
                self.logger.debug("websocket receive paused: consumer is behind")
            }
        case .tooBig(let limit):
            let error = WebSocketTransportError(
                .messageTooBig,
                "the peer sent a message larger than the limit of \(limit) bytes; closed with 1009",
                closeCode: .messageTooBig
            )
            self.beginClose(code: .messageTooBig, reason: "message exceeds \(limit) bytes", error: error)
        case .invalidUTF8:
            let error = WebSocketTransportError(
                .connectionLost,
                "the peer sent a text message that is not valid UTF-8; closed with 1007",
                closeCode: .invalidPayload
            )
            self.beginClose(code: .invalidPayload, reason: "invalid UTF-8", error: error)
        }
    }

    private func peerInitiatedClose(_ data: UnsafeMutableRawPointer?, _ length: Int) {
        guard let data, length >= 2 else {
            self.peerClose = (.noStatusReceived, "")
            return
        }
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        let code = WebSocketCloseCode(rawValue: UInt16(bytes[0]) << 8 | UInt16(bytes[1]))
        self.peerClose = (code, String(decoding: bytes.dropFirst(2), as: UTF8.self))
    }

    private func timerFired(_ wsi: OpaquePointer) {
        switch self.phase {
        case .open:
            switch self.liveness.timerFired(at: monotonicMicroseconds()) {
            case .wait(let micros):
                lws_set_timer_usecs(wsi, max(micros, 1000))
            case .sendPing(let recheckAfter):
                self.pingDue = true
                lws_callback_on_writable(wsi)
                lws_set_timer_usecs(wsi, recheckAfter)
            case .peerDead:
                let timeout = self.configuration.pongTimeout
                let error = WebSocketTransportError(
                    .peerUnresponsive,
                    "no pong or other traffic within \(timeout) of a ping; closed with 1001",
                    closeCode: .goingAway
                )
                // The peer will not ack the close: send it and drop the socket without waiting.
                self.abandonAfterCloseSent = true
                self.beginClose(code: .goingAway, reason: "ping timeout", error: error)
                lws_set_timer_usecs(wsi, min(self.configuration.closeTimeout.microseconds, 1_000_000))
            }
        case .closing:
            // The close handshake did not finish in time (or the close frame could not even be written).
            self.logger.debug("websocket close handshake timed out; dropping the socket")
            self.requestExit()
        case .connecting, .closed:
            break
        }
    }

    private func writeable(_ wsi: OpaquePointer) -> Int32 {
        if let close = self.closeToSend {
            // Trap 3: -1 exactly once; later WRITEABLEs (while lws awaits the close ack) are ignored.
            if self.closeSent { return 0 }
            self.closeSent = true
            var reason = Array(close.reason.utf8.prefix(123))
            lws_close_reason(wsi, lws_close_status(rawValue: UInt32(close.code.rawValue)), &reason, reason.count)
            if self.abandonAfterCloseSent { self.requestExit() }
            return -1
        }
        guard self.phase == .open else { return 0 }
        if self.pingDue {
            self.pingDue = false
            if lws_write(wsi, self.txBuffer + self.pre, 0, LWS_WRITE_PING) < 0 { return -1 }
            if self.sendHead < self.sendQueue.count { lws_callback_on_writable(wsi) }
            return 0
        }
        guard self.sendHead < self.sendQueue.count else { return 0 }
        let head = self.sendQueue[self.sendHead]
        let chunk = min(head.bytes.count - head.offset, self.configuration.frameSize)
        let isFirst = head.offset == 0
        let isLast = head.offset + chunk == head.bytes.count
        var flags =
            isFirst
            ? (head.isBinary ? LWS_WRITE_BINARY.rawValue : LWS_WRITE_TEXT.rawValue) : LWS_WRITE_CONTINUATION.rawValue
        if !isLast { flags |= LWS_WRITE_NO_FIN.rawValue }
        head.bytes.withUnsafeBufferPointer { bytes in
            if chunk > 0 {
                (self.txBuffer + self.pre).update(from: bytes.baseAddress! + head.offset, count: chunk)
            }
        }
        if lws_write(wsi, self.txBuffer + self.pre, chunk, lws_write_protocol(rawValue: flags)) < 0 {
            return -1
        }
        head.offset += chunk
        if isLast {
            self.popSend()
            head.succeed()
        }
        if self.sendHead < self.sendQueue.count || self.pingDue { lws_callback_on_writable(wsi) }
        return 0
    }

    private func popSend() {
        self.sendHead += 1
        if self.sendHead == self.sendQueue.count {
            self.sendQueue.removeAll(keepingCapacity: true)
            self.sendHead = 0
        } else if self.sendHead >= 1024, self.sendHead * 2 >= self.sendQueue.count {
            self.sendQueue.removeFirst(self.sendHead)
            self.sendHead = 0
        }
    }

    private func drainCommands() {
        let commands: [Command] = self.shared.withLock { shared in
            defer { shared.commands.removeAll(keepingCapacity: true) }
            return shared.commands
        }
        var wantWritable = false
        for command in commands {
            switch command {
            case .send(let pending):
                if self.phase == .open, self.closeToSend == nil {
                    self.sendQueue.append(pending)
                    wantWritable = true
                } else {
                    pending.fail(self.endError ?? Self.closedError("the message was not sent"))
                }
            case .cancelSend(let id):
                if let index = self.sendQueue[self.sendHead...].firstIndex(where: { $0.id == id && $0.offset == 0 }) {
                    let pending = self.sendQueue.remove(at: index)
                    pending.fail(CancellationError())
                }
            case .close(let code, let reason):
                self.closeRequestedLocally = true
                self.beginClose(code: code, reason: reason, error: nil)
            case .probe(let answer):
                answer()
            case .resumeReceiving:
                self.shared.withLock { shared in
                    shared.receivingPaused = false
                    shared.resumeQueued = false
                }
                if let wsi = self.wsi, self.phase == .open {
                    lws_rx_flow_control(wsi, 1)
                    self.logger.debug("websocket receive resumed")
                }
            }
        }
        if wantWritable, let wsi = self.wsi { lws_callback_on_writable(wsi) }
    }

    /// Starts the close handshake. `error` (if any) ends the inbound sequence at once, so the consumer learns
    /// of a dead peer or an oversize message without waiting for the handshake.
    private func beginClose(code: WebSocketCloseCode, reason: String, error: WebSocketTransportError?) {
        switch self.phase {
        case .connecting:
            self.failConnect(CancellationError())
            self.phase = .closed
            self.requestExit()
        case .open:
            self.phase = .closing
            self.shared.withLock { $0.accepting = false }
            if let error {
                self.endError = error
                self.finishInbound(error)
            }
            self.failQueuedSends(error ?? Self.closedError("the message was not sent"))
            self.closeToSend = (code, reason)
            if let wsi = self.wsi {
                lws_callback_on_writable(wsi)
                lws_set_timer_usecs(wsi, self.configuration.closeTimeout.microseconds)
            }
        case .closing, .closed:
            break
        }
    }

    private enum EndReason {
        case connectionError(String)
        case closedBeforeUpgrade
        case closed
    }

    /// The single place a connection's end is recorded (trap 1: three callbacks can report it).
    private func connectionEnded(_ reason: EndReason, wsi: OpaquePointer?) {
        let previous = self.phase
        guard previous != .closed else { return }
        self.phase = .closed
        self.wsi = nil
        self.shared.withLock { $0.accepting = false }
        if previous == .connecting {
            self.failConnect(self.classifyConnectFailure(reason, wsi: wsi))
        } else {
            let lost: String
            switch reason {
            case .connectionError(let text): lost = text
            case .closedBeforeUpgrade, .closed: lost = "the socket closed without a close frame"
            }
            let error = self.terminalError(lost: "\(lost)\(self.capturedDetail())")
            self.endError = self.endError ?? error
            self.finishInbound(error)
            self.failQueuedSends(error ?? Self.closedError("the message was not sent"))
            self.logger.debug(
                "websocket closed",
                metadata: [
                    "ws.url": "\(self.endpoint)",
                    "ws.reason": error.map { .quoted(describing: $0) } ?? "local close",
                ]
            )
        }
        self.requestExit()
    }

    /// Why the connection ended, for the inbound sequence: nil for a close we asked for.
    private func terminalError(lost: String?) -> WebSocketTransportError? {
        if let endError = self.endError { return endError }
        if self.closeRequestedLocally { return nil }
        if let peerClose = self.peerClose { return Self.closedByPeerError(peerClose) }
        return lost.map { WebSocketTransportError(.connectionLost, $0) }
    }

    private static func closedByPeerError(
        _ close: (code: WebSocketCloseCode, reason: String)
    )
        -> WebSocketTransportError
    {
        let reason = close.reason.isEmpty ? "" : ": \(close.reason)"
        return WebSocketTransportError(
            .closedByPeer,
            "the peer closed the connection with code \(close.code)\(reason)",
            closeCode: close.code,
            closeReason: close.reason
        )
    }

    private func classifyConnectFailure(_ reason: EndReason, wsi: OpaquePointer?) -> WebSocketTransportError {
        if let endError = self.endError { return endError }
        let status = wsi.map { Int(lws_http_client_http_response($0)) } ?? 0
        if status > 0, status != 101 {
            var message = "the server answered the WebSocket upgrade with HTTP \(status)"
            if status == 401 || status == 403 {
                message += ": the credentials (API key, software-house-id) were refused"
            }
            return WebSocketTransportError(.handshakeRejected, message, httpStatus: status)
        }
        let lines = LWSLog.captured()
        if self.endpoint.isSecure, let tls = TLSProblem(in: lines) {
            return WebSocketTransportError(
                .tlsFailure,
                tls.message(host: self.endpoint.host, tls: self.configuration.tls)
            )
        }
        let elapsed = monotonicMicroseconds() - self.connectStartedAt
        switch reason {
        case .closedBeforeUpgrade:
            if elapsed + 250_000 >= self.configuration.handshakeTimeout.microseconds {
                return WebSocketTransportError(
                    .handshakeTimeout,
                    "no HTTP 101 from \(self.endpoint) within \(self.configuration.handshakeTimeout)"
                )
            }
            return WebSocketTransportError(
                .connectFailed,
                "the server closed the connection before completing the WebSocket handshake\(self.capturedDetail())"
            )
        case .connectionError(let text):
            if text == "read failed" {
                return WebSocketTransportError(
                    .connectFailed,
                    "the server closed the connection before completing the WebSocket handshake (\(text))"
                )
            }
            if text.contains("timed out") || text.contains("timeout") {
                return WebSocketTransportError(.connectFailed, "connecting to \(self.endpoint) timed out (\(text))")
            }
            return WebSocketTransportError(
                .connectFailed,
                "could not connect to \(self.endpoint): \(text)\(self.capturedDetail(excluding: text))"
            )
        case .closed:
            return WebSocketTransportError(.connectFailed, "the connection closed during the handshake")
        }
    }

    private func capturedDetail(excluding: String? = nil) -> String {
        let lines = LWSLog.captured().filter { $0 != excluding }
        guard let last = lines.last else { return "" }
        return " (libwebsockets: \(last))"
    }

    private func failConnect(_ error: any Error) {
        let continuation = self.connectContinuation
        self.connectContinuation = nil
        continuation?.resume(throwing: error)
    }

    private func failQueuedSends(_ error: any Error) {
        let pending = self.sendQueue[self.sendHead...]
        self.sendQueue.removeAll()
        self.sendHead = 0
        for send in pending { send.fail(error) }
    }

    private func finishInbound(_ error: WebSocketTransportError?) {
        guard !self.inboundFinished else { return }
        self.inboundFinished = true
        self.inboundContinuation.finish(throwing: error)
    }
}

/// The one C callback for every lws event of every WebSocket context. The loop comes back through the context's
/// user pointer (one context per connection, so it also works for `EVENT_WAIT_CANCELLED`'s pseudo-wsi).
private func webSocketCallback(
    _ wsi: OpaquePointer?,
    _ reason: lws_callback_reasons,
    _ user: UnsafeMutableRawPointer?,
    _ data: UnsafeMutableRawPointer?,
    _ length: Int
) -> Int32 {
    guard let wsi, let context = lws_get_context(wsi), let raw = lws_context_user(context) else { return 0 }
    return Unmanaged<WebSocketLoop>.fromOpaque(raw).takeUnretainedValue().handle(wsi, reason, data, length)
}
