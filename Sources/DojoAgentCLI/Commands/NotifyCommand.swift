import ArgumentParser
import DojoAgentCore
import DojoProtocol
import Foundation

/// `dojo-agent notify <type> <id>`: hands one POS event to the running agent through its control socket.
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Tell Dojo that an order, party or reservation changed (through the running agent).",
        discussion: """
            Returns once the agent has stored the event durably in its outbox; the agent delivers it to Dojo \
            (POST /epos/events), retrying until Dojo accepts it. Exit status: 0 stored; 65 bad type or id; \
            69 the agent is not running (nothing listens on <state_directory>/control.sock); 1 the agent could not \
            store it (for example a full disk).
            """
    )

    @Argument(help: "OrderUpdated, PartyUpdated or ReservationUpdated.")
    var eventType: String

    @Argument(help: "The POS's id of the entity (1 to 256 UTF-8 bytes, no control characters).")
    var id: String

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        // Checked here first so that a typo gets the same clear answer whether or not the agent runs.
        do throws(DojoProtocolError) {
            _ = try PosEvent(typeName: self.eventType, entityID: self.id)
        } catch {
            CommandOutput.fail(error.message, status: 65)
        }
        let configuration = try self.options.load(requireCredentials: false).configuration
        let client = ControlClient(socketPath: configuration.controlSocketPath)
        let request = ControlRequest(
            command: "notify",
            fields: ["eventType": .string(self.eventType), "id": .string(self.id)]
        )
        let response: ControlResponse
        do throws(ControlError) {
            response = try await client.send(request)
        } catch {
            CommandOutput.fail(error.message, status: error.code == .agentNotRunning ? 69 : 1)
        }
        guard response.isOK else {
            CommandOutput.fail(response.error ?? "the agent refused the event", status: 1)
        }
    }
}

/// How the operator commands end: one line on stderr and an exit status.
enum CommandOutput {
    static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data("dojo-agent: \(message)\n".utf8))
        exit(status)
    }
}
