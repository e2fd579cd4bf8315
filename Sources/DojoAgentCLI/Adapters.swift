import DemoPOS
import DojoAdapter
import DojoAgentCore
import DojoProcessAdapter
import Logging

/// The adapter `[adapter]` names, built where the program is assembled: the agent core knows adapters only as
/// `POSAdapter`, so it depends on neither the demo POS nor the process adapter.
enum Adapters {
    /// The built-in demo POS, or a vendor's process (publishing its events into `outbox`).
    /// - Throws: `AgentConfigurationError` (`adapter.demo_database`) when the demo POS cannot be opened.
    static func make(
        configuration: AgentConfiguration,
        outbox: Outbox,
        logger: Logger
    ) throws -> any POSAdapter {
        switch configuration.adapter.kind {
        case .demo:
            do {
                return try DemoPOS(path: configuration.demoDatabasePath, logger: Self.child(logger, "dojo.demo-pos"))
            } catch {
                throw AgentConfigurationError(
                    key: "adapter.demo_database",
                    "cannot open the demo POS at '\(configuration.demoDatabasePath)': \(error)"
                )
            }
        case .process:
            return ProcessAdapter(
                configuration: ProcessAdapterConfiguration(
                    command: configuration.adapter.command,
                    workingDirectory: configuration.adapter.workingDirectory,
                    hangTimeout: configuration.adapter.hangTimeout,
                    // While the process restarts mid-session, a request waits for it until just before its
                    // deadline, then fails naming the adapter's state (not the bare deadline).
                    readyTimeout: configuration.session.requestTimeout * 0.9
                ),
                agentVersion: AgentInfo.version,
                logger: Self.child(logger, "dojo.adapter.process"),
                publish: { event in try await outbox.publish(event) }
            )
        }
    }

    private static func child(_ logger: Logger, _ label: String) -> Logger {
        var logger = logger
        logger[metadataKey: "component"] = "\(label)"
        return logger
    }
}
