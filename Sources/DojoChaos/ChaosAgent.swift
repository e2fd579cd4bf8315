import DojoProtocol
import DojoSimulator
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A real `dojo-agent run` the chaos run starts, kills (`kill -9`), stops and restarts, always over the same
/// state directory and configuration, so each restart finds what the previous process left.
final class ChaosAgent: Sendable {
    /// What serves Dojo's requests.
    enum Adapter: Sendable {
        case demo
        case process([String])
    }

    let binary: String
    let directory: String
    let stateDirectory: String
    var configFile: String { directory + "/agent.conf" }
    var logFile: String { directory + "/agent.log" }
    private let current = Mutex<(process: Process, exits: Journal<Int32>)?>(nil)
    /// How many times the process was started.
    let starts = Mutex(0)

    init(binary: String, directory: String, stateDirectory: String? = nil) {
        self.binary = binary
        self.directory = directory
        self.stateDirectory = stateDirectory ?? directory + "/state"
    }

    /// Writes `agent.conf` for `simulator`: short liveness and backoff settings, so a chaos cycle takes seconds.
    func configure(
        for simulator: DojoSimulator,
        adapter: Adapter,
        settings: [String: [String: String]] = [:]
    ) throws {
        var sections: [String: [String: String]] = [
            "dojo": [
                "ws_url": toml(simulator.webSocketURL),
                "api_base_url": toml(simulator.apiBaseURL),
                "api_key": toml(simulator.configuration.apiKey),
                "software_house_id": toml(simulator.configuration.softwareHouseID ?? "dojo-sim"),
                "api_version": toml(simulator.configuration.apiVersion ?? "2026-02-27"),
            ],
            "websocket": [
                "ping_interval": toml("1s"), "pong_timeout": toml("1s"),
                "connect_timeout": toml("5s"), "handshake_timeout": toml("5s"),
            ],
            "session": [
                "reconnect_max_delay": toml(ChaosTuning.reconnectMaxDelay),
                "auth_retry_delay": toml(ChaosTuning.authRetryDelay),
            ],
            "agent": ["state_directory": toml(stateDirectory), "log_level": toml("info")],
        ]
        switch adapter {
        case .demo:
            sections["adapter"] = ["kind": toml("demo")]
        case .process(let command):
            sections["adapter"] = [
                "kind": toml("process"), "command": "[" + command.map(toml).joined(separator: ", ") + "]",
                "hang_timeout": toml("3s"),
            ]
        }
        for (section, keys) in settings { sections[section, default: [:]].merge(keys) { _, given in given } }
        var text = "# Written by dojo-chaos.\n"
        for (name, keys) in sections.sorted(by: { $0.key < $1.key }) {
            text += "\n[\(name)]\n"
            for (key, value) in keys.sorted(by: { $0.key < $1.key }) { text += "\(key) = \(value)\n" }
        }
        try text.write(toFile: configFile, atomically: true, encoding: .utf8)
        _ = chmod(configFile, 0o600)
    }

    /// Starts `dojo-agent run`, its output appended to `agent.log`.
    func start() throws {
        guard !Children.isStopping else { throw ChaosFailure("interrupted") }
        if !FileManager.default.fileExists(atPath: logFile) {
            _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        }
        guard let log = FileHandle(forWritingAtPath: logFile) else { throw ChaosFailure("cannot open \(logFile)") }
        log.seekToEndOfFile()
        defer { try? log.close() }
        let process = Process()
        // setpriv sets the parent-death signal and execs the agent (same pid): if dojo-chaos itself dies, so do
        // its agents.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--pdeathsig", "KILL", "--", binary, "run", "--config", configFile]
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        process.environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("DOJO_AGENT_") && $0.key != "DOJO_API_KEY" && $0.key != "CREDENTIALS_DIRECTORY"
        }
        let exits = Journal<Int32>()
        process.terminationHandler = { exits.append($0.terminationStatus) }
        try ChildSpawner.run { try process.run() }  // --pdeathsig follows the forking thread
        Children.register(process.processIdentifier)
        starts.withLock { $0 += 1 }
        current.withLock { $0 = (process, exits) }
    }

    /// The running process's id, if one was started.
    var pid: pid_t? { current.withLock { $0?.process.processIdentifier } }

    /// Whether the current process is still running.
    var isRunning: Bool { current.withLock { $0?.process.isRunning ?? false } }

    /// The exit status of the current process, once it has ended.
    var exitStatus: Int32? { current.withLock { $0?.exits.all.first } }

    /// The footprint of the running process.
    var footprint: ProcessFootprint? { pid.flatMap { ProcessFootprint(pid: $0) } }

    /// `kill -9`, then waits for the process to be gone.
    func kill9() async {
        guard let (process, exits) = current.withLock({ $0 }) else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = try? await exits.first { _ in true }
        Children.unregister(process.processIdentifier)
    }

    /// SIGSTOP: the process is frozen where it is.
    func freeze() {
        if let pid { kill(pid, SIGSTOP) }
    }

    /// SIGTERM and waits up to `grace` (then SIGKILL); returns the exit status and how long the stop took.
    @discardableResult
    func stop(grace: Duration = .seconds(20)) async -> (status: Int32?, took: Duration, killed: Bool) {
        guard let (process, exits) = current.withLock({ $0 }) else { return (nil, .zero, false) }
        let start = ContinuousClock.now
        guard process.isRunning else { return (exits.all.first, .zero, false) }
        kill(process.processIdentifier, SIGTERM)
        let status = try? await bounded(grace, "the agent to stop") { try await exits.first { _ in true }.element }
        var killed = false
        if status == nil {
            killed = true
            kill(process.processIdentifier, SIGKILL)
            _ = try? await exits.first { _ in true }
        }
        Children.unregister(process.processIdentifier)
        return (status ?? exits.all.first, ContinuousClock.now - start, killed)
    }

    /// Waits until the current process exits by itself (bounded), returning its status.
    func awaitExit(timeout: Duration) async -> Int32? {
        guard let (_, exits) = current.withLock({ $0 }) else { return nil }
        return try? await bounded(timeout, "the agent to exit") { try await exits.first { _ in true }.element }
    }

    /// `dojo-agent notify --config … <type> <id>`: exit 0 means the agent acknowledged (stored) the event.
    func notify(_ type: String, _ id: String) async throws -> CommandResult {
        try await runCommand([binary, "notify", "--config", configFile, type, id], timeout: .seconds(30))
    }

    /// `dojo-agent queue list --config …`.
    func queueList() async throws -> CommandResult {
        try await runCommand([binary, "queue", "list", "--config", configFile], timeout: .seconds(30))
    }

    /// Everything the agent logged, across restarts.
    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// The last `lines` lines of the log.
    func logTail(_ lines: Int = 30) -> String {
        log.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// The short settings every chaos agent runs with (set in `agent.conf`).
enum ChaosTuning {
    /// `session.reconnect_max_delay`: reconnect ceilings 1 s, 2 s, 2 s…
    static let reconnectMaxDelay = "2s"
    static let reconnectMaxSeconds = 2.0
    /// `session.auth_retry_delay`: after a 401 the retry comes in 1–2 s.
    static let authRetryDelay = "2s"
    static let authRetrySeconds = 2.0
    /// Ping every second, dead after one more: a black hole is noticed within about 2 s.
    static let livenessSeconds = 2.0
}
