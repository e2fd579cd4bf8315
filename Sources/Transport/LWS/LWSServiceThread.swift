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
}

/// A libwebsockets context on its own thread, and the one way other threads reach it.
///
/// Invariants (libwebsockets README.coding, "Libwebsockets is singlethreaded"; lws 4.1.6 here has `LWS_MAX_SMP 1`):
/// 1. The service thread is the only caller of lws, with one exception: `lws_cancel_service`, which any thread may
///    call to wake the loop. It is only ever called with `shared` locked and `shared.context` non-nil, and the
///    service thread clears `shared.context` under that lock before `lws_context_destroy`: no wake after destroy.
/// 2. Other threads talk to the loop by `enqueue`ing a command, which wakes it only on the empty → non-empty
///    transition; the client takes the commands with `takeCommands()` in `LWS_CALLBACK_EVENT_WAIT_CANCELLED`.
/// 3. Timer-driven callbacks run before `poll()` (lws trap 2): an exit asked for from one of them would leave the
///    loop asleep in `poll()`, so `requestExit` always wakes the loop itself.
/// 4. The thread creates the context, services it until `requestExit` (or an lws error), closes the queue,
///    destroys the context and completes `finished`. Teardown happens on the thread that owns the context.
final class LWSServiceThread<Command>: @unchecked Sendable {
    // @unchecked Sendable: `shared` is lock-protected; `thread` is written once, on the service thread, before
    // any callback runs; `exitRequested` is service-thread confined (checked by `assertOnServiceThread`).

    private struct Shared {
        var context: OpaquePointer?
        var accepting = true
        var commands: [Command] = []
    }

    /// Completed when the service thread has destroyed its context and is about to return.
    let finished = Completion()
    private let name: String
    private let shared = PThreadLock(Shared())
    private var thread: pthread_t?
    private var exitRequested = false

    init(name: String) {
        self.name = name
    }

    /// Starts the thread and runs `client` on it. The thread holds `client` strongly until it returns, which is
    /// what makes an unretained pointer to the client in the context's user data safe.
    func start(_ client: some LWSServiceClient<Command>) {
        let thread = Thread { [self] in self.run(client) }
        thread.name = self.name
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
            if wasEmpty { lws_cancel_service(context) }
            return true
        }
    }

    /// From now on `enqueue` refuses commands (those already queued are still drained).
    func refuseCommands() {
        self.shared.withLock { $0.accepting = false }
    }

    // MARK: - Service thread

    func assertOnServiceThread() {
        assert(self.thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false, "BUG: off the lws thread")
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
        self.thread = pthread_self()
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
            if lws_service(lws.context, 0) < 0 { break }
        }
        // Invariant 1: the context pointer goes under the lock before the context does.
        let leftover: [Command] = self.shared.withLock { shared in
            shared.context = nil
            shared.accepting = false
            defer { shared.commands.removeAll() }
            return shared.commands
        }
        client.serviceStopping(leftover: leftover)
    }
}
