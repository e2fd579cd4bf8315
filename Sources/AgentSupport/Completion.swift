/// A one-shot event that any number of tasks can await, completed from any thread (for example the lws service
/// thread when it has destroyed its context). Awaiting after completion returns at once.
public final class Completion: Sendable {
    private enum State {
        case pending([CheckedContinuation<Void, Never>], [@Sendable () -> Void])
        case done
    }

    private let state = PThreadLock(State.pending([], []))

    public init() {}

    /// Whether `complete()` has been called.
    public var isDone: Bool {
        self.state.withLock { if case .done = $0 { true } else { false } }
    }

    /// Completes the event, resuming every waiter; later calls do nothing.
    public func complete() {
        let (waiters, callbacks): ([CheckedContinuation<Void, Never>], [@Sendable () -> Void]) = self.state.withLock {
            state in
            guard case .pending(let waiters, let callbacks) = state else { return ([], []) }
            state = .done
            return (waiters, callbacks)
        }
        for waiter in waiters { waiter.resume() }
        for callback in callbacks { callback() }
    }

    /// Waits until `complete()` has been called (returns at once if it has).
    public func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow: Bool = self.state.withLock { state in
                switch state {
                case .pending(var waiters, let callbacks):
                    waiters.append(continuation)
                    state = .pending(waiters, callbacks)
                    return false
                case .done:
                    return true
                }
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Calls `body` once the event completes (at once, on this thread, if it has): for a waiter that must stay
    /// cancellable, unlike `wait()`.
    public func onComplete(_ body: @escaping @Sendable () -> Void) {
        let now: Bool = self.state.withLock { state in
            switch state {
            case .pending(let waiters, var callbacks):
                callbacks.append(body)
                state = .pending(waiters, callbacks)
                return false
            case .done:
                return true
            }
        }
        if now { body() }
    }
}
