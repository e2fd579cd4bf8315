import AgentSupport
import DojoAdapter
import DojoProtocol
import Foundation
import Logging
import ServiceLifecycle
import Transport

/// Keeps one authenticated WebSocket session to Dojo open for as long as the agent runs, and serves Dojo's
/// requests on it through the `Dispatcher`.
///
/// Reconnects forever with the shared `Backoff` (full jitter, capped; the failure count resets only after the
/// link stayed healthy for `resetAfter`). An HTTP 401/403 on the handshake is an auth rejection: logged clearly
/// once, shown in `status`, and retried on the slow `authRejected` policy (minutes), so a bad key never hammers
/// Dojo. On graceful shutdown it stops reading new requests, lets in-flight ones finish, and closes with 1001 (going
/// away).
struct Session<C: Clock>: Service where C.Duration == Duration {
    let endpoint: WebSocketEndpoint
    let webSocket: WebSocketConfiguration
    let dispatcher: Dispatcher<C>
    let status: SessionStatus
    let clock: C
    let logger: Logger
    var reconnectPolicy = Backoff.Policy.reconnect
    var authPolicy = Backoff.Policy.authRejected
    /// The wall clock for the times `status` shows (connected since, next attempt at); injectable for tests.
    var wallClock: any WallClock = SystemWallClock()
    /// Draws for the backoff jitter (injectable for tests).
    var random: @Sendable () -> Double = { Double.random(in: 0...1) }
    /// The open connection, if any, for the watchdog's probes.
    private let current = PThreadLock<WebSocketConnection?>(nil)

    /// The watchdog's liveness probe. While a connection is open, `answer` is called from its lws service thread on
    /// its next turn (a wedged service thread never answers). Between connections the session is connecting or in
    /// a backoff, each bounded by its own timeout, so it answers at once.
    func probe(_ answer: @escaping @Sendable () -> Void) {
        guard let connection = self.current.withLock({ $0 }), connection.probe(answer) else {
            answer()
            return
        }
    }

    /// Waits until the adapter can serve (`POSAdapter.waitUntilReady`) before the first connection: Dojo sends
    /// requests the moment the socket opens, and an adapter whose capabilities are not known yet (a process that
    /// has not answered `initialize`) would have to refuse them falsely. Returns false when the agent stops first.
    private func awaitAdapter() async throws -> Bool {
        self.status.update { $0.state = .waitingForAdapter("the adapter is starting") }
        do {
            try await cancelWhenGracefulShutdown { try await self.dispatcher.adapter.waitUntilReady() }
        } catch {
            if Task.isCancelled || Task.isShuttingDownGracefully { return false }
            throw error
        }
        self.logger.notice(
            "adapter ready; connecting to Dojo",
            metadata: ["capabilities": "\(self.dispatcher.adapter.capabilities.count)"]
        )
        return true
    }

    func run() async throws {
        var backoff = Backoff(policy: self.reconnectPolicy)
        var authBackoff = Backoff(policy: self.authPolicy)
        var authRejectionReported = false
        var attempt = 0
        defer { self.status.update { $0.state = .stopped } }
        guard try await self.awaitAdapter() else { return }

        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            attempt += 1
            self.status.update { $0.state = .connecting(attempt: attempt) }
            let openedAt = PThreadLock<C.Instant?>(nil)
            let failure: (any Error)?
            do {
                try await WebSocketClient.withConnection(
                    to: self.endpoint,
                    configuration: self.webSocket,
                    logger: self.logger
                ) { connection in
                    openedAt.withLock { $0 = self.clock.now }
                    self.current.withLock { $0 = connection }
                    defer { self.current.withLock { $0 = nil } }
                    attempt = 0
                    authBackoff.reset()
                    authRejectionReported = false
                    self.status.update {
                        $0.state = .connected(since: self.wallClock.now)
                        $0.connections += 1
                    }
                    self.logger.notice("session to Dojo open", metadata: ["ws.url": "\(self.endpoint)"])
                    let frames = connection.inbound.compactMap { message -> String? in
                        guard case .text(let text) = message else {
                            self.logger.warning("ignored a binary frame from Dojo (the EPOS Data API is text)")
                            return nil
                        }
                        return text
                    }
                    // On graceful shutdown the reading stops (in-flight requests are still answered). Not
                    // `cancelOnGracefulShutdown()`: that merges two sequences, a task hand-off per frame.
                    try await withGracefulShutdownHandler {
                        try await self.dispatcher.serve(frames: frames, executor: connection.executor) { frame in
                            try await connection.send(utf8Text: frame)
                        }
                    } onGracefulShutdown: {
                        connection.stopReceiving()
                    }
                    // Shutting down, with every in-flight request answered: the agent is going away (1001), not
                    // ending the conversation for good; Dojo may expect it back.
                    if Task.isShuttingDownGracefully {
                        await connection.close(code: .goingAway, reason: "agent shutting down")
                    }
                }
                failure = nil
            } catch {
                failure = error
            }
            if Task.isCancelled || Task.isShuttingDownGracefully { break }

            let healthy = openedAt.withLock { $0 }.map { $0.duration(to: self.clock.now) }
            if let healthy { backoff.recordSuccess(healthyFor: healthy) }
            let reason = failure.map { "\($0)" } ?? "the connection closed"
            self.status.recordDisconnect(reason: reason, failure: failure)
            let delay: Duration
            if let transportError = failure as? WebSocketTransportError, transportError.isAuthRejection {
                delay = authBackoff.nextDelay(random: self.random())
                let httpStatus = transportError.httpStatus ?? 401
                if !authRejectionReported {
                    authRejectionReported = true
                    self.logger.error(
                        "Dojo rejected the agent's credentials: check dojo.api_key and dojo.software_house_id; retrying every few minutes",
                        metadata: ["http.status": "\(httpStatus)", "retry_in": "\(formatDuration(delay))"]
                    )
                } else {
                    self.logger.debug("credentials still rejected", metadata: ["retry_in": "\(formatDuration(delay))"])
                }
                self.status.update {
                    $0.state = .authRejected(
                        httpStatus: httpStatus,
                        nextAttempt: self.wallClock.now.addingTimeInterval(delay.seconds)
                    )
                }
            } else {
                delay = backoff.nextDelay(random: self.random())
                var metadata: Logger.Metadata = [
                    "reason": .quoted(reason), "retry_in": "\(formatDuration(delay))", "attempt": "\(backoff.failures)",
                ]
                if let code = (failure as? WebSocketTransportError)?.closeCode {
                    metadata["close_code"] = "\(code.rawValue)"
                }
                self.logger.warning(
                    healthy == nil ? "could not connect to Dojo" : "session to Dojo lost",
                    metadata: metadata
                )
                self.status.update {
                    $0.state = .waiting(until: self.wallClock.now.addingTimeInterval(delay.seconds), reason: reason)
                }
            }
            do {
                try await cancelWhenGracefulShutdown { try await self.clock.sleep(for: delay) }
            } catch {
                break
            }
        }
        self.logger.info("session to Dojo stopped")
    }
}

extension Duration {
    var seconds: Double {
        Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18
    }
}
