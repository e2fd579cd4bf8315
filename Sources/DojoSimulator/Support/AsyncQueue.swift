import NIOConcurrencyHelpers

/// A buffered, finishable queue with one consumer: producers `push` from any thread, the consumer awaits `next`.
///
/// Tests await what the server saw (a connection, a message, a ping) through these queues instead of sleeping.
public final class AsyncQueue<Element: Sendable>: Sendable {
    private struct State {
        var buffer: [Element] = []
        var head = 0
        var waiter: CheckedContinuation<Element?, Never>?
        var finished = false
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Appends an element, or hands it straight to a waiting consumer. Ignored after `finish`.
    public func push(_ element: Element) {
        let waiter: CheckedContinuation<Element?, Never>? = self.state.withLockedValue { state in
            guard !state.finished else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.buffer.append(element)
            return nil
        }
        waiter?.resume(returning: element)
    }

    /// Ends the queue: once the buffer is drained, `next` returns nil.
    public func finish() {
        let waiter: CheckedContinuation<Element?, Never>? = self.state.withLockedValue { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// The next element, waiting for one if needed; nil once finished and drained, or when the waiting task is
    /// cancelled (so a wait bounded by ``withDeadline(_:waitingFor:_:)`` ends at its deadline instead of holding
    /// the deadline's task group open forever). An element pushed after a cancelled wait stays queued.
    public func next() async -> Element? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
                let immediate: Element?? = self.state.withLockedValue { state in
                    if state.head < state.buffer.count {
                        let element = state.buffer[state.head]
                        state.head += 1
                        if state.head == state.buffer.count {
                            state.buffer.removeAll(keepingCapacity: true)
                            state.head = 0
                        }
                        return .some(element)
                    }
                    // Checked under the lock: a cancellation that came before this point found no waiter to resume.
                    if state.finished || Task.isCancelled { return .some(nil) }
                    precondition(state.waiter == nil, "BUG: AsyncQueue has a single consumer")
                    state.waiter = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Element?, Never>? = self.state.withLockedValue { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Everything pushed and not yet consumed.
    public var pending: [Element] {
        self.state.withLockedValue { Array($0.buffer[$0.head...]) }
    }
}
