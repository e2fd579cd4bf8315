import AgentSupport
import CLibWebSockets
import Foundation
import Logging

/// One WebSocket connection driven by its own libwebsockets context on an `LWSServiceThread`.
///
/// Threading invariants:
/// 1. `LWSServiceThread`'s: only the service thread calls lws (other threads `enqueue` a `Command`, which wakes the
///    loop with `lws_cancel_service`, never after the context is destroyed); commands are drained in
///    `EVENT_WAIT_CANCELLED`, and between turns for those the service thread's own jobs queued (`drainCommands`).
/// 2. Writes happen only in `CLIENT_WRITEABLE`, up to `maxFramesPerWriteable` `lws_write`s per callback (each
///    checked with `lws_partial_buffered`), with `LWS_PRE` bytes of headroom.
/// 3. The loop never blocks and never awaits; it hands results to Swift by resuming continuations and yielding to
///    the inbound stream.
///
/// libwebsockets 4.1.6 traps handled here (each hangs or silently breaks a client when missed):
/// 1. A connection that dies before the HTTP 101 reports only `CLOSED_CLIENT_HTTP` (the wsi is still in the h1
///    role): all three end reasons go through `connectionEnded`; `ConnectionStateMachine` reports each end once.
/// 2. Timer-driven callbacks run before `poll()`: when one of them asks the loop to exit, nothing would wake
///    `poll()`, so `LWSServiceThread.requestExit` always calls `lws_cancel_service` (a self-wake).
/// 3. Return -1 from `WRITEABLE` exactly once to send the close frame: lws keeps calling WRITEABLE while it
///    waits for the close ack, and a second -1 drops the socket without waiting (`ConnectionStateMachine.writable`).
/// 4. No keepalive unless asked: the lws validity policy is disabled (all zero) and `LivenessMonitor` pings on
///    our own timer; without it a black-holed peer is never noticed.
/// 5. `timeout_secs` governs the wait for the HTTP 101 and `connect_timeout_secs` only the TCP connect; both are
///    context-wide and set from the configuration.
///
/// Why and how the connection ends (close frames, the errors the inbound sequence and sends get, connect failures,
/// when to exit) is decided by `ConnectionStateMachine`, a pure type; this class turns callbacks into its events and
/// performs the actions it returns.
final class WebSocketLoop: LWSServiceClient, @unchecked Sendable {
    // @unchecked Sendable: immutable fields are set in init; `service` and `flow` are thread-safe; every other var
    // is confined to the service thread (checked by `service.assertOnServiceThread` in debug builds), except the
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

    /// Receive back-pressure, shared between the service thread and the inbound iterator.
    private struct Flow {
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
    private let service = LWSServiceThread<Command>(name: "lws-ws")
    private let flow = PThreadLock(Flow())
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

