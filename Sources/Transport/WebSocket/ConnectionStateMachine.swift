/// The life of one WebSocket connection, from the connect attempt to the end of its service loop. Pure: no lws,
/// no threads, no clock (time comes in with the events), so every transition is unit-tested without I/O.
///
/// `WebSocketLoop` turns each lws callback and each command into one event here and performs the actions it gets
/// back; the loop keeps only the I/O (the wsi, the send queue, continuations, the liveness timer). What the machine
/// owns is *why and how the connection ends*: which close frame goes out and when, which error the inbound sequence
/// and pending sends get, how a failed connect is explained, and when the loop exits.
///
/// | state                       | event                                  | next                        | actions |
/// |-----------------------------|----------------------------------------|-----------------------------|---------|
/// | connecting                  | `established`                          | open                        | succeedConnect |
/// | connecting                  | `headersDidNotFit(error)`              | connecting(failure: error)  | — |
/// | connecting                  | `connectionEnded`                      | closed(why)                 | refuseCommands, failConnect(why), finishInbound(why), exit |
/// | connecting                  | `closeRequested` / `fail`              | closed(failure)             | refuseCommands, failConnect(cancelled), finishInbound(failure), exit |
/// | connecting                  | `contextFailed(error)`                 | closed(error)               | refuseCommands, failConnect(error), finishInbound(error) |
/// | open                        | `peerSentClose(frame)`                 | open(peerClose: frame)      | — |
/// | open                        | `closeRequested(frame)`                | closing(local)              | refuseCommands, failSends(closed), sendCloseFrame(closeTimeout) |
/// | open                        | `fail(error, frame)`                   | closing(error)              | refuseCommands, finishInbound(error), failSends(error), sendCloseFrame(closeTimeout) |
/// | open                        | `fail(error, frame, drop: true)`       | closing(error, drop)        | same, sendCloseFrame(min(closeTimeout, 1 s)) |
/// | open                        | `connectionEnded`                      | closed(peer's close or lost)| refuseCommands, finishInbound(why), failSends(why), reportClosed(why), exit |
/// | closing                     | `writable` (frame not yet sent)        | closing(frame sent)         | → sendClose(frame, thenExit: drop) |
/// | closing                     | `writable` (frame sent)                | —                           | → nothing (lws trap 3: -1 exactly once) |
/// | closing                     | `timerFired`                           | —                           | → closeHandshakeTimedOut (exit) |
/// | closing                     | `connectionEnded`                      | closed(error or nil)        | refuseCommands, finishInbound(nil) if local, failSends, reportClosed, exit |
/// | any but closed              | `loopEnded`                            | closed                      | refuseCommands, failConnect(abandoned) if connecting, failSends(closed), finishInbound if not yet |
/// | closed                      | anything                               | —                           | — (each end is reported once: lws trap 1) |
///
/// `sendRequested` queues only while open; `writable` writes data only while open; `timerFired` checks liveness
/// only while open.
struct ConnectionStateMachine {
    /// A close frame's code and reason.
    struct CloseFrame: Equatable, Sendable {
        var code: WebSocketCloseCode
        var reason: String
    }

    enum State {
        /// Waiting for the HTTP 101. `startedAt`: when the attempt began (monotonic microseconds); `failure`: a
        /// reason found before lws reports the end (the handshake headers did not fit), which then explains it.
        case connecting(startedAt: Int64, failure: WebSocketTransportError?)
        /// The WebSocket is open. `peerClose`: the close frame the peer sent first (lws echoes it and the socket
        /// ends), which then explains the end.
        case open(peerClose: CloseFrame?)
        /// Our close frame is queued or sent; waiting for the socket to end (or the close timer).
        case closing(Closing)
        /// Over. `ending` is why (nil after a close we asked for); the inbound sequence is finished.
        case closed(ending: WebSocketTransportError?)
    }

    struct Closing: Equatable {
        var frame: CloseFrame
        /// The frame went out (lws trap 3: return -1 from WRITEABLE exactly once).
        var frameSent = false
        /// Drop the socket once the frame is written, without waiting for the echo (the peer is dead).
        var dropAfterSending: Bool
        /// nil for a close asked for locally; else the error the inbound sequence already finished with.
        var failure: WebSocketTransportError?
    }

