public import DojoProtocol
public import Foundation

/// Everything `dojo-agent status` and the metrics endpoint report, gathered at one moment from the agent's own
/// status sources (``SessionStatus``, ``RequestStatistics``, the process adapter's status, the outbox, the
/// publisher, the registrar, ``Liveness``). Pure data: ``json`` renders the documented schema and ``problems`` the
/// conditions that make the agent "degraded"; the metrics text is rendered from the same value
/// (``MetricsExposition``), so status and metrics never disagree.
public struct AgentStatusReport: Sendable {
    /// The JSON schema version of ``json`` (Docs/operations.md, "Status"). Bumped only when a member is removed
    /// or changes meaning; members may be added within a version.
    public static let schemaVersion = 1
    /// An outbox whose oldest pending event has waited longer than this is degraded (delivery is stuck or
    /// far behind).
    public static let stalledOutboxAge: TimeInterval = 300

    /// The adapter serving Dojo.
    public struct Adapter: Sendable {
        /// `demo`, `process` or `embedded`.
        public var kind: String
        /// What it is: `demo`, the process's command, an embedded adapter's type.
        public var name: String
        /// `ready`, `starting`, `restarting`, `notStarted`, `stopped` (in-process adapters are always `ready`).
        public var state: String
        /// One line for people.
        public var description: String
        /// The adapter process's id, while one runs (nil in process).
        public var pid: Int32?
        /// Processes started after the first.
        public var restarts: Int
        /// How the last process ended.
        public var lastError: String?

        public init(
            kind: String,
            name: String,
            state: String,
            description: String,
            pid: Int32? = nil,
            restarts: Int = 0,
            lastError: String? = nil
        ) {
            self.kind = kind
            self.name = name
            self.state = state
            self.description = description
            self.pid = pid
            self.restarts = restarts
            self.lastError = lastError
        }
    }

    /// The watchdog's view of the long loops.
    public struct Watchdog: Sendable {
        /// The loops that answer probes.
        public var loops: [String]
        /// Loops that have not answered the latest probe, and for how long (seconds).
        public var silent: [(loop: String, seconds: Double)]
        /// Seconds since the last probe round; nil when the systemd watchdog is off (no rounds run).
        public var lastRoundSecondsAgo: Double?

        public init(loops: [String], silent: [(loop: String, seconds: Double)], lastRoundSecondsAgo: Double?) {
            self.loops = loops
            self.silent = silent
            self.lastRoundSecondsAgo = lastRoundSecondsAgo
        }
    }

    public var now: Date
    public var startedAt: Date
    public var pid: Int32
    public var version: String
    public var session: SessionStatus.Snapshot
    public var requests: [RequestStatistics.Method]
    public var adapter: Adapter
    /// Nil when the outbox could not be read (`outboxError` says why).
    public var outbox: OutboxStatistics?
    public var outboxError: String?
    public var outboxQuarantinedFile: String?
    public var delivery: Publisher.Status
    public var registration: Registrar.Status
    /// Where the metrics endpoint listens; nil when it is off.
    public var metrics: MetricsListenAddress?
    public var watchdog: Watchdog

    public init(
        now: Date,
        startedAt: Date,
        pid: Int32,
        version: String,
        session: SessionStatus.Snapshot,
        requests: [RequestStatistics.Method],
        adapter: Adapter,
        outbox: OutboxStatistics?,
        outboxError: String? = nil,
        outboxQuarantinedFile: String? = nil,
        delivery: Publisher.Status,
        registration: Registrar.Status,
        metrics: MetricsListenAddress? = nil,
        watchdog: Watchdog
    ) {
        self.now = now
        self.startedAt = startedAt
        self.pid = pid
        self.version = version
        self.session = session
        self.requests = requests
        self.adapter = adapter
        self.outbox = outbox
        self.outboxError = outboxError
        self.outboxQuarantinedFile = outboxQuarantinedFile
        self.delivery = delivery
        self.registration = registration
        self.metrics = metrics
        self.watchdog = watchdog
    }

