import AgentSupport
public import DojoAdapter
public import DojoProtocol
public import Logging
public import ServiceLifecycle

/// A POS adapter running as a child process, in any language, spoken to in newline-delimited JSON-RPC 2.0 over its
/// stdin and stdout with Dojo's own method names and params (`Docs/adapter-protocol.md`).
///
/// It is both the agent's `POSAdapter` (each method forwards the request to the process and maps the answer) and a
/// `Service` whose `run()` owns the process: it starts the command, exchanges `initialize`, copies the process's
/// stderr to the log line by line, pings it, and when it crashes or hangs fails what was pending with an error
/// Dojo sees as `UnexpectedError`, kills it if needed and starts it again after a growing, jittered delay. None of
/// this touches the agent's session to Dojo.
///
/// ```swift
/// let adapter = ProcessAdapter(
///     configuration: ProcessAdapterConfiguration(command: ["python3", "adapter.py"]),
///     agentVersion: "1.0.0",
///     logger: Logger(label: "dojo.adapter.process"),
///     publish: { event in try await outbox.enqueue(event) }     // durable before it returns
/// )
/// // Run it in the agent's ServiceGroup, listed before the session so it stops after it.
/// for await capabilities in adapter.capabilityUpdates() { try await register(capabilities) }
/// ```
///
/// Invariants:
/// - A request is only sent to a process that has answered `initialize`; before that it waits at most
///   ``ProcessAdapterConfiguration/readyTimeout``.
/// - Every request ends: with the process's answer, with ``ProcessAdapterError`` when the process ends or hangs,
///   or with cancellation. A hang (no answer within ``ProcessAdapterConfiguration/hangTimeout``, or an unanswered
///   health ping) kills the process, so the requests behind it fail fast instead of each waiting its own timeout.
/// - An event the process publishes with a request (`agent/publishEvent` with an id) is answered only after the
///   `publish` closure returned: a success answer means the event is stored.
public final class ProcessAdapter: POSAdapter, Service {
    /// Stores a POS change event durably (the outbox's enqueue); throwing refuses it and the process is told.
    public typealias EventPublisher = @Sendable (PosEvent) async throws -> Void

    /// The protocol version the agent speaks; the process must answer `initialize` with the same.
    public static let protocolVersion = "1"

    /// How the process is run.
    public let configuration: ProcessAdapterConfiguration
    let agentName: String
    let agentVersion: String
    let logger: Logger
    let clock: any Clock<Duration>
    let publish: EventPublisher
    let statusBroadcast = ValueBroadcast<ProcessAdapterStatus>(
        ProcessAdapterStatus(state: .notStarted, incarnation: 0)
    )
    let capabilityBroadcast = ValueBroadcast<Set<Capability>>(nil)
    let shared = PThreadLock(Shared())

    struct Shared {
        /// The initialised process requests go to.
        var readyLink: AdapterProcessLink?
        /// The process running now, initialised or not (to deliver a shutdown request).
        var liveLink: AdapterProcessLink?
        var shuttingDown = false
        var stopped = false
    }

    /// Creates the adapter; nothing starts until ``run()``.
    ///
    /// - Parameters:
    ///   - configuration: The command and timeouts. `command` must not be empty.
    ///   - agentName: Sent in `initialize` so the process can log who it talks to.
    ///   - agentVersion: Sent in `initialize`.
    ///   - logger: Where the process's life, failures and stderr go (label `dojo.adapter.process` by convention).
    ///   - clock: Times timeouts, health checks and restart delays.
    ///   - publish: Called with each POS change event the process publishes; must store it durably before
    ///     returning (the outbox's enqueue).
    public init(
        configuration: ProcessAdapterConfiguration,
        agentName: String = "dojo-agent",
        agentVersion: String,
        logger: Logger,
        clock: any Clock<Duration> = ContinuousClock(),
        publish: @escaping EventPublisher
    ) {
        precondition(!configuration.command.isEmpty, "BUG: the configuration must refuse an empty adapter.command")
        self.configuration = configuration
        self.agentName = agentName
        self.agentVersion = agentVersion
        self.logger = logger
        self.clock = clock
        self.publish = publish
    }

    // MARK: - Capabilities and status

    /// The capabilities the current (or, while it restarts, the last) process declared; empty before the first
    /// process answered `initialize`.
    public var capabilities: Set<Capability> { capabilityBroadcast.value ?? [] }

