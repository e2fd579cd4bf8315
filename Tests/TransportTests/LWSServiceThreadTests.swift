import AgentSupport
import CLibWebSockets
import Foundation
import Testing

@testable import Transport

/// The bridge to the lws thread on a real (socketless) lws context: commands in, wake-ups, refusal and teardown.
@Suite(.timeLimit(.minutes(1)))
struct LWSServiceThreadTests {
    @Test func commandsFromManyTasksArriveOnceEachInPerSenderOrder() async throws {
        let client = RecordingClient()
        try await client.start()
        await withTaskGroup(of: Void.self) { group in
            for sender in 0..<4 {
                group.addTask {
                    for index in 0..<500 {
                        #expect(client.service.enqueue(.record(sender: sender, index: index)))
                    }
                }
            }
        }
        #expect(client.service.enqueue(.stop))
        await client.service.finished.wait()
        for sender in 0..<4 {
            #expect(client.received.filter { $0.sender == sender }.map(\.index) == Array(0..<500))
        }
        #expect(client.received.count == 2000)
        #expect(client.leftover == 0)
        #expect(client.ended)
    }

    @Test func nothingIsAcceptedBeforeTheContextExistsOrAfterTheThreadEnds() async throws {
        let client = RecordingClient()
        #expect(!client.service.enqueue(.record(sender: 0, index: 0)), "no context yet: a wake would go nowhere")
        try await client.start()
        #expect(client.service.enqueue(.stop))
        await client.service.finished.wait()
        #expect(!client.service.enqueue(.record(sender: 0, index: 1)))
        #expect(!client.service.enqueue(.stop, evenIfRefusing: true), "never a wake after the context is destroyed")
        #expect(client.received.isEmpty)
    }

    @Test func aTaskPreferringTheServiceThreadRunsOnItAndResumesThereAfterAwaitingElsewhere() async throws {
        let client = RecordingClient()
        try await client.start()
        let serviceThread = try #require(client.serviceThread)
        let (before, afterSleep, afterDetached) = await withTaskExecutorPreference(client.service) {
            let before = pthread_equal(pthread_self(), serviceThread) != 0
            // Resumed by the runtime's timer, off the service thread: the job is handed back with a wake-up.
            try? await Task.sleep(for: .milliseconds(1))
            let afterSleep = pthread_equal(pthread_self(), serviceThread) != 0
            // Resumed from a task on the global executor.
            await Task.detached { await Task.yield() }.value
            return (before, afterSleep, pthread_equal(pthread_self(), serviceThread) != 0)
        }
        #expect(before && afterSleep && afterDetached)
        #expect(client.service.enqueue(.stop))
        await client.service.finished.wait()
    }

    @Test func jobsQueuedFromTheServiceThreadNeedNoWakeUp() async throws {
        let client = RecordingClient()
        try await client.start()
        let wakesBefore = client.wakes.value
        let onThread = await withTaskExecutorPreference(client.service) {
            var onThread = 0
            for _ in 0..<1000 {
                // Each yield queues this task's next job from the service thread itself.
                await Task.yield()
                if pthread_equal(pthread_self(), client.serviceThread!) != 0 { onThread += 1 }
            }
            return onThread
        }
        #expect(onThread == 1000)
        // A wake to hand the task over, and one per `jobRoundsPerTurn` batches (the loop polls the socket in between,
        // waking itself so that the poll returns at once); never one per yield (1,000).
        #expect(client.wakes.value - wakesBefore < 100)
        #expect(client.service.enqueue(.stop))
        await client.service.finished.wait()
    }

    @Test func commandsQueuedByTheServiceThreadsOwnJobsNeedNoWakeUpAndAreDrainedBeforeThePoll() async throws {
        let client = RecordingClient()
        try await client.start()
        let wakesBefore = client.wakes.value
        let (accepted, drainedAtOnce) = await withTaskExecutorPreference(client.service) {
            var accepted = 0
            var drainedAtOnce = 0
            for index in 0..<1000 {
                if client.service.enqueue(.record(sender: 0, index: index)) { accepted += 1 }
                // The yield's job runs after the loop has drained the command just queued, in the same pass
                // between two turns: nothing waited for a poll (the context has no socket, so a poll would sleep
                // for lws's whole timeout, far beyond this test's time limit).
                await Task.yield()
                if client.receivedCount == index + 1 { drainedAtOnce += 1 }
            }
            return (accepted, drainedAtOnce)
        }
        #expect(accepted == 1000)
        #expect(drainedAtOnce == 1000)
        #expect(client.received.map(\.index) == Array(0..<1000))
        // A wake to hand the task over, and one per `jobRoundsPerTurn` rounds; never one per command (1,000).
        #expect(client.wakes.value - wakesBefore < 100)
        #expect(client.service.enqueue(.stop))
        await client.service.finished.wait()
    }

