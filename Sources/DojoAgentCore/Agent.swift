public import AgentSupport
public import DojoAdapter
public import DojoProtocol
public import Foundation
public import Logging
public import ServiceLifecycle
import Transport

/// The agent: the composition root, itself a `Service`.
///
/// Runs, as one group, the session to Dojo (which serves Dojo's requests through the adapter), what the adapter
/// runs alongside (``POSAdapter/runAlongsideAgent()``: the process adapter's child), and the services the other
/// parts of the agent add. The agent knows adapters only through `POSAdapter`: whoever assembles the program builds
/// one (`dojo-agent run` builds the one `[adapter]` names; a Swift POS passes its own):
///
/// ```swift
/// let configuration = try AgentConfiguration.load(file: "/etc/dojo-agent/agent.conf").configuration
/// var logger = Logger(label: "dojo")
/// logger.logLevel = configuration.logLevel  // agent.log_level: applied by whoever makes the logger (here, you)
/// let agent = try Agent(configuration: configuration, adapter: MyPOSAdapter(), logger: logger)
/// try await ServiceGroup(services: [agent], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
///
/// The agent logs through the `logger` it is given and never changes its level: `dojo-agent run` applies
/// `agent.log_level` to the logger it makes; an embedding program applies it (or its own choice) itself.
///
/// Graceful shutdown stops the session first (no new requests; in-flight ones finish; close with 1001, going away), then the
/// services it depends on.
public struct Agent: Service {
    public let configuration: AgentConfiguration
    /// The session's live status.
    public let sessionStatus = SessionStatus()
    /// Dojo's requests by method and outcome, with their latencies (`status`, metrics).
    public let requestStatistics = RequestStatistics()
    /// When this agent was made (its uptime's start).
    public let startedAt = Date()
    /// Where the metrics endpoint listens once it does (`metrics.listen`, with the port bound); nil when off.
    let metricsAddress = PThreadLock<MetricsListenAddress?>(nil)
    /// The durable POS event queue; `publish` puts events in it.
    public let outbox: Outbox
    /// Completed once the control socket accepts connections (`notify`, `status`); the natural moment to tell
    /// systemd the agent is ready.
    public let controlSocketReady = Completion()
    /// The long loops' liveness, for the systemd watchdog (`SystemdNotifyService`): the session's lws service
    /// thread, the publisher, the control server's request loop and a process adapter's supervisor register here
    /// when `run` starts them.
    public let liveness = Liveness()
    /// Test hooks (`DOJO_AGENT_TEST_HOOKS=1` for `dojo-agent run`): the control command `test-wedge` with a
    /// `loop` field wedges that loop on purpose, so a test sees the watchdog stop petting.
    public var testHooks = false
    /// The POS adapter serving Dojo's requests.
    public let adapter: any POSAdapter
    let logger: Logger

    /// Prepares the state directory and opens the outbox, so events can be published before `run` starts.
    /// - Parameters:
    ///   - adapter: the POS adapter to serve Dojo with.
    /// - Throws: `AgentConfigurationError` when the state directory cannot be created, `OutboxError` when the outbox
    ///   cannot be opened (a damaged one is moved aside and a new one started, see Docs/outbox.md).
    public init(configuration: AgentConfiguration, adapter: any POSAdapter, logger: Logger) throws {
        try self.init(configuration: configuration, logger: logger) { _ in adapter }
    }

    /// The same, for an adapter that needs the agent's outbox (the process adapter publishes the events its
    /// process sends through it): `makeAdapter` is called once the outbox is open.
    /// - Throws: what `makeAdapter` throws, and as ``init(configuration:adapter:logger:)``.
    public init(
        configuration: AgentConfiguration,
        logger: Logger,
        makeAdapter: (_ outbox: Outbox) throws -> any POSAdapter
    ) throws {
        self.configuration = configuration
        self.logger = logger
        try Self.prepareStateDirectory(configuration.stateDirectory)
        var outboxLogger = logger
        outboxLogger[metadataKey: "component"] = "dojo.outbox"
        self.outbox = try Outbox.open(path: configuration.outboxDatabasePath, logger: outboxLogger)
        self.adapter = try makeAdapter(self.outbox)
    }