    /// The declared capabilities, first as they are now (once a process has declared them), then each time a
    /// new process declares a different set; ends when ``run()`` returns. Re-register with Dojo on each value.
    public func capabilityUpdates() -> AsyncStream<Set<Capability>> {
        capabilityBroadcast.updates()
    }

    /// What the adapter is doing now.
    public var status: ProcessAdapterStatus {
        statusBroadcast.value ?? ProcessAdapterStatus(state: .notStarted, incarnation: 0)
    }

    /// The status as the agent shows it: the command, the running process's id, restarts and the last exit.
    public var adapterStatus: AdapterStatus {
        let status = self.status
        return AdapterStatus(
            kind: .process,
            name: self.configuration.command.first ?? "?",
            isReady: status.isReady,
            processID: status.processID,
            restarts: max(0, status.incarnation - 1),
            lastError: status.lastExit,
            detail: status.description
        )
    }

    /// The supervisor's loop, for the watchdog (``probe(_:)``).
    public var livenessProbe: (@Sendable (_ answer: @escaping @Sendable () -> Void) -> Void)? {
        { answer in self.probe(answer) }
    }

    /// Runs the process for as long as the agent serves: ``run()``.
    public func runAlongsideAgent() async throws {
        try await self.run()
    }

    /// The status now, then each change; ends when ``run()`` returns.
    public func statusUpdates() -> AsyncStream<ProcessAdapterStatus> {
        statusBroadcast.updates()
    }

    // MARK: - Requests

    /// Sends one request to the process and decodes its answer.
    func perform(_ request: DojoRequest, context: RequestContext) async throws -> DojoResult {
        let method = request.method
        // Wait for a process first: before the first `initialize` nothing is declared yet.
        let link = try await readyLink()
        guard let capability = request.requiredCapability, capabilities.contains(capability) else {
            throw AdapterError.notImplemented(method)
        }
        let answer = try await link.call(
            method.wireName,
            params: request.params,
            timeout: configuration.hangTimeout,
            clock: clock
        )
        switch answer {
        case .error(let remote):
            throw remote.adapterError(for: method)
        case .result(let json):
            do {
                return try DojoResult(json: json, for: method)
            } catch {
                logger.error(
                    "adapter process answered with an invalid result",
                    metadata: [
                        "rpc.method": "\(method.wireName)", "rpc.id": .quoted(context.requestID.text),
                        "adapter.reason": .quoted(error.message),
                    ]
                )
                throw ProcessAdapterError(
                    .invalidResponse,
                    "\(method.wireName) answered with an invalid result: \(error.message)"
                )
            }
        }
    }

    /// Returns once the first process has answered `initialize` (its capabilities are then known), however long
    /// starting takes: a slow start, or restarts after crashes, delay the agent's connection to Dojo rather than
    /// fail Dojo's requests. Throws when the adapter stops first.
    public func waitUntilReady() async throws {
        for await status in self.statusBroadcast.updates() {
            if status.isReady { return }
            if status.state == .stopped { break }
        }
        try Task.checkCancellation()
        throw ProcessAdapterError(.shuttingDown, "the adapter stopped before a process was initialised (\(status))")
    }

