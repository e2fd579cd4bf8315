import AgentSupport
import CLibWebSockets
import Foundation

/// What runs on an `LWSServiceThread`: it makes the context and handles its callbacks. Every method is called on
/// the service thread.
protocol LWSServiceClient<Command>: AnyObject, Sendable {
    associatedtype Command

    /// Creates the context (the client's protocols, timeouts, TLS). Its user pointer should lead back to the
    /// client, which the thread holds strongly until it has destroyed the context.
    func makeContext() throws(LWSContextError) -> LWSContext
    /// The context could not be created; the thread ends right after this.
    func contextFailed(_ error: LWSContextError)
    /// The context exists and commands are accepted: start connections, report readiness.
    func serviceStarted(context: OpaquePointer, vhost: OpaquePointer)
    /// The loop has stopped and the command queue is closed; `leftover` were never drained. The context is
    /// destroyed right after this (which may still call back, for connections it closes).
    func serviceStopping(leftover: [Command])
    /// The context is destroyed; the thread ends (and `finished` completes) right after this.
    func serviceEnded()
    /// Handles every queued command (`takeCommands()`). Called from `LWS_CALLBACK_EVENT_WAIT_CANCELLED` (commands
    /// from other threads, which wake the loop) and by the loop itself between two turns (commands its own jobs
    /// queued, which do not), so never inside another lws callback.
    func drainCommands()
}

