import AgentSupport

/// The requests of one session that are being served, each in a task of its own.
///
/// A request gets one task, not a child of a task group plus a task for its adapter call: the `Handle` lets its
/// deadline cancel that one request (a task group can only cancel all its children), and it also records that the
/// request has been answered. This type gives back what the task group gave: at most `limit` run at once (the
/// reader waits for a slot, so the transport's flow control pushes back on Dojo), `cancelAll()` cancels every one
/// (and any started later), and `waitUntilEmpty()` returns once the last one has ended.
final class InFlightRequests: Sendable {
    /// One request's task, for its deadline and its answer.
    final class Handle: Sendable {
        private struct State {
            var task: Task<Void, Never>?
            var cancelRequested = false
            var answered = false
        }

        fileprivate let id: UInt64
        private let state = PThreadLock(State())

        fileprivate init(id: UInt64) {
            self.id = id
        }

        /// True for the first caller only: a request is answered exactly once (by its own result, its failure, the
        /// deadline or its abandonment).
        func claimAnswer() -> Bool {
            self.state.withLock { state in
                defer { state.answered = true }
                return !state.answered
            }
        }

        /// Cancels the request's task (now, or as soon as it exists).
        func cancel() {
            let task: Task<Void, Never>? = self.state.withLock { state in
                state.cancelRequested = true
                return state.task
            }
            task?.cancel()
        }

        fileprivate func attach(_ task: Task<Void, Never>) {
            let cancelNow: Bool = self.state.withLock { state in
                state.task = task
                return state.cancelRequested
            }
            if cancelNow { task.cancel() }
        }
    }

    private struct State {
        var running: [UInt64: Handle] = [:]
        var nextID: UInt64 = 0
        var cancelled = false
        /// The reader, waiting for a slot.
        var slotWaiter: CheckedContinuation<Void, Never>?
        /// Waiting for the last request to end.
        var emptyWaiter: CheckedContinuation<Void, Never>?
    }

    let limit: Int
    private let state = PThreadLock(State())

    init(limit: Int) {
        precondition(limit > 0, "BUG: at least one request must be able to run")
        self.limit = limit
    }

    /// Waits until fewer than `limit` requests run (returns at once when cancelled: the caller stops reading).
    func waitForSlot() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let wait: Bool = self.state.withLock { state in
                    guard state.running.count >= self.limit, !state.cancelled, !Task.isCancelled else { return false }
                    state.slotWaiter = continuation
                    return true
                }
                if !wait { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.state.withLock { state in
                defer { state.slotWaiter = nil }
                return state.slotWaiter
            }
            waiter?.resume()
        }
    }

    /// Starts `body` in a task of its own on `executor` (nil: the global concurrent executor).
    func start(
        executor: (any TaskExecutor)?,
        _ body: @escaping @Sendable (Handle) async -> Void
    ) {
        let (handle, cancelled): (Handle, Bool) = self.state.withLock { state in
            state.nextID += 1
            let handle = Handle(id: state.nextID)
            state.running[handle.id] = handle
            return (handle, state.cancelled)
        }
        if cancelled { handle.cancel() }
        handle.attach(
            Task(executorPreference: executor) {
                await body(handle)
                self.finished(handle)
            }
        )
    }

    /// Cancels every request running now and every one started from now on.
    func cancelAll() {
        let (handles, waiter): ([Handle], CheckedContinuation<Void, Never>?) = self.state.withLock { state in
            state.cancelled = true
            defer { state.slotWaiter = nil }
            return (Array(state.running.values), state.slotWaiter)
        }
        for handle in handles { handle.cancel() }
        waiter?.resume()
    }

    /// Returns once no request is running.
    func waitUntilEmpty() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let empty: Bool = self.state.withLock { state in
                guard !state.running.isEmpty else { return true }
                state.emptyWaiter = continuation
                return false
            }
            if empty { continuation.resume() }
        }
    }

    private func finished(_ handle: Handle) {
        let (slot, empty): (CheckedContinuation<Void, Never>?, CheckedContinuation<Void, Never>?) =
            self.state.withLock { state in
                state.running[handle.id] = nil
                var slot: CheckedContinuation<Void, Never>?
                if state.running.count < self.limit {
                    slot = state.slotWaiter
                    state.slotWaiter = nil
                }
                var empty: CheckedContinuation<Void, Never>?
                if state.running.isEmpty {
                    empty = state.emptyWaiter
                    state.emptyWaiter = nil
                }
                return (slot, empty)
            }
        slot?.resume()
        empty?.resume()
    }
}