    /// The initialised process, waiting for one at most `readyTimeout`.
    func readyLink() async throws -> AdapterProcessLink {
        if let link = try currentReadyLink() { return link }
        let waited = try await withThrowingTaskGroup(of: AdapterProcessLink?.self) { group in
            group.addTask {
                for await _ in self.statusBroadcast.updates() {
                    if let link = try self.currentReadyLink() { return link }
                }
                return nil
            }
            group.addTask {
                try await self.clock.sleep(for: self.configuration.readyTimeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        if let waited { return waited }
        // The status stream also ends when the adapter stops: say so rather than "not ready".
        if let link = try currentReadyLink() { return link }
        throw ProcessAdapterError(
            .notReady,
            "no initialised adapter process within \(formatDuration(configuration.readyTimeout)) (\(status))"
        )
    }

    private func currentReadyLink() throws -> AdapterProcessLink? {
        try shared.withLock { shared in
            if shared.stopped || shared.shuttingDown {
                throw ProcessAdapterError(.shuttingDown, "the adapter is stopping")
            }
            return shared.readyLink
        }
    }

    // MARK: - POSAdapter

    /// Forwards `CreateReservationV1`.
    public func createReservation(
        _ request: CreateReservationRequest,
        context: RequestContext
    ) async throws -> Reservation {
        guard case .reservation(let value) = try await perform(.createReservation(request), context: context) else {
            Self.wrongShape(.createReservation)
        }
        return value
    }

    /// Forwards `UpdateReservationV1`.
    public func updateReservation(
        _ request: UpdateReservationRequest,
        context: RequestContext
    ) async throws -> Reservation {
        guard case .reservation(let value) = try await perform(.updateReservation(request), context: context) else {
            Self.wrongShape(.updateReservation)
        }
        return value
    }

    /// Forwards `DeleteReservationByIdV1`.
    public func deleteReservation(_ request: DeleteReservationByIDRequest, context: RequestContext) async throws {
        _ = try await perform(.deleteReservation(request), context: context)
    }

    /// Forwards `GetReservationByIdV1`.
    public func getReservation(
        _ request: GetReservationByIDRequest,
        context: RequestContext
    ) async throws -> Reservation {
        guard case .reservation(let value) = try await perform(.getReservation(request), context: context) else {
            Self.wrongShape(.getReservation)
        }
        return value
    }

    /// Forwards `SearchReservationsV1`.
    public func searchReservations(
        _ request: SearchReservationsRequest,
        context: RequestContext
    ) async throws -> Page<Reservation> {
        guard case .reservations(let value) = try await perform(.searchReservations(request), context: context) else {
            Self.wrongShape(.searchReservations)
        }
        return value
    }

    /// Forwards `CreatePartyV1`.
    public func createParty(_ request: CreatePartyRequest, context: RequestContext) async throws -> Party {
        guard case .party(let value) = try await perform(.createParty(request), context: context) else {
            Self.wrongShape(.createParty)
        }
        return value
    }

    /// Forwards `UpdatePartyV1`.
    public func updateParty(_ request: UpdatePartyRequest, context: RequestContext) async throws -> Party {
        guard case .party(let value) = try await perform(.updateParty(request), context: context) else {
            Self.wrongShape(.updateParty)
        }
        return value
    }

    /// Forwards `DeletePartyByIdV1`.
    public func deleteParty(_ request: DeletePartyByIDRequest, context: RequestContext) async throws {
        _ = try await perform(.deleteParty(request), context: context)
    }

    /// Forwards `GetPartyByIdV1`.
    public func getParty(_ request: GetPartyByIDRequest, context: RequestContext) async throws -> Party {
        guard case .party(let value) = try await perform(.getParty(request), context: context) else {
            Self.wrongShape(.getParty)
        }
        return value
    }

    /// Forwards `SearchPartiesV1`.
    public func searchParties(_ request: SearchPartiesRequest, context: RequestContext) async throws -> Page<Party> {
        guard case .parties(let value) = try await perform(.searchParties(request), context: context) else {
            Self.wrongShape(.searchParties)
        }
        return value
    }

    /// Forwards `SearchTablesV1`.
    public func searchTables(_ request: SearchTablesRequest, context: RequestContext) async throws -> Page<Table> {
        guard case .tables(let value) = try await perform(.searchTables(request), context: context) else {
            Self.wrongShape(.searchTables)
        }
        return value
    }

    /// Forwards `ListAreasV1`.
    public func listAreas(_ request: ListAreasRequest, context: RequestContext) async throws -> [Area] {
        guard case .areas(let value) = try await perform(.listAreas(request), context: context) else {
            Self.wrongShape(.listAreas)
        }
        return value
    }

    /// Forwards `GetOrderByIdV1`.
    public func getOrder(_ request: GetOrderByIDRequest, context: RequestContext) async throws -> Order {
        guard case .order(let value) = try await perform(.getOrder(request), context: context) else {
            Self.wrongShape(.getOrder)
        }
        return value
    }

    /// Forwards `SearchOrdersV1`.
    public func searchOrders(_ request: SearchOrdersRequest, context: RequestContext) async throws -> Page<Order> {
        guard case .orders(let value) = try await perform(.searchOrders(request), context: context) else {
            Self.wrongShape(.searchOrders)
        }
        return value
    }

    /// Forwards `HandleEventV1`.
    public func handleEvent(_ request: HandleEventRequest, context: RequestContext) async throws {
        _ = try await perform(.handleEvent(request), context: context)
    }

    private static func wrongShape(_ method: DojoMethod) -> Never {
        preconditionFailure("BUG: DojoResult(json:for: \(method)) decoded a result of another method's shape")
    }
}
