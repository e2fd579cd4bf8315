import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// How to start a real `dojo-agent run` against a simulator: which binary, which adapter, and any extra
/// settings. The configuration file is written into a temporary directory with the simulator's URLs, key and
/// CA, so nothing on the machine is touched.
public struct AgentLaunch: Sendable {
    /// The POS adapter the agent serves Dojo with.
    public enum Adapter: Sendable {
        /// The built-in SQLite demo POS (its database lives in the temporary state directory).
        case demo
        /// A vendor's adapter process: its argv and working directory.
        case process(command: [String], workingDirectory: String?)
    }

    /// The `dojo-agent` executable.
    public var binary: String
    /// The adapter.
    public var adapter: Adapter
    /// Extra `agent.conf` keys as `section.key` → TOML value text (`"websocket.ping_interval": "\"2s\""`).
    public var settings: [String: String]
    /// The agent's log level.
    public var logLevel = "info"
    /// Variables added to the agent's environment (for example `NOTIFY_SOCKET`, `WATCHDOG_USEC`).
    public var environment: [String: String] = [:]
    /// Runs the agent as systemd runs it with journald: `JOURNAL_STREAM` names its stderr (the log file), and this
    /// datagram socket stands in for `/run/systemd/journal/socket` (`DOJO_JOURNAL_SOCKET`).
    public var journalSocket: String?

    /// A launch with the short liveness settings scenarios need (ping every 2 s, dead after 5 s more), so a
    /// "stop answering pings" fault is noticed in seconds, while a busy machine's late pong is not taken for one.
    public init(binary: String, adapter: Adapter, settings: [String: String] = [:]) {
        self.binary = binary
        self.adapter = adapter
        self.settings = ["websocket.ping_interval": "\"2s\"", "websocket.pong_timeout": "\"5s\""]
            .merging(settings) { _, given in given }
    }

    /// The `dojo-agent` beside the running executable (both are built into the same directory), else the one
    /// on `PATH`.
    public static func defaultBinary() -> String {
        let here = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let sibling = here.appendingPathComponent("dojo-agent").path
        return FileManager.default.isExecutableFile(atPath: sibling) ? sibling : "dojo-agent"
    }
}

/// A running `dojo-agent run` child process, configured for a simulator; it lives exactly as long as the
/// `withAgent` scope and is stopped (SIGTERM, then SIGKILL after a grace period) when the scope ends.
public final class AgentProcess: Sendable {
    /// The temporary directory holding `agent.conf`, the state directory and `agent.log`.
    public let directory: String
    /// The configuration file written for the agent.
    public let configFile: String
    /// The agent's combined stdout and stderr.
    public let logFile: String
    /// The binary.
    public let binary: String
    private let process: NIOLockedValueBox<Process?>
    private let exits = Journal<Int32>()
    /// How many exits the journal held when the current process started (a restart starts a new one).
    private let exitsBeforeStart = NIOLockedValueBox(0)
    /// The launch of the last start, for `restart`.
    private let lastLaunch = NIOLockedValueBox<AgentLaunch?>(nil)
    /// The credentials this agent was given, for the test suite's log scan (`archiveLog`).
    private let secrets = NIOLockedValueBox<[String]>([])

    /// Where the test suite collects every agent's log (`scripts/test` sets it; `scripts/check-logs` reads it):
    /// each log is copied there with the credentials it was given beside it, before its directory goes.
    public static let logArchiveVariable = "DOJO_TEST_LOG_DIR"

    private init(directory: String, binary: String) {
        self.directory = directory
        self.configFile = directory + "/agent.conf"
        self.logFile = directory + "/agent.log"
        self.binary = binary
        self.process = NIOLockedValueBox(nil)
    }

    /// A POS driver that runs `dojo-agent notify --config <this agent's config> <type> <id>`.
    public var notifyDriver: CommandPOSDriver {
        CommandPOSDriver(arguments: [binary, "notify", "--config", configFile])
    }

    /// The agent's state directory.
    public var stateDirectory: String { directory + "/state" }

    /// The exit status, once the current process has ended.
    public var exitStatus: Int32? {
        let all = exits.all
        return all.count > exitsBeforeStart.withLockedValue({ $0 }) ? all.last : nil
    }

