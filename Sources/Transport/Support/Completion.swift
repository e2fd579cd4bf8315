/// A one-shot event that any number of tasks can await, completed from any thread (for example the lws service
/// thread when it has destroyed its context). Awaiting after completion returns at once.
public final class Completion: Sendable {
    private enum State {
        case pending([CheckedContinuation<Void, Never>])
        case done
    }

    private let state = PThreadLock(State.pending([]))

    public init() {}

    /// Whether `complete()` has been called.
    public var isDone: Bool {
        self.state.withLock { if case .done = $0 { true } else { false } }
    }

    /// Completes the event, resuming every waiter; later calls do nothing.
    public func complete() {
        let waiters: [CheckedContinuation<Void, Never>] = self.state.withLock { state in
            guard case .pending(let waiters) = state else { return [] }
            state = .done
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until `complete()` has been called (returns at once if it has).
    public func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow: Bool = self.state.withLock { state in
                switch state {
                case .pending(var waiters):
                    waiters.append(continuation)
                    state = .pending(waiters)
                    return false
                case .done:
                    return true
                }
            }
            if resumeNow { continuation.resume() }
        }
    }
}
