import ArgumentParser
import DojoSimulator
import Foundation
import UnixSignals

/// `dojo-sim serve`: run until stopped.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the simulator until stopped (Ctrl-C); print the settings an agent needs.",
        discussion: """
            Start an agent with the printed [dojo] settings. The simulator records the agent's capability
            registration and POS events, fetches each event's entity back as Dojo does, and prints all of it.
            Faults given as flags apply from the start.
            """
    )

    @OptionGroup var simulator: SimulatorOptions

    @Option(
        help: ArgumentHelp("Write ws_url=…, api_base_url=…, port=… to this file once listening.", valueName: "file")
    )
    var readyFile: String?

    func run() async throws {
        let configuration = try simulator.configuration()
        try await DojoSimulator.withSimulator(configuration: configuration) { simulator in
            say("dojo-sim is listening. Settings for the agent's agent.conf:\n")
            say(agentSettings(simulator))
            say("\nStop with Ctrl-C.")
            if let readyFile { try writeReadyFile(readyFile, simulator) }
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await Monitor.follow(simulator) { say($0) } }
                let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
                for await _ in signals { break }
                group.cancelAll()
            }
            let failures = simulator.failures.all.count
            say(
                "dojo-sim stopped: \(simulator.sessions.count) session(s), \(simulator.events.count) event(s), "
                    + "\(failures) failure(s)"
            )
        }
    }
}
