import ArgumentParser
import DojoSimulator
import Foundation
import Logging

/// `dojo-sim check`: a vendor's self-certification of a process adapter, through a real dojo-agent.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Self-certify your adapter: every capability it declares, checked through a real dojo-agent.",
        discussion: """
            Starts the simulator (wss:// with a generated CA), writes an agent.conf for it in a temporary
            directory, starts `dojo-agent run` with your process adapter (--adapter-command), then, through the
            agent, runs the conformance checks (what DojoAgentTesting checks) and the shipped scenarios
            (Bookings flow, walk-in, cancellation, searches, POS-side changes; --faults adds the robustness
            scenarios) against every capability your adapter declares, and nothing else. Prints a capability
            matrix and the first failure of each capability with the request, the answer and the rule of
            Docs/vendor-guide.md §2 it broke; --report FILE writes it as JSON (FILE) and Markdown (FILE.md).
            Table ids it cannot discover (SearchTables not declared) come from --table-id or --fixture.
            Exit status: 0 every declared capability was checked and passed; 1 a check failed; 2 the agent
            could not start, connect or register, or an input is invalid; 3 nothing failed but a declared
            capability could not be checked (the matrix says why); 4 nothing was checked at all.
            """
    )

    @Option(
        help: ArgumentHelp(
            "Your adapter process, as a command line (e.g. \"python3 my_adapter.py\"); run by the agent.",
            valueName: "command"
        )
    )
    var adapterCommand: String

    @Option(help: ArgumentHelp("The adapter's working directory.", valueName: "dir"))
    var adapterDirectory: String?

    @Option(
        name: .customLong("table-id"),
        help: ArgumentHelp(
            "A table id of your POS to book (repeatable; two or three let updates move tables). Needed when "
                + "your adapter does not declare SearchTables.",
            valueName: "id"
        )
    )
    var tableIDs: [String] = []

    @Option(name: .customLong("area-id"), help: ArgumentHelp("An area id of your POS.", valueName: "id"))
    var areaID: String?

    @Option(
        help: ArgumentHelp(
            "A file whose [check] section gives table_ids = [\"T1\", …] and area_id = \"…\".",
            valueName: "file"
        )
    )
    var fixture: String?

    @Option(
        help: ArgumentHelp("Write the verdict as JSON to this file and as Markdown beside it (.md).", valueName: "file")
    )
    var report: String?

    @Flag(help: "Also print every conformance check and scenario step.")
    var details = false

    @OptionGroup var agent: AgentOptions
    @OptionGroup var scenarioOptions: ScenarioOptions

    @Flag(help: "Also run the robustness scenarios (malformed frames, duplicate ids, drops, event retries).")
    var faults = false

    @Argument(help: "Scenario files or directories (default: the shipped Scenarios directory).")
    var scenarios: [String] = []

    func run() async throws {
        let command = CommandLine.splitArguments(adapterCommand)
        guard !command.isEmpty else { throw ValidationError("--adapter-command is empty") }
        let directory = adapterDirectory.map { URL(fileURLWithPath: $0).path }
        var inputs = CheckInputs()
        if let fixture {
            let text: String
            do {
                text = try String(contentsOfFile: fixture, encoding: .utf8)
            } catch {
                throw ValidationError("--fixture: cannot read \(fixture): \(error)")
            }
            inputs = try CheckInputs.parse(fixture: text)
        }
        inputs.tableIDs += tableIDs
        if let areaID { inputs.areaID = areaID }
        let loaded: [Scenario]
        do {
            loaded = try loadScenarios(scenarios, includeFaults: faults)
        } catch let error as SimulatorError {
            printError("dojo-sim: \(error)")
            throw ExitCode(CheckVerdict.Exit.setup.rawValue)
        }
        let exit = try await agent.runSelfCheck(
            SelfCheckRequest(
                adapter: .process(command: command, workingDirectory: directory),
                scenarios: loaded,
                inputs: inputs,
                variables: try scenarioOptions.variableValues(),
                reportFile: report,
                details: details || scenarioOptions.story,
                story: scenarioOptions.story
            )
        )
        if exit != .passed { throw ExitCode(exit.rawValue) }
    }
}

/// The scenarios at `paths`, or the shipped ones (and their robustness file with `includeFaults`).
func loadScenarios(_ paths: [String], includeFaults: Bool) throws -> [Scenario] {
    var paths = paths
    if paths.isEmpty {
        guard let shipped = defaultScenariosDirectory() else {
            throw ValidationError("no Scenarios directory here; pass scenario files or run from the checkout")
        }
        paths = [shipped]
        if includeFaults { paths += ["\(shipped)/faults/robustness.yaml"] }
    }
    return try scenarioFiles(paths).flatMap { try Scenario.load(file: $0) }
}

