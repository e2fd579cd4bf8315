import ArgumentParser
import DojoAgentCore
import DojoProtocol
import Foundation

/// `dojo-agent status`: what the running agent is doing, through its control socket.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running agent's session, capability registration and outbox.",
        discussion: """
            Exit status: 0 the agent answered; 69 the agent is not running (nothing listens on \
            <state_directory>/control.sock). Secrets never appear in the output.
            """
    )

    @Flag(help: "Print the answer as one JSON object.")
    var json = false

    @OptionGroup var options: ConfigOptions

    /// The fields in the order an operator reads them.
    private static let order = [
        "session", "adapter", "connections", "sessionLastError", "registration", "registrationLastError", "pending",
        "dead",
        "oldestPendingSeconds", "delivered", "deadLettered", "failedAttempts", "deliveryLastFailure",
        "outboxQuarantined",
    ]

    func run() async throws {
        let configuration = try self.options.load(requireCredentials: false).configuration
        let client = ControlClient(socketPath: configuration.controlSocketPath)
        let response: ControlResponse
        do throws(ControlError) {
            response = try await client.send(ControlRequest(command: "status"))
        } catch {
            CommandOutput.fail(error.message, status: error.code == .agentNotRunning ? 69 : 1)
        }
        guard response.isOK else { CommandOutput.fail(response.error ?? "the agent refused", status: 1) }
        if self.json {
            print(JSONValue.object(response.fields).serialized())
            return
        }
        let keys =
            Self.order.filter { response.fields[$0] != nil }
            + response.fields.keys.filter { !Self.order.contains($0) }.sorted()
        let width = keys.map(\.count).max() ?? 0
        for key in keys {
            guard let value = response.fields[key] else { continue }
            let text: String =
                switch value {
                case .string(let string): string
                default: value.serialized()
                }
            print("\(key.padding(toLength: width, withPad: " ", startingAt: 0))  \(Self.printable(text))")
        }
    }

    /// `text` with control characters (which can come from a peer, e.g. a close reason) shown as escapes, so a
    /// value can neither break the table nor drive the terminal.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