    enum Action: Equatable {
        /// The WebSocket is open: arm the liveness timer and resume `connect()`.
        case succeedConnect
        /// `connect()` fails.
        case failConnect(ConnectFailure)
        /// The command queue takes no more commands (later `send`s fail at once, probes report the loop ended).
        case refuseCommands
        /// Finish the inbound sequence: normally for nil, else throwing the error.
        case finishInbound(WebSocketTransportError?)
        /// Fail every queued send with the error.
        case failSends(WebSocketTransportError)
        /// Ask for WRITEABLE (where `writable()` hands out the close frame) and arm the timer for `timeout`
        /// microseconds, after which `timerFired()` gives up on the handshake.
        case sendCloseFrame(timeout: Int64)
        /// An open connection ended; log why (nil: a close we asked for).
        case reportClosed(WebSocketTransportError?)
        /// Leave the service loop (the thread then destroys the context).
        case exit
    }

    enum ConnectFailure: Equatable {
        /// A close was requested before the WebSocket opened (the connecting task was cancelled).
        case cancelled
        case failed(WebSocketTransportError)
    }

    /// What `WRITEABLE` should do.
    enum WriteAction: Equatable {
        /// Write the close frame (`lws_close_reason`, return -1); with `thenExit`, leave the loop too.
        case sendClose(CloseFrame, thenExit: Bool)
        /// Write what is queued (a ping, a data frame).
        case writeData
        /// Return 0 and write nothing.
        case nothing
    }

    /// What the per-wsi timer means now.
    enum TimerAction: Equatable {
        /// Ask `LivenessMonitor`.
        case checkLiveness
        /// The close handshake did not finish in time (or the frame could not even be written): leave the loop.
        case closeHandshakeTimedOut
        case nothing
    }

    enum SendDecision: Equatable {
        case queue
        case fail(WebSocketTransportError)
    }

    /// How an end was reported (lws trap 1: three callbacks can report it).
    enum EndReason: Equatable {
        /// `CLIENT_CONNECTION_ERROR` with lws' text.
        case connectionError(String)
        /// `CLOSED_CLIENT_HTTP`: the wsi died still in the h1 role, before the HTTP 101.
        case closedBeforeUpgrade
        /// `CLIENT_CLOSED`.
        case closed
    }

    /// What the loop can see about an end, read only when the end needs explaining.
    struct EndFacts {
        /// `lws_http_client_http_response`: the upgrade's HTTP status, 0 if none arrived.
        var httpStatus: Int
        /// The lws log lines captured on the service thread since the attempt began.
        var logLines: [String]
        /// Monotonic microseconds.
        var now: Int64
    }

    let endpoint: WebSocketEndpoint
    let configuration: WebSocketConfiguration
    private(set) var state = State.connecting(startedAt: 0, failure: nil)

    init(endpoint: WebSocketEndpoint, configuration: WebSocketConfiguration) {
        self.endpoint = endpoint
        self.configuration = configuration
    }

    var isOpen: Bool {
        if case .open = self.state { true } else { false }
    }

    static func closedError(_ what: String) -> WebSocketTransportError {
        WebSocketTransportError(.closed, "connection closed before it could complete: \(what)")
    }

    private static let notSent = closedError("the message was not sent")

    // MARK: - Events

    /// `lws_client_connect_via_info` is about to be called at `now`.
    mutating func attemptStarted(at now: Int64) {
        guard case .connecting(_, let failure) = self.state else { return }
        self.state = .connecting(startedAt: now, failure: failure)
    }

    /// The context could not be created: nothing was attempted.
    mutating func contextFailed(_ error: WebSocketTransportError) -> [Action] {
        guard case .connecting = self.state else { return [] }
        self.state = .closed(ending: error)
        return [.refuseCommands, .failConnect(.failed(error)), .finishInbound(error)]
    }

    /// The handshake headers did not fit lws' buffer; the connect will fail with `error` once lws reports it.
    mutating func headersDidNotFit(_ error: WebSocketTransportError) {
        guard case .connecting(let startedAt, _) = self.state else { return }
        self.state = .connecting(startedAt: startedAt, failure: error)
    }