    /// Everything the agent logged so far.
    public var log: String {
        (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
    }

    /// Writes the configuration, starts the agent, runs `body`, then stops the agent and (unless `keep`)
    /// removes the temporary directory.
    ///
    /// - Throws: ``SimulatorError`` (`setupFailed`) when the agent cannot be started, or what `body` throws.
    public static func withAgent<Result: Sendable>(
        _ launch: AgentLaunch,
        simulator: DojoSimulator,
        keep: Bool = false,
        _ body: (AgentProcess) async throws -> Result
    ) async throws -> Result {
        let directory = try makePrivateTemporaryDirectory(prefix: "dojo-sim-agent")
        let agent = AgentProcess(directory: directory, binary: launch.binary)
        defer {
            agent.archiveLog()
            if !keep { try? FileManager.default.removeItem(atPath: directory) }
        }
        do {
            try agent.writeConfiguration(launch, simulator: simulator)
            try agent.start(launch)
        } catch {
            await agent.stop(grace: .seconds(1))
            throw error
        }
        let result: Result
        do {
            result = try await body(agent)
        } catch {
            await agent.stop(grace: .seconds(10))
            throw error
        }
        await agent.stop(grace: .seconds(10))
        return result
    }

    /// The `agent.conf` text for `launch` against `simulator`.
    static func configuration(_ launch: AgentLaunch, simulator: DojoSimulator, stateDirectory: String) -> String {
        var sections: [(String, [(String, String)])] = [
            (
                "dojo",
                [
                    ("ws_url", toml(simulator.webSocketURL)),
                    ("api_base_url", toml(simulator.apiBaseURL)),
                    ("api_key", toml(simulator.configuration.apiKey)),
                    ("software_house_id", toml(simulator.configuration.softwareHouseID ?? "dojo-sim")),
                    ("api_version", toml(simulator.configuration.apiVersion ?? "2026-02-27")),
                ] + (simulator.caFile.map { [("ca_file", toml($0))] } ?? [])
            ),
            ("agent", [("state_directory", toml(stateDirectory)), ("log_level", toml(launch.logLevel))]),
        ]
        switch launch.adapter {
        case .demo:
            sections.append(("adapter", [("kind", toml("demo"))]))
        case .process(let command, let workingDirectory):
            var adapter = [
                ("kind", toml("process")), ("command", "[" + command.map(toml).joined(separator: ", ") + "]"),
            ]
            if let workingDirectory { adapter.append(("working_directory", toml(workingDirectory))) }
            sections.append(("adapter", adapter))
        }
        for (dotted, value) in launch.settings.sorted(by: { $0.key < $1.key }) {
            let parts = dotted.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            if let index = sections.firstIndex(where: { $0.0 == parts[0] }) {
                sections[index].1.removeAll { $0.0 == parts[1] }
                sections[index].1.append((parts[1], value))
            } else {
                sections.append((parts[0], [(parts[1], value)]))
            }
        }
        var text = "# Written by dojo-sim for a local run against the simulator.\n"
        for (name, keys) in sections {
            text += "\n[\(name)]\n"
            for (key, value) in keys { text += "\(key) = \(value)\n" }
        }
        return text
    }

    /// Copies the log (if any) to ``logArchiveVariable``'s directory as `<uuid>.log`, with the credentials the
    /// agent had in `<uuid>.secrets` (one a line), so the suite's final scan can prove none was ever logged.
    func archiveLog() {
        guard let archive = ProcessInfo.processInfo.environment[Self.logArchiveVariable], !archive.isEmpty,
            let contents = FileManager.default.contents(atPath: logFile), !contents.isEmpty
        else { return }
        let name = archive + "/" + UUID().uuidString
        let secrets = self.secrets.withLockedValue { $0 }.joined(separator: "\n") + "\n"
        _ = FileManager.default.createFile(atPath: name + ".secrets", contents: Data(secrets.utf8))
        _ = FileManager.default.createFile(atPath: name + ".log", contents: contents)
    }

    private func writeConfiguration(_ launch: AgentLaunch, simulator: DojoSimulator) throws {
        var secrets = [simulator.configuration.apiKey]
        if let key = launch.environment["DOJO_API_KEY"] { secrets.append(key) }
        if let key = launch.settings["dojo.api_key"] { secrets.append(String(key.dropFirst().dropLast())) }
        self.secrets.withLockedValue { $0 = secrets.filter { !$0.isEmpty } }
        let text = Self.configuration(launch, simulator: simulator, stateDirectory: stateDirectory)
        do {
            try text.write(toFile: configFile, atomically: true, encoding: .utf8)
            _ = chmod(configFile, 0o600)
        } catch {
            throw SimulatorError(.setupFailed, "cannot write \(configFile): \(error)")
        }
    }

    private func start(_ launch: AgentLaunch) throws {
        self.lastLaunch.withLockedValue { $0 = launch }
        self.archiveLog()  // a restart starts a new log: keep what the last run wrote
        _ = FileManager.default.createFile(atPath: logFile, contents: nil, attributes: [.posixPermissions: 0o600])
        guard let log = FileHandle(forWritingAtPath: logFile) else {
            throw SimulatorError(.setupFailed, "cannot open \(logFile)")
        }
        let process = Process()
        let command = ["run", "--config", configFile]
        // The agent dies with whoever started it (SIGKILL on the parent's death, through util-linux's setpriv):
        // a simulator or a test runner that is killed or crashes must not leave agents running behind it.
        if FileManager.default.isExecutableFile(atPath: Self.setpriv) {
            process.executableURL = URL(fileURLWithPath: Self.setpriv)
            process.arguments = ["--pdeathsig", "KILL", "--", binary] + command
        } else if binary.contains("/") {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = command
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [binary] + command
        }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        // The agent must not inherit a configuration from the environment of whoever runs the simulator.
        // Nor talk to the systemd that may run the tests: only a test's own NOTIFY_SOCKET reaches it.
        process.environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("DOJO_AGENT_") && $0.key != "DOJO_API_KEY" && $0.key != "CREDENTIALS_DIRECTORY"
                && !["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "DOJO_JOURNAL_SOCKET"]
                    .contains($0.key)
        }
        .merging(launch.environment) { _, given in given }
        if let socket = launch.journalSocket {
            var info = stat()
            guard stat(logFile, &info) == 0 else { throw SimulatorError(.setupFailed, "cannot stat \(logFile)") }
            process.environment?["JOURNAL_STREAM"] = "\(info.st_dev):\(info.st_ino)"
            process.environment?["DOJO_JOURNAL_SOCKET"] = socket
        }
        let exits = self.exits
        exitsBeforeStart.withLockedValue { $0 = exits.count }
        process.terminationHandler = { finished in
            exits.append(finished.terminationStatus)
        }
        do {
            try ChildSpawner.run { try process.run() }  // its death signal must follow this process, not a thread
        } catch {
            throw SimulatorError(.setupFailed, "cannot start \(binary): \(error) (build it with `swift build`)")
        }
        self.process.withLockedValue { $0 = process }
    }

    /// util-linux's `setpriv`, which sets the parent-death signal before it execs the agent.
    static let setpriv = "/usr/bin/setpriv"

    /// Sends SIGTERM and waits up to `grace` for the agent to exit, then SIGKILL.
    public func stop(grace: Duration) async {
        guard let process = self.process.withLockedValue({ $0 }), process.isRunning else { return }
        process.terminate()
        let exits = self.exits
        let from = exitsBeforeStart.withLockedValue { $0 }
        let stopped =
            (try? await withDeadline(grace, waitingFor: "the agent to stop") {
                try await exits.first(from: from) { _ in true }
            }) != nil
        if !stopped {
            Glibc.kill(process.processIdentifier, SIGKILL)
            _ = await self.awaitExit()
        }
    }

    /// Sends `signal` (SIGHUP, SIGTERM…) to the agent, if it runs.
    public func send(signal: Int32) {
        guard let process = self.process.withLockedValue({ $0 }), process.isRunning else { return }
        Glibc.kill(process.processIdentifier, signal)
    }

    /// Kills the agent at once (SIGKILL), as a crash or a power cut would, and waits for it to be gone.
    public func kill() async {
        guard let process = self.process.withLockedValue({ $0 }), process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        _ = await self.awaitExit()
    }

    /// Waits until the agent has exited and returns its status; nil if the waiting task is cancelled first.
    public func awaitExit() async -> Int32? {
        try? await self.exits.first(from: exitsBeforeStart.withLockedValue { $0 }) { _ in true }.element
    }

    /// Stops the agent (SIGTERM, then SIGKILL after `grace`) and starts it again with the same configuration
    /// and state directory, as a restart of the POS host or an upgrade does. The adapter process restarts with it.
    ///
    /// - Throws: ``SimulatorError`` (`setupFailed`) when the agent cannot be started again.
    public func restart(grace: Duration) async throws {
        await stop(grace: grace)
        guard let launch = self.lastLaunch.withLockedValue({ $0 }) else {
            throw SimulatorError(.setupFailed, "the agent was never started, so it cannot be restarted")
        }
        try start(launch)
    }
}

/// A TOML basic string (quoted and escaped), for writing `agent.conf` values.
public func toml(_ text: String) -> String {
    var escaped = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": escaped += "\\\""
        case "\\": escaped += "\\\\"
        case "\n": escaped += "\\n"
        case "\t": escaped += "\\t"
        default:
            if scalar.value < 0x20 {
                escaped += String(format: "\\u%04X", scalar.value)
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
    }
    return escaped + "\""
}