/// A libwebsockets context on its own thread, and the one way other threads reach it.
///
/// Invariants (libwebsockets README.coding, "Libwebsockets is singlethreaded"; lws 4.1.6 here has `LWS_MAX_SMP 1`):
/// 1. The service thread is the only caller of lws, with one exception: `lws_cancel_service`, which any thread may
///    call to wake the loop. It is only ever called with `shared` locked and `shared.context` non-nil, and the
///    service thread clears `shared.context` under that lock before `lws_context_destroy`: no wake after destroy.
/// 2. Other threads talk to the loop by `enqueue`ing a command, which wakes it only on the empty → non-empty
///    transition; the client takes the commands with `takeCommands()` in `LWS_CALLBACK_EVENT_WAIT_CANCELLED`.
///    A command enqueued by the service thread itself between two turns (a job sending its answer) wakes nothing:
///    the loop drains commands (`drainCommands()`) before it next polls. That saves a wake-pipe write, its read
///    and a poll round per message. Inside `lws_service` (a callback, maybe a timer one that runs before `poll()`)
///    the thread's own commands still wake the loop.
/// 3. Timer-driven callbacks run before `poll()` (lws trap 2): an exit asked for from one of them would leave the
///    loop asleep in `poll()`, so `requestExit` always wakes the loop itself.
/// 4. The thread creates the context, services it until `requestExit` (or an lws error), closes the queue,
///    destroys the context and completes `finished`. Teardown happens on the thread that owns the context.
///
/// It is also a `TaskExecutor`: Swift jobs enqueued on it run on the service thread between two `lws_service`
/// turns (never inside an lws callback), so a task that prefers it (`withTaskExecutorPreference`) reads a frame,
/// works and sends its answer without a hand-off to another thread. A job enqueued from the service thread itself
/// (a continuation resumed in a callback) needs no wake-up: the loop runs it as soon as the turn ends. One enqueued
/// from elsewhere wakes the loop like a command. While the context does not exist (before it starts, after it is
/// destroyed) jobs go to the global concurrent executor, so a task that outlives the connection still runs.
final class LWSServiceThread<Command>: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: `shared` is lock-protected; `exitRequested` and `spareJobs` are service-thread
    // confined (checked by `assertOnServiceThread`).

    private struct Shared {
        var context: OpaquePointer?
        var accepting = true
        var commands: [Command] = []
        /// Swift jobs to run after the current service turn.
        var jobs: [UnownedJob] = []
        /// True while the service thread runs jobs and drains commands between two turns (set and read only by
        /// that thread, under the lock like the rest): its own commands then need no wake-up.
        var betweenTurns = false
        /// The service thread, from its first instruction on (for "is the caller the service thread?"). The one
        /// record of it: set before any callback runs; compared only while the context exists or on that thread.
        var serviceThread: pthread_t?
    }

    /// The most rounds of jobs and commands run between two service turns before the loop polls again (with a
    /// self-wake, so the poll does not sleep): jobs that keep scheduling jobs cannot starve the socket.
    private static var jobRoundsPerTurn: Int { 64 }

    /// Completed when the service thread has destroyed its context and is about to return.
    let finished = Completion()
    private let name: String
    private let shared = PThreadLock(Shared())
    private var exitRequested = false
    private var spareJobs: [UnownedJob] = []

    init(name: String) {
        self.name = name
    }

    /// Starts the thread and runs `client` on it. The thread holds `client` strongly until it returns, which is
    /// what makes an unretained pointer to the client in the context's user data safe.
    func start(_ client: some LWSServiceClient<Command>) {
        let thread = Thread { [self] in
            // Named from inside, for the kernel: what operators (`top -H`, `ps -L`) and tests see (see the shim).
            clws_name_current_thread(self.name)
            self.run(client)
        }
        thread.start()
    }

    // MARK: - Any thread

    /// Appends `command` and wakes the loop. Returns false when the loop takes no more commands (not started yet,
    /// refusing, or ended); `evenIfRefusing` still delivers it while the loop runs (a final command after
    /// `refuseCommands`).
    @discardableResult
    func enqueue(_ command: Command, evenIfRefusing: Bool = false) -> Bool {
        self.shared.withLock { shared in
            guard shared.accepting || evenIfRefusing, let context = shared.context else { return false }
            let wasEmpty = shared.commands.isEmpty
            shared.commands.append(command)
            // Invariant 2: between turns the service thread drains commands again before it polls.
            if wasEmpty, !(shared.betweenTurns && Self.isServiceThread(shared)) { lws_cancel_service(context) }
            return true
        }
    }

    /// Runs `job` on the service thread after the current turn (see the type's comment); on the global concurrent
    /// executor when the context does not exist.
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let queued = self.shared.withLock { shared in
            guard let context = shared.context else { return false }
            let wasEmpty = shared.jobs.isEmpty
            shared.jobs.append(job)
            if wasEmpty, !Self.isServiceThread(shared) { lws_cancel_service(context) }
            return true
        }
        if !queued { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }

    /// From now on `enqueue` refuses commands (those already queued are still drained).
    func refuseCommands() {
        self.shared.withLock { $0.accepting = false }
    }

    // MARK: - Service thread

    func assertOnServiceThread() {
        assert(self.shared.withLock { Self.isServiceThread($0) }, "BUG: off the lws thread")
    }

    private static func isServiceThread(_ shared: borrowing Shared) -> Bool {
        shared.serviceThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
    }

    /// The commands queued since the last call, in order (call it from `EVENT_WAIT_CANCELLED`).
    func takeCommands() -> [Command] {
        self.shared.withLock { shared in
            defer { shared.commands.removeAll(keepingCapacity: true) }
            return shared.commands
        }
    }

    /// Leaves the service loop after the current callback.
    func requestExit() {
        self.assertOnServiceThread()
        self.exitRequested = true
        // Invariant 3 (lws trap 2): self-wake, or a timer callback's exit waits in poll().
        self.shared.withLock { shared in
            if let context = shared.context { lws_cancel_service(context) }
        }
    }

    private func run(_ client: some LWSServiceClient<Command>) {
        _ = LWSLog.install
        self.shared.withLock { $0.serviceThread = pthread_self() }
        LWSLog.beginCapture()
        defer { LWSLog.endCapture() }

        do {
            let lws = try client.makeContext()
            self.serve(lws, client)
            lws.destroy()
        } catch {
            self.refuseCommands()
            client.contextFailed(error)
            self.finished.complete()
            return
        }
        client.serviceEnded()
        self.finished.complete()
    }

    /// Services `lws` until an exit is requested (or lws fails), then closes the queue.
    private func serve(_ lws: borrowing LWSContext, _ client: some LWSServiceClient<Command>) {
        self.shared.withLock { $0.context = lws.context }
        client.serviceStarted(context: lws.context, vhost: lws.vhost)
        while !self.exitRequested {
            // Jobs and commands first, so none queued on this thread (by `serviceStarted`, the last turn's callbacks
            // or the jobs themselves, which do not wake the loop) waits for the next poll to return.
            self.runBetweenTurns(client)
            if self.exitRequested || lws_service(lws.context, 0) < 0 { break }
        }
        // Invariant 1: the context pointer goes under the lock before the context does.
        let (leftover, jobs): ([Command], [UnownedJob]) = self.shared.withLock { shared in
            shared.context = nil
            shared.accepting = false
            defer {
                shared.commands.removeAll()
                shared.jobs.removeAll()
            }
            return (shared.commands, shared.jobs)
        }
        // From here on `enqueue` sends jobs to the global executor; these were queued before that.
        for job in jobs { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
        client.serviceStopping(leftover: leftover)
    }

    /// Runs the jobs queued for this thread and drains the commands they queue, round after round, until a round
    /// finds neither (at most ``jobRoundsPerTurn`` rounds; then a self-wake, so the poll that follows does not
    /// sleep and the sockets are served before the rest).
    private func runBetweenTurns(_ client: some LWSServiceClient<Command>) {
        self.shared.withLock { $0.betweenTurns = true }
        defer { self.shared.withLock { $0.betweenTurns = false } }
        for _ in 0..<Self.jobRoundsPerTurn {
            let ranJobs = self.runJobBatch()
            let hasCommands = self.shared.withLock { !$0.commands.isEmpty }
            if hasCommands { client.drainCommands() }
            guard ranJobs || hasCommands, !self.exitRequested else { return }
        }
        self.shared.withLock { shared in
            if let context = shared.context { lws_cancel_service(context) }
        }
    }

    /// Runs the jobs queued so far (not those they queue); false when there were none.
    private func runJobBatch() -> Bool {
        var batch: [UnownedJob] = []
        swap(&batch, &self.spareJobs)  // reuse the last batch's storage; nothing else references it
        let empty = self.shared.withLock { shared in
            swap(&shared.jobs, &batch)
            return batch.isEmpty
        }
        if !empty {
            let executor = self.asUnownedTaskExecutor()
            for job in batch { job.runSynchronously(on: executor) }
            batch.removeAll(keepingCapacity: true)
        }
        self.spareJobs = batch
        return !empty
    }
}