    /// `CLIENT_ESTABLISHED`.
    mutating func established() -> [Action] {
        guard case .connecting = self.state else { return [] }
        self.state = .open(peerClose: nil)
        return [.succeedConnect]
    }

    /// `WS_PEER_INITIATED_CLOSE`: lws echoes the frame, then the socket ends.
    mutating func peerSentClose(_ frame: CloseFrame) {
        guard case .open = self.state else { return }
        self.state = .open(peerClose: frame)
    }

    /// A close the application asked for (`close`, the end of `withConnection`, cancellation).
    mutating func closeRequested(_ frame: CloseFrame) -> [Action] {
        self.beginClose(frame, failure: nil, dropAfterSending: false)
    }

    /// The connection must end because of `error` (oversize or invalid message, dead peer): the inbound sequence
    /// throws it at once, without waiting for the handshake. With `dropAfterSending` the socket is dropped as soon
    /// as the frame is written (a dead peer will not echo it).
    mutating func fail(
        _ error: WebSocketTransportError,
        sending frame: CloseFrame,
        dropAfterSending: Bool = false
    )
        -> [Action]
    {
        self.beginClose(frame, failure: error, dropAfterSending: dropAfterSending)
    }

    private mutating func beginClose(
        _ frame: CloseFrame,
        failure: WebSocketTransportError?,
        dropAfterSending: Bool
    ) -> [Action] {
        switch self.state {
        case .connecting(_, let earlier):
            self.state = .closed(ending: earlier)
            return [.refuseCommands, .failConnect(.cancelled), .finishInbound(earlier), .exit]
        case .open:
            self.state = .closing(Closing(frame: frame, dropAfterSending: dropAfterSending, failure: failure))
            let closeTimeout = self.configuration.closeTimeout.microseconds
            var actions: [Action] = [.refuseCommands]
            if let failure { actions.append(.finishInbound(failure)) }
            actions.append(.failSends(failure ?? Self.notSent))
            actions.append(.sendCloseFrame(timeout: dropAfterSending ? min(closeTimeout, 1_000_000) : closeTimeout))
            return actions
        case .closing, .closed:
            return []
        }
    }

    /// `CLIENT_WRITEABLE`.
    mutating func writable() -> WriteAction {
        switch self.state {
        case .open:
            return .writeData
        case .closing(var closing):
            guard !closing.frameSent else { return .nothing }
            closing.frameSent = true
            self.state = .closing(closing)
            return .sendClose(closing.frame, thenExit: closing.dropAfterSending)
        case .connecting, .closed:
            return .nothing
        }
    }

    /// `LWS_CALLBACK_TIMER` on the connection's wsi.
    func timerFired() -> TimerAction {
        switch self.state {
        case .open: .checkLiveness
        case .closing: .closeHandshakeTimedOut
        case .connecting, .closed: .nothing
        }
    }

    /// A `send` command reached the loop.
    func sendRequested() -> SendDecision {
        switch self.state {
        case .open: .queue
        case .connecting(_, let failure): .fail(failure ?? Self.notSent)
        case .closing(let closing): .fail(closing.failure ?? Self.notSent)
        case .closed(let ending): .fail(ending ?? Self.notSent)
        }
    }

    /// One of the three callbacks that report an end. Only the first counts; `facts` is read only if needed.
    mutating func connectionEnded(_ reason: EndReason, facts: () -> EndFacts) -> [Action] {
        switch self.state {
        case .closed:
            return []
        case .connecting(let startedAt, let failure):
            let error = failure ?? self.explainConnectFailure(reason, facts: facts(), startedAt: startedAt)
            self.state = .closed(ending: error)
            return [.refuseCommands, .failConnect(.failed(error)), .finishInbound(error), .exit]
        case .open(let peerClose):
            let ending: WebSocketTransportError
            if let peerClose {
                ending = Self.closedByPeer(peerClose)
            } else {
                let lost =
                    switch reason {
                    case .connectionError(let text): text
                    case .closedBeforeUpgrade, .closed: "the socket closed without a close frame"
                    }
                ending = WebSocketTransportError(.connectionLost, "\(lost)\(Self.detail(facts().logLines))")
            }
            self.state = .closed(ending: ending)
            return [.refuseCommands, .finishInbound(ending), .failSends(ending), .reportClosed(ending), .exit]
        case .closing(let closing):
            self.state = .closed(ending: closing.failure)
            var actions: [Action] = [.refuseCommands]
            if closing.failure == nil { actions.append(.finishInbound(nil)) }
            actions += [.failSends(closing.failure ?? Self.notSent), .reportClosed(closing.failure), .exit]
            return actions
        }
    }

