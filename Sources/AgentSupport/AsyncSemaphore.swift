/// A counting semaphore for tasks: `acquire` waits (cancellably) for one of `limit` permits, `release` returns one.
/// Waiters are served first come, first served.
public final class AsyncSemaphore: Sendable {
    private struct State {
        var available: Int
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID: UInt64 = 0
    }

    private let state: PThreadLock<State>

    public init(limit: Int) {
        precondition(limit > 0, "BUG: a semaphore needs at least one permit")
        self.state = PThreadLock(State(available: limit))
    }

    /// Takes a permit, waiting for one if none is free. Throws `CancellationError` if the task is cancelled while
    /// waiting (and then holds no permit).
    public func acquire() async throws {
        let id: UInt64 = self.state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Outcome { case granted, waiting, cancelled }
                // The cancellation check and the append happen under the lock that `onCancel` takes, so a waiter
                // is either removed by `onCancel` or never added: resumed exactly once.
                let outcome: Outcome = self.state.withLock { state in
                    if Task.isCancelled { return .cancelled }
                    if state.available > 0, state.waiters.isEmpty {
                        state.available -= 1
                        return .granted
                    }
                    state.waiters.append((id, continuation))
                    return .waiting
                }
                switch outcome {
                case .granted: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .waiting: break
                }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Void, any Error>? = self.state.withLock { state in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Returns a permit, handing it straight to the oldest waiter if there is one.
    public func release() {
        let waiter: CheckedContinuation<Void, any Error>? = self.state.withLock { state in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume()
    }
}
