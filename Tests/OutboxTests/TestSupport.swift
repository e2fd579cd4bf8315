import AgentSupport
import DojoAgentCore
import DojoProtocol
import DojoSimulator
import Foundation
import Logging
import Transport

let testLogger: Logger = {
    var logger = Logger(label: "outbox-tests")
    logger.logLevel = .critical
    return logger
}()

/// The TLS test material committed for the transport tests (scripts/gen-test-certs).
enum TLSFixture {
    static func path(_ name: String) -> String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("TransportTests/Fixtures/tls/\(name)")
            .path
    }
}

/// A fresh directory under the system temporary directory, removed when `body` returns.
func withTemporaryDirectory<Result>(_ body: (String) async throws -> Result) async throws -> Result {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString.prefix(8))")
        .path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Runs a peer with the recording REST routes (plain or TLS).
func withRESTPeer<Result: Sendable>(
    tls: Bool = false,
    _ body: (WebSocketPeer, RecordingRESTEndpoint) async throws -> Result
) async throws -> Result {
    let rest = RecordingRESTEndpoint()
    var configuration = WebSocketPeer.Configuration()
    var peerLogger = Logger(label: "outbox-tests.peer")
    peerLogger.logLevel = .critical
    configuration.logger = peerLogger
    if tls {
        configuration.tls = .init(
            certificateChain: TLSFixture.path("server.pem"),
            privateKey: TLSFixture.path("server.key")
        )
    }
    configuration.routes = rest.install
    return try await WebSocketPeer.withPeer(configuration: configuration) { peer in try await body(peer, rest) }
}

func httpConfiguration(tls: Bool) -> HTTPClientConfiguration {
    var configuration = HTTPClientConfiguration()
    if tls { configuration.tls = TLSConfiguration(caFile: TLSFixture.path("ca.pem")) }
    return configuration
}

func api(_ peer: WebSocketPeer, resellerID: String? = nil) -> DojoAPIConfiguration {
    DojoAPIConfiguration(
        baseURL: peer.httpBaseURL,
        apiKey: "sk_sandbox_test",
        softwareHouseID: "acme-epos",
        resellerID: resellerID,
        apiVersion: "2026-02-27"
    )
}

/// A wall clock that only moves when told to. Sleepers are resumed when the clock reaches their deadline, and
/// tests can await the moment something starts sleeping until a given time.
final class ManualWallClock: WallClock {
    private struct Sleeper {
        var id: UInt64
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        var deadlineWaiters: [(deadline: Date, continuation: CheckedContinuation<Void, Never>)] = []
        var deadlinesSeen: Set<Date> = []
    }

    private let state: PThreadLock<State>

    init(now: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        self.state = PThreadLock(State(now: now))
    }

    var now: Date { self.state.withLock { $0.now } }

    func sleep(until deadline: Date) async throws {
        let id: UInt64 = self.state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Outcome { case now, cancelled, waiting }
                let (outcome, waiters): (Outcome, [CheckedContinuation<Void, Never>]) = self.state.withLock { state in
                    if Task.isCancelled { return (.cancelled, []) }
                    if deadline <= state.now { return (.now, []) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    state.deadlinesSeen.insert(deadline)
                    let matching = state.deadlineWaiters.filter { $0.deadline == deadline }.map(\.continuation)
                    state.deadlineWaiters.removeAll { $0.deadline == deadline }
                    return (.waiting, matching)
                }
                for waiter in waiters { waiter.resume() }
                switch outcome {
                case .now: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .waiting: break
                }
            }
        } onCancel: {
            let sleeper: Sleeper? = self.state.withLock { state in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Returns once something has slept (or is sleeping) until exactly `deadline`.
    func waitForSleeper(until deadline: Date) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let seen: Bool = self.state.withLock { state in
                if state.deadlinesSeen.contains(deadline) { return true }
                state.deadlineWaiters.append((deadline, continuation))
                return false
            }
            if seen { continuation.resume() }
        }
    }

    /// Moves the clock to `date` and wakes every sleeper whose deadline has come.
    func advance(to date: Date) {
        let due: [Sleeper] = self.state.withLock { state in
            state.now = max(state.now, date)
            let due = state.sleepers.filter { $0.deadline <= state.now }
            state.sleepers.removeAll { $0.deadline <= state.now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    func advance(by seconds: TimeInterval) {
        self.advance(to: self.now.addingTimeInterval(seconds))
    }
}

/// Runs `service` in a child task for the duration of `body`, then cancels it and waits for it to end.
func whileRunning<Result: Sendable>(
    _ run: @escaping @Sendable () async throws -> Void,
    _ body: () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await run() }
        do {
            let result = try await body()
            group.cancelAll()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            try? await group.waitForAll()
            throw error
        }
    }
}

func event(_ type: PosEventType, _ id: String) -> PosEvent {
    try! PosEvent(type: type, entityID: id)
}

/// Runs blocking work (socket reads, waiting for a child process) on a thread of its own, so that the cooperative
/// pool (two threads on this machine) stays free for the code under test.
func onThread<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
        Thread { continuation.resume(returning: work()) }.start()
    }
}
