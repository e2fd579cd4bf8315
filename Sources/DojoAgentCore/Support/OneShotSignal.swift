/// A one-shot event that any number of tasks can await; fired once, from any thread.
final class OneShotSignal: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Void, Never>])
        case fired
    }

    private let state = Locked(State.waiting([]))

    var hasFired: Bool {
        self.state.withLock { if case .fired = $0 { true } else { false } }
    }

    func fire() {
        let waiters: [CheckedContinuation<Void, Never>] = self.state.withLock { state in
            guard case .waiting(let waiters) = state else { return [] }
            state = .fired
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let fired: Bool = self.state.withLock { state in
                guard case .waiting(var waiters) = state else { return true }
                waiters.append(continuation)
                state = .waiting(waiters)
                return false
            }
            if fired { continuation.resume() }
        }
    }
}
