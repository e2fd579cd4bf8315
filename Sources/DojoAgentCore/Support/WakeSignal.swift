import AgentSupport

/// A lossy, single-slot wake-up: any number of `signal()`s before a `wait()` leave one pending wake-up.
///
/// Used where the source of truth is elsewhere (the outbox table): a waiter that wakes re-reads the truth, so
/// losing the count of signals loses nothing.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = PThreadLock(State())

    init() {}

    /// Wakes the waiter, or leaves a wake-up for the next `wait()`.
    func signal() {
        let waiter: CheckedContinuation<Void, Never>? = self.state.withLock { state in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at the next signal (at once if one is pending), or when the task is cancelled. One waiter at a time.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = self.state.withLock { state in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    precondition(state.waiter == nil, "BUG: WakeSignal has a single waiter")
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Void, Never>? = self.state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