    @Test func aTaskThatOutlivesTheServiceThreadStillRuns() async throws {
        let client = RecordingClient()
        try await client.start()
        let serviceThread = try #require(client.serviceThread)
        #expect(client.service.enqueue(.stop))
        await client.service.finished.wait()
        let ranElsewhere = await withTaskExecutorPreference(client.service) {
            await Task.yield()
            return pthread_equal(pthread_self(), serviceThread) == 0
        }
        #expect(ranElsewhere, "no context: jobs go to the global concurrent executor")
    }

    @Test func aRefusingQueueStillTakesTheFinalCommand() async throws {
        let client = RecordingClient()
        try await client.start()
        client.service.refuseCommands()
        #expect(!client.service.enqueue(.record(sender: 0, index: 0)))
        #expect(client.service.enqueue(.stop, evenIfRefusing: true))
        await client.service.finished.wait()
        #expect(client.received.isEmpty)
        #expect(client.ended)
    }
}

/// A service client that records what it drains; `.stop` asks the thread to exit.
private final class RecordingClient: LWSServiceClient, @unchecked Sendable {
    // @unchecked Sendable: `received`, `leftover` and `ended` are written on the service thread only and read by the
    // test after `finished` (whose lock orders the two); `started` is thread-safe.

    enum Command {
        case record(sender: Int, index: Int)
        case stop
    }

    let service = LWSServiceThread<Command>(name: "lws-test")
    var received: [(sender: Int, index: Int)] = []
    /// `received.count`, for a job on the service thread to read while the test runs.
    var receivedCount: Int {
        self.service.assertOnServiceThread()
        return self.received.count
    }
    var leftover = -1
    var ended = false
    /// The service thread (set before `start` returns).
    private(set) var serviceThread: pthread_t?
    /// `EVENT_WAIT_CANCELLED` callbacks: the loop's wake-ups.
    let wakes = WakeCounter()
    private let startedLock = PThreadLock<CheckedContinuation<Void, any Error>?>(nil)
    private let protocols: UnsafeMutablePointer<lws_protocols>
    private let name = strdup("dojo-test")!

    init() {
        self.protocols = .allocate(capacity: 2)
        self.protocols.initialize(repeating: lws_protocols(), count: 2)
        self.protocols[0].name = UnsafePointer(self.name)
        self.protocols[0].callback = recordingCallback
    }

    deinit {
        free(self.name)
        self.protocols.deinitialize(count: 2)
        self.protocols.deallocate()
    }

    func start() async throws {
        try await withCheckedThrowingContinuation { continuation in
            self.startedLock.withLock { $0 = continuation }
            self.service.start(self)
        }
    }

    private func resumeStart(_ result: Result<Void, any Error>) {
        let continuation = self.startedLock.withLock { started in
            defer { started = nil }
            return started
        }
        continuation?.resume(with: result)
    }

    func makeContext() throws(LWSContextError) -> LWSContext {
        var info = LWSContext.clientInfo(protocols: self.protocols, user: self)
        return try LWSContext(&info, tls: nil)
    }

    func contextFailed(_ error: LWSContextError) { self.resumeStart(.failure(error)) }
    func serviceStarted(context: OpaquePointer, vhost: OpaquePointer) {
        self.serviceThread = pthread_self()
        self.resumeStart(.success(()))
    }
    func serviceStopping(leftover: [Command]) { self.leftover = leftover.count }
    func serviceEnded() { self.ended = true }

    /// From `EVENT_WAIT_CANCELLED` (a wake-up, counted by the callback) and from the loop between turns.
    func drainCommands() {
        self.service.assertOnServiceThread()
        for command in self.service.takeCommands() {
            switch command {
            case .record(let sender, let index): self.received.append((sender, index))
            case .stop: self.service.requestExit()
            }
        }
    }
}

final class WakeCounter: Sendable {
    private let count = PThreadLock(0)
    func add() { self.count.withLock { $0 += 1 } }
    var value: Int { self.count.withLock { $0 } }
}

private func recordingCallback(
    _ wsi: OpaquePointer?,
    _ reason: lws_callback_reasons,
    _ user: UnsafeMutableRawPointer?,
    _ data: UnsafeMutableRawPointer?,
    _ length: Int
) -> Int32 {
    guard reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED, let wsi, let context = lws_get_context(wsi),
        let raw = lws_context_user(context)
    else { return 0 }
    let client = Unmanaged<RecordingClient>.fromOpaque(raw).takeUnretainedValue()
    client.wakes.add()
    client.drainCommands()
    return 0
}
