import AgentSupport
import DojoProtocol
public import Foundation
public import Logging
public import ServiceLifecycle
public import Transport

/// Drains the outbox to Dojo: `POST {api_base_url}/epos/events`, one request per row, with a bounded number in
/// flight and a bounded rate, retrying per ``RetryPolicy``.
///
/// It wakes when something is published (a lossy single-slot signal: the table is the truth), when a delivery
/// finishes, and at the next due time read from the table (on the injected clock). A database failure (disk full,
/// I/O error) is logged and retried after ``Configuration/databaseRetryDelay``; it never ends the service, so the
/// agent cannot crash-loop on it. On graceful shutdown it starts no new delivery and waits for the ones in flight
/// (each bounded by the request timeout); a row whose send was interrupted is sent again next time.
public struct Publisher: Service {
    /// Tuning (`[outbox]` in agent.conf).
    public struct Configuration: Sendable {
        /// `outbox.max_in_flight`: requests on the wire at once. Default 4.
        public var maxInFlight: Int = 4
        /// `outbox.drain_rate`: the sustained rate, events per second, once more than ``drainBurst`` events have
        /// gone without a pause (a token bucket). 0 disables the limit. Default 20.
        public var drainRate: Double = 20
        /// `outbox.drain_burst`: events that may go at once, unthrottled (the bucket's size, refilled at
        /// ``drainRate``). Large enough for a live burst, so the rate only spreads a long outage's backlog.
        /// Default 2,000.
        public var drainBurst: Int = 2000
        /// What to do after each attempt (`outbox.max_attempts`, `outbox.max_age`).
        public var retry = RetryPolicy()
        /// The pause after a database failure before trying again. Default 5 s.
        public var databaseRetryDelay: Duration = .seconds(5)
        /// The longest the publisher sleeps without looking at the table, so rows made due by another process
        /// (`dojo-agent queue retry` while the agent runs) are picked up even without a wake-up. Default 30 s.
        public var maximumIdle: Duration = .seconds(30)

        public init() {}
    }

    /// One thing the publisher did, reported to the optional observer after the outbox recorded it (tests await
    /// these instead of sleeping; the composition root may turn them into metrics).
    public enum Event: Sendable, Hashable {
        /// Dojo answered 2xx. `sendAgain` is true when the row was published again during the send and stays
        /// pending (invariant 3).
        case delivered(id: Int64, sendAgain: Bool)
        /// The attempt failed and the next one is due at `at`.
        case retryScheduled(id: Int64, at: Date, reason: String)
        /// The row moved to the dead-letter table.
        case deadLettered(id: Int64, reason: String)
        /// Dojo refused the row, but it was published again during the send, so it stays pending.
        case refusedButPublishedAgain(id: Int64)
        /// The outbox database failed; delivery pauses for `databaseRetryDelay`.
        case databaseFailed(String)
    }

    /// What the publisher has done, for status displays.
    public struct Status: Sendable {
        /// Rows delivered (2xx) since start.
        public var delivered = 0
        /// Rows dead-lettered since start.
        public var deadLettered = 0
        /// Failed attempts since start.
        public var failedAttempts = 0
        /// When the last 2xx arrived.
        public var lastDeliveryAt: Date?
        /// The last failure and when it happened.
        public var lastFailure: String?
        public var lastFailureAt: Date?
        /// Requests on the wire right now.
        public var inFlight = 0
    }

    private let outbox: Outbox
    private let http: HTTPClient
    private let api: DojoAPIConfiguration
    private let configuration: Configuration
    private let clock: any WallClock
    private let random: @Sendable () -> Double
    private let logger: Logger
    private let observer: (@Sendable (Event) -> Void)?
    private let statusBox = PThreadLock(Status())
    /// Liveness probes waiting for the loop's next turn (`probe`).
    private let probes = PThreadLock<[@Sendable () -> Void]>([])