    /// Tells Dojo that a POS entity changed: returns once the event is durable on disk. Dojo fetches the entity
    /// back through the adapter (`Get…ByIdV1`); a NotFound there tells Dojo it was deleted.
    /// - Throws: `OutboxError` (for example, the disk is full); nothing was stored in that case.
    public func publish(_ event: PosEvent) async throws {
        try await self.outbox.publish(event)
    }

    public func run() async throws {
        let store = try AgentStore(path: self.configuration.agentDatabasePath)
        try? await store.pruneHandledEvents(olderThan: .seconds(30 * 24 * 3600))
        let adapter = self.adapter

        var dispatch = Dispatcher<ContinuousClock>.Configuration()
        dispatch.requestTimeout = self.configuration.session.requestTimeout
        dispatch.maxInFlight = self.configuration.session.maxInFlight
        dispatch.replayWindow = self.configuration.session.replayWindow
        dispatch.statistics = self.requestStatistics
        let dispatcher = Dispatcher(
            adapter: adapter,
            store: store,
            configuration: dispatch,
            clock: ContinuousClock(),
            logger: self.child("dojo.agent.dispatch")
        )
        let endpoint = try WebSocketEndpoint(
            url: self.configuration.dojo.webSocketURL,
            headers: self.configuration.dojo.handshakeHeaders
        )
        // The CA file is one setting for both the WebSocket and HTTPS (dojo.ca_file), whichever way the
        // configuration was built.
        var webSocket = self.configuration.webSocket
        webSocket.tls = TLSConfiguration(caFile: self.configuration.dojo.caFile)
        var session = Session(
            endpoint: endpoint,
            webSocket: webSocket,
            dispatcher: dispatcher,
            status: self.sessionStatus,
            clock: ContinuousClock(),
            logger: self.child("dojo.agent.session")
        )
        session.reconnectPolicy = self.configuration.session.reconnectPolicy
        session.authPolicy = self.configuration.session.authRetryPolicy
        let dojo = self.configuration.dojo
        let api = DojoAPIConfiguration(
            baseURL: dojo.apiBaseURL,
            apiKey: dojo.apiKey.value,
            softwareHouseID: dojo.softwareHouseID,
            resellerID: dojo.resellerID,
            apiVersion: dojo.apiVersion
        )
        var http = HTTPClientConfiguration()
        http.tls = TLSConfiguration(caFile: dojo.caFile)
        self.logger.notice(
            "dojo-agent starting",
            metadata: [
                "ws.url": "\(endpoint)", "api.url": "\(dojo.apiBaseURL)",
                "adapter": "\(adapter.adapterStatus)",
                "capabilities": "\(adapter.capabilities.count)", "state": "\(self.configuration.stateDirectory)",
            ]
        )
        try await HTTPClient.withClient(configuration: http, logger: self.child("dojo.http")) { http in
            var publishing = Publisher.Configuration()
            publishing.maxInFlight = self.configuration.outbox.maxInFlight
            publishing.drainRate = self.configuration.outbox.drainRate
            publishing.drainBurst = self.configuration.outbox.drainBurst
            publishing.retry = RetryPolicy(
                maxAttempts: self.configuration.outbox.maxAttempts,
                maxAge: self.configuration.outbox.maxAge
            )
            let publisher = Publisher(
                outbox: self.outbox,
                http: http,
                api: api,
                configuration: publishing,
                logger: self.child("dojo.publisher")
            )
            let registrar = Registrar(
                // Known once the adapter declares them (a process at initialize, and again after each restart).
                capabilities: nil,
                updates: adapter.capabilityUpdates(),
                isEnabled: dojo.registerCapabilities,
                http: http,
                api: api,
                logger: self.child("dojo.registrar")
            )
            let control = ControlServer(
                socketPath: self.configuration.controlSocketPath,
                handlers: [
                    "notify": ControlCommands.notify(outbox: self.outbox),
                    "wake": ControlCommands.wake(publisher: publisher),
                    "status": self.statusHandler(publisher: publisher, registrar: registrar),
                ].merging(self.testHooks ? ["test-wedge": self.wedgeHandler()] : [:]) { first, _ in first },
                logger: self.child("dojo.control"),
                onListening: { [ready = self.controlSocketReady] in ready.complete() },
                groupAccess: self.configuration.controlSocketGroupAccess
            )
            self.liveness.register("session") { [session] in session.probe($0) }
            self.liveness.register("publisher") { publisher.probe($0) }
            self.liveness.register("control") { control.probe($0) }
            if let probe = adapter.livenessProbe { self.liveness.register("adapter", probe: probe) }
            // Shut down in reverse order: the session stops first (no new requests, in-flight ones finish, close
            // 1001) while the publisher, registrar and control socket it may use still run.
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: control),
                .init(service: publisher),
            ]
            if let listen = self.configuration.metrics.listen {
                let report: @Sendable () async -> AgentStatusReport = {
                    await self.statusReport(publisher: publisher, registrar: registrar)
                }
                let service = MetricsService(
                    address: listen,
                    report: report,
                    onListening: { [bound = self.metricsAddress] address in bound.withLock { $0 = address } },
                    logger: self.child("dojo.metrics")
                )
                services.append(.init(service: service))
            }
            // What the adapter runs (a process) outlives the session: listed before it, it stops after it. Most
            // adapters run nothing: their `runAlongsideAgent` returns at once, which must not end the agent.
            services.append(.init(service: AdapterService(adapter: adapter), successTerminationBehavior: .ignore))
            var group = ServiceGroupConfiguration(
                services: services + [
                    // Registration finishes once Dojo has the set (or at once when disabled): that must not end
                    // the agent.
                    .init(service: registrar, successTerminationBehavior: .ignore),
                    .init(service: LiveSession(session: session)),
                ],
                logger: self.logger
            )
            // In-flight requests get their deadline to finish; then whatever is still running is cancelled.
            group.maximumGracefulShutdownDuration = self.configuration.session.requestTimeout + .seconds(5)
            try await ServiceGroup(configuration: group).run()
        }
    }

    /// `dojo-agent status`: the ``AgentStatusReport`` (Docs/operations.md, "Status"). Never the API key.
    private func statusHandler(
        publisher: Publisher,
        registrar: Registrar
    ) -> ControlCommandHandler {
        { _ in
            .success(
                await self.statusReport(publisher: publisher, registrar: registrar).json
            )
        }
    }

    /// `test-wedge {"loop": name}`: the next liveness probe of that loop blocks its thread for ever.
    private func wedgeHandler() -> ControlCommandHandler {
        { request in
            let name = request.fields["loop"]?.stringValue ?? ""
            guard self.liveness.wedge(name) else {
                return .failure("no loop \"\(name)\"; loops: \(self.liveness.names.joined(separator: ", "))")
            }
            self.logger.warning("test hook: wedging a loop on purpose", metadata: ["loop": "\(name)"])
            return .success(["wedged": .string(name)])
        }
    }

    private func child(_ label: String) -> Logger {
        var logger = self.logger
        logger[metadataKey: "component"] = "\(label)"
        return logger
    }

    /// Creates the state directory (owner-only) if needed.
    static func prepareStateDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw AgentConfigurationError(key: "agent.state_directory", "'\(path)' exists and is not a directory")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: path,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw AgentConfigurationError(key: "agent.state_directory", "cannot create '\(path)': \(error)")
        }
    }
}

/// Runs ``POSAdapter/runAlongsideAgent()`` in the agent's service group.
struct AdapterService: Service {
    let adapter: any POSAdapter

    func run() async throws {
        try await self.adapter.runAlongsideAgent()
    }
}

/// The session as the service group runs it. The group calls `run()` through the `Service` existential, and the
/// generic `Session<C>` reached that way runs unspecialised: every request then paid for generic metadata lookups
/// and value-witness copies in the dispatcher, replay cache and deadline queue. This concrete wrapper calls
/// `Session<ContinuousClock>.run()` directly, so the compiler specialises the whole request path for the clock
/// the agent uses (tests still drive `Session` and `Dispatcher` with a manual clock).
private struct LiveSession: Service {
    let session: Session<ContinuousClock>

    func run() async throws {
        try await self.session.run()
    }
}