    /// Whether the session is connected to Dojo now.
    public var isConnected: Bool {
        if case .connected = self.session.state { return true }
        return false
    }

    /// What is wrong, one line each, for people and for the exit status: empty when the agent is healthy.
    /// Degraded means: not connected to Dojo; the adapter not ready; the last capability registration failed;
    /// dead-lettered events waiting for an operator; the oldest pending event older than ``stalledOutboxAge``;
    /// the outbox unreadable; a loop not answering the watchdog.
    public var problems: [String] {
        var problems: [String] = []
        if !self.isConnected { problems.append("session: \(self.session.state)") }
        if self.adapter.state != "ready" { problems.append("adapter: \(self.adapter.description)") }
        if self.registration.isEnabled, let error = self.registration.lastError {
            problems.append("registration: \(error)")
        }
        if let error = self.outboxError { problems.append("outbox: cannot be read: \(error)") }
        if let outbox = self.outbox {
            if outbox.dead > 0 {
                problems.append(
                    "outbox: \(outbox.dead) dead-lettered event\(outbox.dead == 1 ? "" : "s"); see 'dojo-agent queue list'"
                )
            }
            if let age = outbox.oldestPendingAge, age > Self.stalledOutboxAge {
                problems.append("outbox: the oldest pending event has waited \(Int(age)) s")
            }
        }
        for silent in self.watchdog.silent {
            problems.append("watchdog: loop \(silent.loop) has not answered for \(Int(silent.seconds)) s")
        }
        return problems
    }

    /// The stable machine-readable form (schema ``schemaVersion``; every member is documented in
    /// Docs/operations.md). Times are ISO 8601 UTC, durations in seconds, latencies in milliseconds; a member that
    /// does not apply is `null`, never missing.
    public var json: [String: JSONValue] {
        let problems = self.problems
        return [
            "schema": .integer(Int64(Self.schemaVersion)),
            "agent": .object([
                "version": .string(self.version),
                "pid": .integer(Int64(self.pid)),
                "startedAt": Self.time(self.startedAt),
                "uptimeSeconds": .double(Self.rounded(self.now.timeIntervalSince(self.startedAt))),
            ]),
            "health": .object([
                "state": .string(problems.isEmpty ? "ok" : "degraded"),
                "problems": .array(problems.map(JSONValue.string)),
            ]),
            "session": self.sessionJSON,
            "requests": self.requestsJSON,
            "adapter": .object([
                "kind": .string(self.adapter.kind),
                "name": .string(self.adapter.name),
                "state": .string(self.adapter.state),
                "description": .string(self.adapter.description),
                "pid": self.adapter.pid.map { .integer(Int64($0)) } ?? .null,
                "restarts": .integer(Int64(self.adapter.restarts)),
                "lastError": Self.optional(self.adapter.lastError),
            ]),
            "outbox": .object([
                "pending": self.outbox.map { .integer(Int64($0.pending)) } ?? .null,
                "dead": self.outbox.map { .integer(Int64($0.dead)) } ?? .null,
                "oldestPendingSeconds": self.outbox?.oldestPendingAge.map { .double(Self.rounded($0)) } ?? .null,
                "readError": Self.optional(self.outboxError),
                "quarantinedFile": Self.optional(self.outboxQuarantinedFile),
                "inFlight": .integer(Int64(self.delivery.inFlight)),
                "delivered": .integer(Int64(self.delivery.delivered)),
                "deadLettered": .integer(Int64(self.delivery.deadLettered)),
                "failedAttempts": .integer(Int64(self.delivery.failedAttempts)),
                "lastDeliveryAt": self.delivery.lastDeliveryAt.map(Self.time) ?? .null,
                "lastError": Self.optional(self.delivery.lastFailure),
                "lastErrorAt": self.delivery.lastFailureAt.map(Self.time) ?? .null,
            ]),
            "registration": .object([
                "enabled": .bool(self.registration.isEnabled),
                "state": .string(self.registrationState),
                "capabilities": self.registration.registered.map { .integer(Int64($0.count)) } ?? .null,
                "registeredAt": self.registration.registeredAt.map(Self.time) ?? .null,
                "lastError": Self.optional(self.registration.lastError),
            ]),
            "metrics": .object(["listen": self.metrics.map { .string("\($0)") } ?? .null]),
            "watchdog": .object([
                "enabled": .bool(self.watchdog.lastRoundSecondsAgo != nil),
                "lastRoundSecondsAgo": self.watchdog.lastRoundSecondsAgo.map { .double(Self.rounded($0)) } ?? .null,
                "loops": .array(self.watchdog.loops.map(JSONValue.string)),
                "silent": .array(
                    self.watchdog.silent.map {
                        .object(["loop": .string($0.loop), "seconds": .double(Self.rounded($0.seconds))])
                    }
                ),
            ]),
        ]
    }

