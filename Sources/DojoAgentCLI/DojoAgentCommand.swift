import ArgumentParser
import DojoAgentCore

/// `dojo-agent`: the daemon and its operator commands.
@main
struct DojoAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dojo-agent",
        abstract: "Keeps a restaurant POS and Dojo in sync: the EPOS Data WebSocket session and the POS event outbox.",
        version: AgentInfo.description,
        subcommands: [
            RunCommand.self, CheckConfigCommand.self, StatusCommand.self, NotifyCommand.self, QueueCommand.self,
        ]
    )
}
