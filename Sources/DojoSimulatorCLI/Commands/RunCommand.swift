import ArgumentParser
import DojoProtocol
import DojoSimulator
import Foundation

/// `dojo-sim run`: serve, wait for the agent, run scenarios, report.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Serve, wait for an agent to connect, run scenario files, print the report.",
        discussion: """
            Exit status: 0 when every step passed, 1 when any failed (or the simulator saw anything unexpected),
            2 when the agent never connected or a scenario file is invalid.
            """
    )

    @OptionGroup var simulator: SimulatorOptions
    @OptionGroup var scenarioOptions: ScenarioOptions

    @OptionGroup var driving: DrivingOptions

    @Option(
        help: ArgumentHelp(
            "How long to wait for the agent's capability registration after it connects (0 to not wait).",
            valueName: "duration"
        )
    )
    var registrationTimeout = "10s"

    @Flag(help: "Print what the simulator sees as it happens.")
    var verbose = false

    @Argument(help: "Scenario files or directories of *.yaml files, run in order.")
    var scenarios: [String]

    func run() async throws {
        let loaded: [Scenario]
        do {
            loaded = try scenarioFiles(scenarios).flatMap { try Scenario.load(file: $0) }
        } catch let error as SimulatorError {
            printError("dojo-sim: \(error)")
            throw ExitCode(2)
        }
        guard let connectWait = Duration(parsing: driving.connectTimeout),
            let registrationWait = Duration(parsing: registrationTimeout)
        else { throw ValidationError("timeouts are durations such as 30s") }
        var options = ScenarioRunner.Options(
            posDriver: driving.notifyCommand.map { CommandPOSDriver(commandLine: $0) },
            variables: try scenarioOptions.variableValues()
        )
        options.stepTimeout = nil
        let configuration = try simulator.configuration()
        let passed = try await DojoSimulator.withSimulator(configuration: configuration) { simulator in
            printError("dojo-sim: listening; agent settings:\n\(agentSettings(simulator))")
            if let readyFile = driving.readyFile { try writeReadyFile(readyFile, simulator) }
            return try await withThrowingTaskGroup(of: Void.self) { group in
                if verbose { group.addTask { await Monitor.follow(simulator) { printError("  sim: \($0)") } } }
                defer { group.cancelAll() }
                do {
                    try await simulator.awaitSession(timeout: connectWait)
                } catch {
                    printError("dojo-sim: no agent connected within \(driving.connectTimeout)")
                    throw ExitCode(2)
                }
                return await runScenarios(
                    loaded,
                    on: simulator,
                    options: options,
                    registrationWait: registrationWait,
                    output: scenarioOptions
                )
            }
        }
        if !passed { throw ExitCode(1) }
    }
}

/// Waits for the registration (if asked), runs the scenarios, prints and writes the report; true if it passed.
func runScenarios(
    _ scenarios: [Scenario],
    on simulator: DojoSimulator,
    options: ScenarioRunner.Options,
    registrationWait: Duration,
    output: ScenarioOptions,
    storyFor storyFiles: Set<String>? = nil
) async -> Bool {
    var missingRegistration: SimulatorFailure?
    if registrationWait > .zero {
        do {
            _ = try await simulator.awaitRegistration(timeout: registrationWait)
        } catch {
            missingRegistration = SimulatorFailure(
                session: nil,
                message: "the agent did not register its capabilities (PUT /epos/integrations/ws) within "
                    + "\(registrationWait.shortDescription); Dojo routes nothing to an agent that has not"
            )
        }
    }
    var report = await ScenarioRunner(simulator: simulator, options: options).run(scenarios)
    if let missingRegistration { report.unattributedFailures.insert(missingRegistration, at: 0) }
    if let storyFiles {
        say(story(report, for: storyFiles))
        say("")
    }
    say(report.rendered(story: output.story))
    if let file = output.reportJSON {
        do {
            try report.jsonValue.serialized().write(toFile: file, atomically: true, encoding: .utf8)
        } catch {
            printError("dojo-sim: cannot write \(file): \(error)")
        }
    }
    return report.passed
}

/// The story of the scenarios read from `files` (by file name), for people: each step's title and what
/// happened, without the report's columns.
func story(_ report: ScenarioReport, for files: Set<String>) -> String {
    var lines: [String] = []
    for scenario in report.scenarios {
        guard let file = scenario.file, files.contains(URL(fileURLWithPath: file).lastPathComponent) else { continue }
        lines.append("── \(scenario.name) ──")
        if let summary = scenario.summary { lines.append(summary) }
        for step in scenario.steps {
            let mark = step.status == .passed ? "✔" : step.status == .failed ? "✘" : "–"
            lines.append("\(mark) \(step.name)")
            for line in step.story { lines.append("    \(line)") }
        }
        lines.append("")
    }
    return lines.joined(separator: "\n")
}

/// Writes a line to stdout at once (unbuffered, so scripts and pipes see progress as it happens).
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