/// `dojo-sim demo`: the whole system on the built-in demo POS, told as a story.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run dojo-agent with its built-in demo POS against the simulator and tell what happens.",
        discussion: """
            What scripts/demo runs: the Bookings flows (a reservation from booking to departure, a walk-in, a
            cancellation, searches with paging) and a POS-side change that Dojo fetches back, then the report.
            """
    )

    @OptionGroup var agent: AgentOptions
    @OptionGroup var scenarioOptions: ScenarioOptions

    @Argument(help: "Scenario files or directories (default: the shipped Scenarios directory).")
    var scenarios: [String] = []

    func run() async throws {
        let passed = try await agent.runChecks(
            adapter: .demo,
            scenarios: scenarios,
            includeFaults: false,
            output: scenarioOptions,
            storyFor: ["bookings-flow.yaml", "pos-events.yaml"]
        )
        if !passed { throw ExitCode(1) }
    }
}

/// How `check` and `demo` start the agent.
struct AgentOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The dojo-agent executable (default: the one beside dojo-sim).", valueName: "path"))
    var agentBinary: String?

    @Option(
        name: .customLong("agent-set"),
        help: ArgumentHelp(
            "An extra agent.conf setting (repeatable), e.g. session.request_timeout=\"5s\".",
            valueName: "key=value"
        )
    )
    var agentSettings: [String] = []

    @Flag(help: "Serve plain ws:// and http:// instead of TLS with a generated CA.")
    var plain = false

    @Flag(help: "Keep the agent's temporary directory (agent.conf, agent.log, state) and print its path.")
    var keep = false

    @Option(help: ArgumentHelp("How long to wait for the agent to connect.", valueName: "duration"))
    var connectTimeout = "30s"

    @Option(help: "Simulator log level on stderr.")
    var logLevel = "warning"

    /// Starts the simulator and the agent, runs the scenarios, prints the report; true if everything passed.
    func runChecks(
        adapter: AgentLaunch.Adapter,
        scenarios: [String],
        includeFaults: Bool,
        output: ScenarioOptions,
        storyFor: Set<String>?
    ) async throws -> Bool {
        guard let connectWait = Duration(parsing: connectTimeout) else {
            throw ValidationError("--connect-timeout: expected a duration such as 30s")
        }
        let loaded: [Scenario]
        do {
            loaded = try loadScenarios(scenarios, includeFaults: includeFaults)
        } catch let error as SimulatorError {
            printError("dojo-sim: \(error)")
            throw ExitCode(2)
        }
        let configuration = simulatorConfiguration()
        let launch = AgentLaunch(
            binary: agentBinary ?? AgentLaunch.defaultBinary(),
            adapter: adapter,
            settings: try settingsDictionary()
        )
        let variables = try output.variableValues()
        return try await DojoSimulator.withSimulator(configuration: configuration) { simulator in
            try await AgentProcess.withAgent(launch, simulator: simulator, keep: keep) { agent in
                if keep { printError("dojo-sim: the agent's files are in \(agent.directory)") }
                let connected = await awaitConnection(simulator, agent: agent, timeout: connectWait)
                guard connected else {
                    let why =
                        agent.exitStatus.map { "exited with status \($0) before connecting" }
                        ?? "did not connect within \(connectTimeout)"
                    printError("dojo-sim: the agent \(why). Its log:")
                    printError(agent.log.split(separator: "\n").suffix(30).joined(separator: "\n"))
                    throw ExitCode(2)
                }
                var options = ScenarioRunner.Options(posDriver: agent.notifyDriver, variables: variables)
                options.reconnectTimeout = .seconds(30)
                let passed = await runScenarios(
                    loaded,
                    on: simulator,
                    options: options,
                    registrationWait: .seconds(10),
                    output: output,
                    storyFor: storyFor
                )
                if !passed {
                    printError("\ndojo-sim: the last lines of the agent's log (\(agent.logFile)):")
                    printError(agent.log.split(separator: "\n").suffix(20).joined(separator: "\n"))
                }
                return passed
            }
        }
    }

    /// The `--agent-set` settings by dotted key.
    func settingsDictionary() throws -> [String: String] {
        var settings: [String: String] = [:]
        for setting in agentSettings {
            guard let equals = setting.firstIndex(of: "=") else {
                throw ValidationError("--agent-set expects key=value, got '\(setting)'")
            }
            settings[String(setting[..<equals])] = String(setting[setting.index(after: equals)...])
        }
        return settings
    }

    /// The simulator's configuration: TLS unless `--plain`, logging at `--log-level`.
    func simulatorConfiguration() -> DojoSimulator.Configuration {
        var configuration = DojoSimulator.Configuration()
        configuration.tls = plain ? .none : .generated
        var logger = configuration.logger
        logger.logLevel = .init(rawValue: logLevel) ?? .warning
        configuration.logger = logger
        return configuration
    }

    /// Waits for the agent's first session, giving up early if the agent process exits.
    func awaitConnection(_ simulator: DojoSimulator, agent: AgentProcess, timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await simulator.awaitSession(timeout: timeout)) != nil }
            group.addTask {
                _ = await agent.awaitExit()
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
