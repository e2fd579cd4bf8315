import ArgumentParser

/// `dojo-agent`: the daemon and its operator commands.
@main
struct DojoAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dojo-agent",
        abstract: "Keeps a restaurant POS and Dojo in sync: the EPOS Data WebSocket session and the POS event outbox.",
        version: AgentVersion.description,
        subcommands: [
            RunCommand.self, CheckConfigCommand.self, StatusCommand.self, NotifyCommand.self, QueueCommand.self,
        ]
    )
}

/// Version information printed by `--version`.
enum AgentVersion {
    static let version = "0.1.0"
    static let description = "dojo-agent \(version) (EPOS Data API JSON-RPC v1)"
}
