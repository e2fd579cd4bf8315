import DojoSimulator
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A failed expectation of the chaos run: what was expected, what happened.
struct ChaosFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// SplitMix64: a small, seedable generator, so a run's random instants can be repeated with `--seed`.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Every child process the run started and has not seen exit: all are killed when the run ends or is
/// interrupted, so nothing outlives it.
enum Children {
    private static let state = Mutex<(pids: Set<pid_t>, stopping: Bool)>(([], false))

    /// Records a child just started; once the run is stopping, kills it at once instead.
    static func register(_ pid: pid_t) {
        let stopping = state.withLock { state -> Bool in
            if !state.stopping { state.pids.insert(pid) }
            return state.stopping
        }
        if stopping { kill(pid, SIGKILL) }
    }

    static func unregister(_ pid: pid_t) { _ = state.withLock { $0.pids.remove(pid) } }

    /// Whether the run is being interrupted: nothing new may be started.
    static var isStopping: Bool { state.withLock { $0.stopping } }

    /// SIGKILL to every child still registered.
    static func killAll() {
        for pid in state.withLock({ $0.pids }) where pid > 0 { kill(pid, SIGKILL) }
    }

    /// The run is interrupted: refuse every new child, kill the current ones.
    static func stopAll() {
        state.withLock { $0.stopping = true }
        killAll()
    }
}

/// Runs `body`, failing with a message if it has not finished within `timeout`: every wait in the run is bounded.
func bounded<Value: Sendable>(
    _ timeout: Duration,
    _ what: String,
    _ body: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    try await withDeadline(timeout, waitingFor: what, body)
}

/// A process's resident set size (kB) and open file descriptors, read from /proc.
struct ProcessFootprint: CustomStringConvertible {
    var residentKB: Int
    var openFDs: Int

    init?(pid: pid_t) {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? ""),
            let fds = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
        else { return nil }
        self.residentKB = kb
        self.openFDs = fds.count
    }

    var description: String { "RSS \(residentKB / 1024) MB, \(openFDs) fds" }
}

/// The direct children of `pid` (the process adapter of an agent), from /proc.
func childProcesses(of pid: pid_t) -> [pid_t] {
    guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return [] }
    var children: [pid_t] = []
    for task in tasks {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8) else {
            continue
        }
        children += text.split(separator: " ").compactMap { pid_t($0) }
    }
    return children
}

/// Whether a process exists (and is not a zombie).
func isAlive(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
    return state != "Z" && state != "X"
}

/// Where short-lived commands write their output: inside the run's working directory, so nothing is left behind
/// even when the run is interrupted.
enum Scratch {
    static let directory = Mutex(NSTemporaryDirectory())
}

/// The result of a short-lived command.
struct CommandResult: Sendable {
    var status: Int32
    var output: String
}

/// Runs a command to completion (bounded: killed after `timeout`), its stdout and stderr captured together
/// through a file (never a pipe that could fill).
func runCommand(_ arguments: [String], timeout: Duration = .seconds(30)) async throws -> CommandResult {
    let outputFile = Scratch.directory.withLock { $0 } + "/dojo-chaos-cmd-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: outputFile) }
    guard let handle = FileHandle(forWritingAtPath: outputFile) else {
        throw ChaosFailure("cannot create \(outputFile)")
    }
    defer { try? handle.close() }
    guard !Children.isStopping else { throw ChaosFailure("interrupted") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    let exits = Journal<Int32>()
    process.terminationHandler = { exits.append($0.terminationStatus) }
    try process.run()
    let pid = process.processIdentifier
    Children.register(pid)
    defer { Children.unregister(pid) }
    let status: Int32
    do {
        status = try await bounded(timeout, "\(arguments.joined(separator: " "))") {
            try await exits.first { _ in true }.element
        }
    } catch {
        kill(pid, SIGKILL)
        _ = try? await exits.first { _ in true }
        throw error
    }
    let output = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
    return CommandResult(status: status, output: output)
}

/// Seconds with one decimal, for reports.
func seconds(_ duration: Duration) -> String {
    let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    return String(format: "%.2f s", value)
}

/// A printed line of the run, flushed at once (the script's log shows progress as it happens).
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// A value behind a lock, shareable between tasks (a `Mutex` in a class, so closures can capture it).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { self.mutex = Mutex(value) }
    func withLock<Result: Sendable>(_ body: (inout sending Value) throws -> sending Result) rethrows -> Result {
        try mutex.withLock(body)
    }
}

/// The simulator every phase runs: plain loopback, a free port, its own log kept to errors (its failures are
/// collected and printed by the run).
func chaosSimulatorConfiguration(port: Int = 0, fetchAfterEvents: Bool = true) -> DojoSimulator.Configuration {
    var configuration = DojoSimulator.Configuration()
    configuration.port = port
    configuration.requestTimeout = .seconds(10)
    configuration.fetchAfterEvents = fetchAfterEvents
    var logger = Logger(label: "dojo.sim")
    logger.logLevel = .critical
    configuration.logger = logger
    return configuration
}

/// What a burst of notifies came to.
struct Burst: Sendable {
    /// The ids whose `notify` exited 0: acknowledged, so stored.
    var acknowledged: [String]
    /// Exit statuses of the refused ones.
    var refused: [Int32: Int]
    /// Whether the burst was interrupted (it may end first when `interruptAfter` is not reached).
    var interrupted: Bool
}

/// A burst of `dojo-agent notify OrderUpdated <prefix>-<n>` for n < `count`, four at a time. After the
/// `interruptAfter`-th acknowledgement `interrupt` runs once (a kill, a power cut) and the senders stop;
/// `alongside` runs meanwhile (Dojo's requests), told when to stop.
func notifyBurst(
    _ agent: ChaosAgent,
    count: Int,
    prefix: String,
    interruptAfter: Int,
    interrupt: @escaping @Sendable () async throws -> Void,
    alongside: (@Sendable (_ stopped: @escaping @Sendable () -> Bool) async -> Void)? = nil
) async throws -> Burst {
    let acks = Locked(0)
    let stopped = Locked(false)
    let refused = Locked<[Int32: Int]>([:])
    let acknowledged: [String] = try await withThrowingTaskGroup(of: [String].self) { group in
        for sender in 0..<4 {
            group.addTask {
                var mine: [String] = []
                var index = sender
                while index < count, !stopped.withLock({ $0 }) {
                    let id = "\(prefix)-\(index)"
                    index += 4
                    let result = try await agent.notify("OrderUpdated", id)
                    guard result.status == 0 else {
                        refused.withLock { $0[result.status, default: 0] += 1 }
                        continue
                    }
                    mine.append(id)
                    let count = acks.withLock { value -> Int in
                        value += 1
                        return value
                    }
                    if count == interruptAfter {
                        stopped.withLock { $0 = true }
                        try await interrupt()
                    }
                }
                return mine
            }
        }
        if let alongside {
            group.addTask {
                await alongside { stopped.withLock { $0 } }
                return []
            }
        }
        // The senders are done (or interrupted): what runs alongside stops too.
        var all: [String] = []
        var senders = 0
        for try await ids in group {
            all += ids
            senders += 1
            if senders == 4 { stopped.withLock { $0 = true } }
        }
        return all
    }
    return Burst(
        acknowledged: acknowledged,
        refused: refused.withLock { $0 },
        interrupted: acks.withLock { $0 } >= interruptAfter
    )
}