    /// - Parameters:
    ///   - outbox: the opened outbox.
    ///   - http: the agent's HTTP client (its `tls` setting is `dojo.ca_file`).
    ///   - api: where and with which credentials to post.
    ///   - configuration: `[outbox]` settings.
    ///   - clock: wall clock for schedules (inject a manual one in tests).
    ///   - random: uniform draws in `0...1` for backoff jitter (inject a constant in tests).
    ///   - logger: `dojo.publisher`.
    ///   - observer: called (on the publisher's tasks; keep it quick) after each outcome is recorded.
    public init(
        outbox: Outbox,
        http: HTTPClient,
        api: DojoAPIConfiguration,
        configuration: Configuration = .init(),
        clock: any WallClock = SystemWallClock(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        logger: Logger,
        observer: (@Sendable (Event) -> Void)? = nil
    ) {
        precondition(
            configuration.maxInFlight > 0,
            "BUG: outbox.max_in_flight must be positive (validated by the configuration)"
        )
        self.outbox = outbox
        self.http = http
        self.api = api
        self.configuration = configuration
        self.clock = clock
        self.random = random
        self.logger = logger
        self.observer = observer
    }

    /// A snapshot of what the publisher has done.
    public var status: Status { self.statusBox.withLock { $0 } }

    /// The watchdog's liveness probe: wakes the loop, which calls `answer` at the top of its next turn. A loop
    /// wedged in a turn never answers.
    public func probe(_ answer: @escaping @Sendable () -> Void) {
        self.probes.withLock { $0.append(answer) }
        self.outbox.publishes.signal()
    }

    /// Answers the probes waiting for this turn of the loop.
    private func answerProbes() {
        let waiting = self.probes.withLock { probes in
            defer { probes = [] }
            return probes
        }
        for answer in waiting { answer() }
    }

    /// Makes the publisher look at the table now (for example after an operator retried rows).
    public func wake() {
        self.outbox.publishes.signal()
    }

    public func run() async throws {
        let signal = self.outbox.publishes
        let stopping = PThreadLock(false)
        let inFlight = PThreadLock(Set<Int64>())
        let databaseTroubleUntil = PThreadLock<Date?>(nil)
        var bucket = TokenBucket(rate: self.configuration.drainRate, burst: self.configuration.drainBurst)
        self.logger.info("publisher started", metadata: ["outbox.path": "\(self.outbox.path)"])
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while !stopping.withLock({ $0 }), !Task.isCancelled {
                    self.answerProbes()
                    let now = self.clock.now
                    var wakeAt: Date? = now.addingTimeInterval(self.configuration.maximumIdle.timeInterval)
                    if let until = databaseTroubleUntil.withLock({ $0 }), until > now {
                        wakeAt = until
                    } else {
                        let busy = inFlight.withLock { $0 }
                        let capacity = self.configuration.maxInFlight - busy.count
                        do {
                            let rows = try await self.outbox.due(at: now, limit: capacity, excluding: busy)
                            var started = 0
                            var throttled = false
                            for row in rows {
                                guard bucket.take(at: now) else {
                                    throttled = true
                                    break
                                }
                                started += 1
                                inFlight.withLock { _ = $0.insert(row.id) }
                                group.addTask {
                                    await self.deliver(row, databaseTroubleUntil: databaseTroubleUntil)
                                    inFlight.withLock { _ = $0.remove(row.id) }
                                    signal.signal()
                                }
                            }
                            self.statusBox.withLock { $0.inFlight = inFlight.withLock { $0.count } }
                            if throttled {
                                wakeAt = bucket.nextTokenDate(at: now)
                            } else if started == capacity {
                                wakeAt = nil  // full: the next completion signals
                            } else if let due = try await self.outbox.nextDueDate(excluding: inFlight.withLock({ $0 }))
                            {
                                wakeAt = min(wakeAt ?? due, due)
                            }
                        } catch {
                            // Cancelled while reading the table: shutting down, not a database failure.
                            if Task.isCancelled { break }
                            self.databaseFailed(error, until: databaseTroubleUntil, now: now)
                            wakeAt = databaseTroubleUntil.withLock { $0 }
                        }
                    }
                    await self.waitForWork(signal: signal, until: wakeAt)
                }
                // Leaving the group waits for the deliveries in flight.
            }
        } onGracefulShutdown: {
            stopping.withLock { $0 = true }
            signal.signal()
        }
        self.logger.info("publisher stopped")
    }

    /// Returns on a signal or at `deadline` (nil: only a signal).
    private func waitForWork(signal: WakeSignal, until deadline: Date?) async {
        if let deadline, deadline <= self.clock.now { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await signal.wait() }
            if let deadline {
                let clock = self.clock
                group.addTask { try? await clock.sleep(until: deadline) }
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func databaseFailed(_ error: any Error, until: PThreadLock<Date?>, now: Date) {
        let resume = now.addingTimeInterval(self.configuration.databaseRetryDelay.timeInterval)
        until.withLock { $0 = resume }
        self.logger.error(
            "outbox database failed; delivery paused",
            metadata: [
                "error": .quoted(describing: error), "retry_in": "\(self.configuration.databaseRetryDelay)",
            ]
        )
        self.observer?(.databaseFailed("\(error)"))
    }

    private func deliver(_ row: OutboxEntry, databaseTroubleUntil: PThreadLock<Date?>) async {
        var metadata: Logger.Metadata = [
            "outbox.id": "\(row.id)",
            "outbox.event": "\(row.event.type)",
            "attempt": "\(row.attempts + 1)",
        ]
        let outcome: RetryPolicy.Outcome
        do {
            let response = try await self.http.execute(self.api.eventRequest(row.event))
            metadata["http.status"] = "\(response.status)"
            outcome = .response(
                status: response.status,
                retryAfter: response.header("retry-after"),
                body: response.bodyText
            )
        } catch let error as HTTPClientError where error.code == .shutdown {
            return  // the row stays as it is and is sent after the restart
        } catch is CancellationError {
            return
        } catch {
            outcome = .failure("\(error)")
        }
        let now = self.clock.now
        let decision = self.configuration.retry.decision(
            for: outcome,
            previousFailures: row.attempts,
            age: .milliseconds(Int64(max(0, now.timeIntervalSince(row.createdAt)) * 1000)),
            now: now,
            random: self.random()
        )
        do {
            switch decision {
            case .delivered:
                let removed = try await self.outbox.markDelivered(row)
                self.statusBox.withLock {
                    $0.delivered += 1
                    $0.lastDeliveryAt = now
                }
                if removed {
                    self.logger.debug("event delivered", metadata: metadata)
                } else {
                    self.logger.debug("event delivered; published again meanwhile, sending again", metadata: metadata)
                }
                self.observer?(.delivered(id: row.id, sendAgain: !removed))
            case .retry(let delay, let reason):
                try await self.outbox.reschedule(row, at: now.addingTimeInterval(delay.timeInterval), error: reason)
                self.statusBox.withLock {
                    $0.failedAttempts += 1
                    $0.lastFailure = reason
                    $0.lastFailureAt = now
                }
                metadata["retry_in"] = "\(delay)"
                metadata["error"] = .quoted(reason)
                self.logger.warning("event delivery failed; will retry", metadata: metadata)
                self.observer?(
                    .retryScheduled(id: row.id, at: now.addingTimeInterval(delay.timeInterval), reason: reason)
                )
            case .deadLetter(let reason):
                var status: Int?
                var body: String?
                if case .response(let code, _, let text) = outcome {
                    status = code
                    body = text
                }
                let dead = try await self.outbox.deadLetter(row, status: status, reason: reason, responseBody: body)
                self.statusBox.withLock {
                    $0.failedAttempts += 1
                    $0.lastFailure = reason
                    $0.lastFailureAt = now
                    if dead { $0.deadLettered += 1 }
                }
                metadata["error"] = .quoted(reason)
                if dead {
                    self.logger.error("event dead-lettered; see 'dojo-agent queue list'", metadata: metadata)
                    self.observer?(.deadLettered(id: row.id, reason: reason))
                } else {
                    self.logger.warning(
                        "event refused, but published again meanwhile; sending again",
                        metadata: metadata
                    )
                    self.observer?(.refusedButPublishedAgain(id: row.id))
                }
            }
        } catch {
            if Task.isCancelled { return }  // the row stays as it is and is sent again after the restart
            // The answer could not be recorded (disk full…): the row keeps its old schedule and is sent again once
            // the database works; pause so that this does not turn into a hot loop of resends.
            self.databaseFailed(error, until: databaseTroubleUntil, now: now)
        }
    }
}
