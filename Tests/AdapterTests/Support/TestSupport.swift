import AgentSupport
import DojoAdapter
import DojoAgentCore
import DojoAgentTesting
import DojoProcessAdapter
import DojoProtocol
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// Records every failed conformance check as a test issue (the Swift Testing helper for vendors, too).
func expectConformance(_ report: ConformanceReport, sourceLocation: SourceLocation = #_sourceLocation) {
    for check in report.failures {
        Issue.record("\(check)", sourceLocation: sourceLocation)
    }
}

/// A fresh temporary directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = NSTemporaryDirectory() + "adapter-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// The repository root (for `Examples/`).
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .path

/// The Python example adapter.
let pythonExample = repositoryRoot + "/Examples/python-adapter/adapter.py"

/// A request context for direct adapter calls.
func context(_ method: DojoMethod, _ id: String = "test") -> RequestContext {
    RequestContext(requestID: RequestID(id), method: method)
}

/// `2024-08-12T09:30:00.000Z` plus `minutes`.
func time(_ minutes: Int64) -> Timestamp {
    Timestamp(millisecondsSince1970: 1_723_455_000_000 + minutes * 60_000)
}

/// The wire error a thrown error becomes.
func wireError(_ error: any Error) -> DojoError {
    DojoError.from(error).wireError
}

/// Runs `body` and returns the error it throws, recording an issue if it throws none.
func failure(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async -> (any Error)? {
    do {
        try await body()
        Issue.record("expected an error, but the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

// MARK: - Logs

/// Captures log records so tests can await the one they expect instead of sleeping.
final class LogCapture: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private struct State {
        var records: [Record] = []
        var waiters:
            [(id: UUID, predicate: @Sendable (Record) -> Bool, continuation: CheckedContinuation<Record, Never>)] =
                []
    }

    private let state = TestLock(State())

    /// A logger writing into this capture (and nowhere else).
    func logger(_ label: String = "dojo.adapter.process") -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    var records: [Record] { state.withLock { $0.records } }

    /// The first record (already logged or yet to come) matching `predicate`. If the test is cancelled (its time
    /// limit) first, records an issue and returns a placeholder record.
    @discardableResult
    func first(where predicate: @escaping @Sendable (Record) -> Bool) async -> Record {
        let id = UUID()
        let record = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let found: Record? = state.withLock { state in
                    if let record = state.records.first(where: predicate) { return record }
                    if Task.isCancelled { return Self.cancelled }
                    state.waiters.append((id, predicate, continuation))
                    return nil
                }
                if let found { continuation.resume(returning: found) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0) }
            }
            waiter?.continuation.resume(returning: Self.cancelled)
        }
        if record.message == Self.cancelled.message { Issue.record("the expected log record never came") }
        return record
    }

    private static let cancelled = Record(level: .critical, message: "<cancelled while waiting>", metadata: [:])

    /// The first record whose message is `message`.
    @discardableResult
    func first(_ message: String) async -> Record {
        await first { $0.message == message }
    }

    fileprivate func append(_ record: Record) {
        let ready: [CheckedContinuation<Record, Never>] = state.withLock { state in
            state.records.append(record)
            var ready: [CheckedContinuation<Record, Never>] = []
            state.waiters.removeAll { waiter in
                guard waiter.predicate(record) else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return ready
        }
        for continuation in ready { continuation.resume(returning: record) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            for (key, value) in event.metadata ?? [:] { merged[key] = value }
            capture.append(
                Record(
                    level: event.level,
                    message: "\(event.message)",
                    metadata: merged.mapValues { "\($0)" }
                )
            )
        }
    }
}

/// A lock around test state.
final class TestLock<State>: @unchecked Sendable {
    // @unchecked Sendable: `state` is only touched with `lock` held.
    private let lock = NSLock()
    private var state: State

    init(_ state: State) {
        self.state = state
    }

    func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }
}

// MARK: - Process adapters

/// Writes a Python script into `directory` and returns its path.
func writeScript(_ source: String, named name: String = "adapter.py", in directory: String) throws -> String {
    let path = directory + "/" + name
    try source.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// A configuration for tests: short timeouts and restarts, no health pings unless asked.
func testConfiguration(
    _ command: [String],
    _ adjust: (inout ProcessAdapterConfiguration) -> Void = { _ in }
)
    -> ProcessAdapterConfiguration
{
    var configuration = ProcessAdapterConfiguration(
        command: command,
        hangTimeout: .seconds(10),
        initializeTimeout: .seconds(10),
        readyTimeout: .seconds(10),
        healthCheckInterval: nil,
        shutdownTimeout: .seconds(5),
        restartPolicy: Backoff.Policy(initial: .milliseconds(20), maximum: .milliseconds(100))
    )
    adjust(&configuration)
    return configuration
}

/// Runs `adapter` in a ServiceGroup around `body`, then shuts it down gracefully and waits for it to stop.
func withRunning<T: Sendable>(
    _ adapter: ProcessAdapter,
    _ body: @Sendable () async throws -> T
) async throws -> T {
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: [.init(service: adapter)],
            logger: Logger(label: "test.service-group") { _ in SwiftLogNoOpLogHandler() }
        )
    )
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: Result<T, any Error>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try result.get()
    }
}

/// Waits until the adapter's status satisfies `predicate`, and returns it.
@discardableResult
func awaitStatus(
    _ adapter: ProcessAdapter,
    where predicate: (ProcessAdapterStatus) -> Bool
) async -> ProcessAdapterStatus? {
    for await status in adapter.statusUpdates() where predicate(status) {
        return status
    }
    return nil
}
