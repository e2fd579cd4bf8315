public import DojoAdapter
import DojoProtocol
import Foundation
public import Logging
public import ServiceLifecycle
import Transport

/// The agent: the composition root, itself a `Service`.
///
/// Runs, as one group, the session to Dojo (which serves Dojo's requests through the adapter), and the services
/// the other parts of the agent add. Embed it in a Swift POS by passing your own `POSAdapter`:
///
/// ```swift
/// let configuration = try AgentConfiguration.load(file: "/etc/dojo-agent/agent.conf").configuration
/// let agent = Agent(configuration: configuration, adapter: MyPOSAdapter(), logger: Logger(label: "dojo"))
/// try await ServiceGroup(services: [agent], gracefulShutdownSignals: [.sigterm], logger: logger).run()
/// ```
///
/// Graceful shutdown stops the session first (no new requests; in-flight ones finish; close with 1000), then the
/// services it depends on.
public struct Agent: Service {
    public let configuration: AgentConfiguration
    /// The session's live status.
    public let sessionStatus = SessionStatus()
    let adapterOverride: (any POSAdapter)?
    let logger: Logger

    /// - Parameters:
    ///   - adapter: the POS adapter to serve Dojo with; nil builds the one `configuration.adapter` names.
    public init(configuration: AgentConfiguration, adapter: (any POSAdapter)? = nil, logger: Logger) {
        self.configuration = configuration
        self.adapterOverride = adapter
        self.logger = logger
    }

    public func run() async throws {
        try Self.prepareStateDirectory(self.configuration.stateDirectory)
        let store = try AgentStore(path: self.configuration.agentDatabasePath)
        try? await store.pruneHandledEvents(olderThan: .seconds(30 * 24 * 3600))
        let adapter = try self.adapterOverride ?? self.makeAdapter()

        var dispatch = Dispatcher<ContinuousClock>.Configuration()
        dispatch.requestTimeout = self.configuration.session.requestTimeout
        dispatch.maxInFlight = self.configuration.session.maxInFlight
        dispatch.replayWindow = self.configuration.session.replayWindow
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
        let session = Session(
            endpoint: endpoint,
            webSocket: self.configuration.webSocket,
            dispatcher: dispatcher,
            status: self.sessionStatus,
            clock: ContinuousClock(),
            logger: self.child("dojo.agent.session")
        )
        self.logger.notice(
            "dojo-agent starting",
            metadata: [
                "ws.url": "\(endpoint)", "adapter": "\(self.configuration.adapter.kind)",
                "capabilities": "\(adapter.capabilities.count)", "state": "\(self.configuration.stateDirectory)",
            ]
        )
        // Shut down in reverse: the session (listed last) stops first, while what it uses is still running.
        let services: [any Service] = [session]
        let group = ServiceGroup(
            configuration: {
                var group = ServiceGroupConfiguration(
                    services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                    logger: self.logger
                )
                // In-flight requests get their deadline to finish; then whatever is still running is cancelled.
                group.maximumGracefulShutdownDuration = self.configuration.session.requestTimeout + .seconds(5)
                return group
            }()
        )
        try await group.run()
    }

    func makeAdapter() throws -> any POSAdapter {
        throw AgentConfigurationError(
            key: "adapter.kind",
            "the \(self.configuration.adapter.kind) adapter is not available in this build"
        )
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