    /// The service loop has ended and the context is destroyed: nobody may be left waiting.
    mutating func loopEnded() -> [Action] {
        switch self.state {
        case .connecting(_, let failure):
            let ending = failure ?? WebSocketTransportError(.connectionLost, "the connection ended")
            self.state = .closed(ending: ending)
            return [
                .refuseCommands, .failConnect(.failed(Self.closedError("the connection attempt was abandoned"))),
                .failSends(Self.notSent), .finishInbound(ending),
            ]
        case .open(let peerClose):
            let ending =
                peerClose.map(Self.closedByPeer) ?? WebSocketTransportError(.connectionLost, "the connection ended")
            self.state = .closed(ending: ending)
            return [.refuseCommands, .failSends(Self.notSent), .finishInbound(ending)]
        case .closing(let closing):
            self.state = .closed(ending: closing.failure)
            var actions: [Action] = [.refuseCommands, .failSends(Self.notSent)]
            if closing.failure == nil { actions.append(.finishInbound(nil)) }
            return actions
        case .closed:
            return [.refuseCommands, .failSends(Self.notSent)]
        }
    }

    // MARK: - Explaining an end

    private static func closedByPeer(_ close: CloseFrame) -> WebSocketTransportError {
        let reason = close.reason.isEmpty ? "" : ": \(close.reason)"
        return WebSocketTransportError(
            .closedByPeer,
            "the peer closed the connection with code \(close.code)\(reason)",
            closeCode: close.code,
            closeReason: close.reason
        )
    }

    /// The last lws line, as a suffix for an error message.
    private static func detail(_ lines: [String], excluding: String? = nil) -> String {
        guard let last = lines.last(where: { $0 != excluding }) else { return "" }
        return " (libwebsockets: \(last))"
    }

    /// Why a connection that never opened failed, from what lws reported and logged.
    private func explainConnectFailure(
        _ reason: EndReason,
        facts: EndFacts,
        startedAt: Int64
    ) -> WebSocketTransportError {
        let status = facts.httpStatus
        if status > 0, status != 101 {
            var message = "the server answered the WebSocket upgrade with HTTP \(status)"
            if status == 401 || status == 403 {
                message += ": the credentials (API key, software-house-id) were refused"
            }
            return WebSocketTransportError(.handshakeRejected, message, httpStatus: status)
        }
        if self.endpoint.isSecure, let tls = TLSProblem(in: facts.logLines) {
            return WebSocketTransportError(
                .tlsFailure,
                tls.message(host: self.endpoint.host, tls: self.configuration.tls)
            )
        }
        switch reason {
        case .closedBeforeUpgrade:
            // lws reports the handshake timeout (`timeout_secs`) only as a close before the upgrade: tell it from
            // a server that hung up by the time it took (a quarter second of slack for whole-second lws timers).
            let handshakeTimeout = self.configuration.handshakeTimeout
            if facts.now - startedAt + 250_000 >= handshakeTimeout.microseconds {
                return WebSocketTransportError(
                    .handshakeTimeout,
                    "no HTTP 101 from \(self.endpoint) within \(handshakeTimeout)"
                )
            }
            return WebSocketTransportError(
                .connectFailed,
                "the server closed the connection before completing the WebSocket handshake\(Self.detail(facts.logLines))"
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
                "could not connect to \(self.endpoint): \(text)\(Self.detail(facts.logLines, excluding: text))"
            )
        case .closed:
            return WebSocketTransportError(.connectFailed, "the connection closed during the handshake")
        }
    }
}