    /// `disabled`, `registered` (Dojo accepted the set wanted now), `failed` (the last attempt failed) or
    /// `pending` (not sent or not answered yet).
    public var registrationState: String {
        let registration = self.registration
        if !registration.isEnabled { return "disabled" }
        if registration.lastError != nil { return "failed" }
        if let registered = registration.registered, registration.wanted == nil || registration.wanted == registered {
            return "registered"
        }
        return "pending"
    }

    /// The session state's stable name.
    public var sessionStateName: String {
        switch self.session.state {
        case .starting: "starting"
        case .waitingForAdapter: "waitingForAdapter"
        case .connecting: "connecting"
        case .connected: "connected"
        case .waiting: "waiting"
        case .authRejected: "authRejected"
        case .stopped: "stopped"
        }
    }

    private var sessionJSON: JSONValue {
        let session = self.session
        return .object([
            "state": .string(self.sessionStateName),
            "description": .string(session.state.description),
            "since": Self.time(session.stateSince),
            "connections": .integer(Int64(session.connections)),
            "reconnects": .integer(Int64(session.reconnects)),
            "handshakeRejections": .integer(Int64(session.handshakeRejections)),
            "lastDisconnect": session.lastDisconnectAt.map { at in
                .object([
                    "at": Self.time(at),
                    "reason": Self.optional(session.lastError),
                    "closeCode": session.lastCloseCode.map { .integer(Int64($0)) } ?? .null,
                ])
            } ?? .null,
        ])
    }

    private var requestsJSON: JSONValue {
        let methods = self.requests
        return .object([
            "total": .integer(Int64(methods.reduce(0) { $0 + $1.count })),
            "errors": .integer(Int64(methods.reduce(0) { $0 + $1.errors })),
            "methods": .array(
                methods.map { method in
                    .object([
                        "method": .string(method.name),
                        "count": .integer(Int64(method.count)),
                        "errors": .object(
                            Dictionary(
                                uniqueKeysWithValues: method.outcomes.filter { $0.outcome != "ok" }.map {
                                    ($0.outcome, JSONValue.integer(Int64($0.count)))
                                }
                            )
                        ),
                        "p50Ms": method.quantile(0.5).map { .double(Self.rounded($0 * 1000)) } ?? .null,
                        "p99Ms": method.quantile(0.99).map { .double(Self.rounded($0 * 1000)) } ?? .null,
                    ])
                }
            ),
        ])
    }

    private static func optional(_ text: String?) -> JSONValue {
        text.map(JSONValue.string) ?? .null
    }

    static func time(_ date: Date) -> JSONValue {
        .string(iso8601(date))
    }

    /// ISO 8601 UTC with milliseconds (`2026-12-02T00:53:14.120Z`): how every time in `status --json` and
    /// `queue list --json` is written.
    public static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Three decimals: enough for milliseconds, short to read.
    static func rounded(_ value: Double) -> Double {
        (value * 1000).rounded() / 1000
    }
}