    private var connectContinuation: CheckedContinuation<Void, any Error>?
    private var machine: ConnectionStateMachine
    private var wsi: OpaquePointer?
    private var assembler: MessageAssembler
    private var liveness: LivenessMonitor
    private var pingDue = false
    private var sendQueue: [PendingSend] = []
    private var sendHead = 0

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
        self.machine = ConnectionStateMachine(endpoint: endpoint, configuration: configuration)
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
                self.service.start(self)
            }
        } onCancel: {
            self.service.enqueue(.close(.goingAway, ""))
        }
    }

    /// Queues `message` and returns when the socket has accepted all of its bytes.
    func send(_ message: WebSocketMessage) async throws {
        switch message {
        case .text(let text): try await self.send(bytes: Array(text.utf8), isBinary: false)
        case .binary(let data): try await self.send(bytes: data, isBinary: true)
        }
    }

    /// Queues one message's payload (a text message's must be valid UTF-8) and returns when the socket has
    /// accepted all of it.
    func send(bytes: [UInt8], isBinary: Bool) async throws {
        let id = self.nextSendID.withLock { id in
            id += 1
            return id
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let pending = PendingSend(id: id, bytes: bytes, isBinary: isBinary, continuation: continuation)
                if !self.service.enqueue(.send(pending)) {
                    pending.fail(ConnectionStateMachine.closedError("the message was not sent"))
                }
            }
        } onCancel: {
            self.service.enqueue(.cancelSend(id))
        }
    }

    /// Asks for a close handshake with `code`; returns at once (await `finished` for the end).
    func requestClose(code: WebSocketCloseCode, reason: String) {
        precondition(code.isSendable, "BUG: close code \(code) may not be sent on the wire (RFC 6455 §7.4.1)")
        self.service.enqueue(.close(code, reason))
    }

    /// Has the service thread call `answer` on its next turn. Returns false when the loop has ended (nothing will
    /// answer).
    func probe(_ answer: @escaping @Sendable () -> Void) -> Bool {
        self.service.enqueue(.probe(answer))
    }

    /// Completed when the service thread has destroyed its context and is about to return.
    var finished: Completion { self.service.finished }

    /// The service thread as a task executor (`WebSocketConnection.executor`).
    var executor: any TaskExecutor { self.service }

    /// Ends the inbound sequence normally, from any thread: the consumer reads nothing more, while sends and the
    /// connection stay up.
    func stopReceiving() {
        self.inboundContinuation.finish()
    }

    /// Called by the inbound iterator each time the consumer takes a message.
    func messageConsumed() {
        let resume = self.flow.withLock { flow in
            flow.buffered -= 1
            guard flow.receivingPaused, !flow.resumeQueued, flow.buffered <= self.configuration.inboundLowWatermark
            else { return false }
            flow.resumeQueued = true
            return true
        }
        if resume { self.service.enqueue(.resumeReceiving) }
    }

    // MARK: - Service thread (LWSServiceClient)

    func makeContext() throws(LWSContextError) -> LWSContext {
        var info = LWSContext.clientInfo(protocols: self.protocols, user: self)
        info.options = clws_option_validate_utf8()
        info.timeout_secs = self.configuration.handshakeTimeout.wholeSecondsAtLeastOne
        info.connect_timeout_secs = self.configuration.connectTimeout.wholeSecondsAtLeastOne
        info.fd_limit_per_thread = 16
        return try LWSContext(
            &info,
            tls: self.endpoint.isSecure ? .init(caFile: self.caFileC.map { UnsafePointer($0) }) : nil
        )
    }

    func contextFailed(_ error: LWSContextError) {
        let detail = LWSLog.captured().last.map { " (libwebsockets: \($0))" } ?? ""
        self.perform(self.machine.contextFailed(WebSocketTransportError(.connectFailed, "\(error.message)\(detail)")))
        self.serviceEnded()
    }

    func serviceStarted(context: OpaquePointer, vhost: OpaquePointer) {
        var connectInfo = lws_client_connect_info()
        connectInfo.context = context
        connectInfo.vhost = vhost
        connectInfo.address = UnsafePointer(self.addressC)
        connectInfo.port = Int32(self.endpoint.port)
        connectInfo.path = UnsafePointer(self.pathC)
        connectInfo.host = UnsafePointer(self.hostC)
        connectInfo.ssl_connection = self.endpoint.isSecure ? Int32(LCCSCF_USE_SSL.rawValue) : 0
        connectInfo.retry_and_idle_policy = UnsafePointer(self.retryPolicy)
        self.machine.attemptStarted(at: monotonicMicroseconds())
        if lws_client_connect_via_info(&connectInfo) == nil {
            self.connectionEnded(.connectionError("could not start the connection"), wsi: nil)
        }
    }

    func serviceStopping(leftover: [Command]) {
        for case .send(let pending) in leftover {
            pending.fail(ConnectionStateMachine.closedError("the message was not sent"))
        }
        // The thread is ending normally, so it is alive: a probe left unanswered would read as a wedge for good.
        for case .probe(let answer) in leftover { answer() }
    }

    /// After the context is gone: nobody may be left waiting.
    func serviceEnded() {
        self.perform(self.machine.loopEnded())
    }

    /// Performs what the state machine decided.
    /// - Parameter wsi: the connection's wsi, for `succeedConnect` (from `CLIENT_ESTABLISHED`).
    private func perform(_ actions: [ConnectionStateMachine.Action], wsi: OpaquePointer? = nil) {
        for action in actions {
            switch action {
            case .succeedConnect:
                guard let wsi else { preconditionFailure("BUG: the connection opened without a wsi") }
                self.wsi = wsi
                lws_set_timer_usecs(wsi, self.liveness.opened(at: monotonicMicroseconds()))
                let continuation = self.connectContinuation
                self.connectContinuation = nil
                continuation?.resume()
                self.logger.debug("websocket open", metadata: ["ws.url": "\(self.endpoint)"])
            case .failConnect(let failure):
                let continuation = self.connectContinuation
                self.connectContinuation = nil
                switch failure {
                case .cancelled: continuation?.resume(throwing: CancellationError())
                case .failed(let error): continuation?.resume(throwing: error)
                }
            case .refuseCommands:
                self.service.refuseCommands()
            case .finishInbound(let error):
                self.inboundContinuation.finish(throwing: error)
            case .failSends(let error):
                self.failQueuedSends(error)
            case .sendCloseFrame(let timeout):
                if let wsi = self.wsi {
                    lws_callback_on_writable(wsi)
                    lws_set_timer_usecs(wsi, timeout)
                }
            case .reportClosed(let error):
                self.logger.debug(
                    "websocket closed",
                    metadata: [
                        "ws.url": "\(self.endpoint)",
                        "ws.reason": error.map { .quoted(describing: $0) } ?? "local close",
                    ]
                )
            case .exit:
                self.service.requestExit()
            }
        }
    }

    fileprivate func handle(
        _ wsi: OpaquePointer,
        _ reason: lws_callback_reasons,
        _ data: UnsafeMutableRawPointer?,
        _ length: Int
    ) -> Int32 {
        self.service.assertOnServiceThread()
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
            self.machine.headersDidNotFit(
                WebSocketTransportError(
                    .invalidConfiguration,
                    "the handshake headers do not fit in the request buffer (header '\(name)')"
                )
            )
            return -1
        }
    }

    private func established(_ wsi: OpaquePointer) {
        self.perform(self.machine.established(), wsi: wsi)
    }

    private func trafficReceived(_ wsi: OpaquePointer) {
        guard self.machine.isOpen, let delay = self.liveness.trafficReceived(at: monotonicMicroseconds()) else {
            return
        }
        lws_set_timer_usecs(wsi, max(delay, 1000))
    }

    private func received(_ wsi: OpaquePointer, _ data: UnsafeMutableRawPointer?, _ length: Int) {
        self.trafficReceived(wsi)
        guard self.machine.isOpen else { return }
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
            let pause = self.flow.withLock { flow in
                flow.buffered += 1
                guard flow.buffered >= self.configuration.inboundHighWatermark, !flow.receivingPaused else {
                    return false
                }
                flow.receivingPaused = true
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
            self.perform(
                self.machine.fail(error, sending: .init(code: .messageTooBig, reason: "message exceeds \(limit) bytes"))
            )
        case .invalidUTF8:
            let error = WebSocketTransportError(
                .connectionLost,
                "the peer sent a text message that is not valid UTF-8; closed with 1007",
                closeCode: .invalidPayload
            )
            self.perform(self.machine.fail(error, sending: .init(code: .invalidPayload, reason: "invalid UTF-8")))
        }
    }

    private func peerInitiatedClose(_ data: UnsafeMutableRawPointer?, _ length: Int) {
        guard let data, length >= 2 else {
            self.machine.peerSentClose(.init(code: .noStatusReceived, reason: ""))
            return
        }
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        let code = WebSocketCloseCode(rawValue: UInt16(bytes[0]) << 8 | UInt16(bytes[1]))
        self.machine.peerSentClose(.init(code: code, reason: String(decoding: bytes.dropFirst(2), as: UTF8.self)))
    }

    private func timerFired(_ wsi: OpaquePointer) {
        switch self.machine.timerFired() {
        case .checkLiveness:
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
                self.perform(
                    self.machine.fail(
                        error,
                        sending: .init(code: .goingAway, reason: "ping timeout"),
                        dropAfterSending: true
                    )
                )
            }
        case .closeHandshakeTimedOut:
            self.logger.debug("websocket close handshake timed out; dropping the socket")
            self.service.requestExit()
        case .nothing:
            break
        }
    }

    private func writeable(_ wsi: OpaquePointer) -> Int32 {
        switch self.machine.writable() {
        case .sendClose(let close, let thenExit):
            // Trap 3: -1 exactly once; the machine answers `.nothing` to later WRITEABLEs (lws awaits the close ack).
            var reason = Array(close.reason.utf8.prefix(123))
            lws_close_reason(wsi, lws_close_status(rawValue: UInt32(close.code.rawValue)), &reason, reason.count)
            if thenExit { self.service.requestExit() }
            return -1
        case .nothing:
            return 0
        case .writeData:
            break
        }
        if self.pingDue {
            self.pingDue = false
            if lws_write(wsi, self.txBuffer + self.pre, 0, LWS_WRITE_PING) < 0 { return -1 }
            if self.sendHead < self.sendQueue.count { lws_callback_on_writable(wsi) }
            return 0
        }
        // Up to `maxFramesPerWriteable` frames in one callback, stopping as soon as lws had to buffer a write
        // (`lws_partial_buffered`, checked after every write as lws-ws-state.h asks; no system call): a queue of
        // answers costs one poll round, not one each.
        var written = 0
        while self.sendHead < self.sendQueue.count {
            let head = self.sendQueue[self.sendHead]
            let chunk = min(head.bytes.count - head.offset, self.configuration.frameSize)
            let isFirst = head.offset == 0
            let isLast = head.offset + chunk == head.bytes.count
            var flags =
                isFirst
                ? (head.isBinary ? LWS_WRITE_BINARY.rawValue : LWS_WRITE_TEXT.rawValue)
                : LWS_WRITE_CONTINUATION.rawValue
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
            written += 1
            if written == Self.maxFramesPerWriteable || lws_partial_buffered(wsi) != 0 { break }
        }
        if self.sendHead < self.sendQueue.count || self.pingDue { lws_callback_on_writable(wsi) }
        return 0
    }

    /// The most data frames one `CLIENT_WRITEABLE` writes: enough that pipelined answers share a poll round,
    /// few enough (a megabyte at the largest frame size) that reading is not held up behind a long queue.
    private static var maxFramesPerWriteable: Int { 16 }

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

    func drainCommands() {
        var wantWritable = false
        for command in self.service.takeCommands() {
            switch command {
            case .send(let pending):
                switch self.machine.sendRequested() {
                case .queue:
                    self.sendQueue.append(pending)
                    wantWritable = true
                case .fail(let error):
                    pending.fail(error)
                }
            case .cancelSend(let id):
                if let index = self.sendQueue[self.sendHead...].firstIndex(where: { $0.id == id && $0.offset == 0 }) {
                    let pending = self.sendQueue.remove(at: index)
                    pending.fail(CancellationError())
                }
            case .close(let code, let reason):
                self.perform(self.machine.closeRequested(.init(code: code, reason: reason)))
            case .probe(let answer):
                answer()
            case .resumeReceiving:
                self.flow.withLock { flow in
                    flow.receivingPaused = false
                    flow.resumeQueued = false
                }
                if let wsi = self.wsi, self.machine.isOpen {
                    lws_rx_flow_control(wsi, 1)
                    self.logger.debug("websocket receive resumed")
                }
            }
        }
        if wantWritable, let wsi = self.wsi { lws_callback_on_writable(wsi) }
    }

    /// The single place a connection's end is reported (trap 1: three callbacks can report it).
    private func connectionEnded(_ reason: ConnectionStateMachine.EndReason, wsi: OpaquePointer?) {
        self.wsi = nil
        let actions = self.machine.connectionEnded(reason) {
            ConnectionStateMachine.EndFacts(
                httpStatus: wsi.map { Int(lws_http_client_http_response($0)) } ?? 0,
                logLines: LWSLog.captured(),
                now: monotonicMicroseconds()
            )
        }
        self.perform(actions)
    }

    private func failQueuedSends(_ error: any Error) {
        let pending = self.sendQueue[self.sendHead...]
        self.sendQueue.removeAll()
        self.sendHead = 0
        for send in pending { send.fail(error) }
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
