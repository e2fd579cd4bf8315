import AgentSupport

/// A current value and a stream of its changes for each observer: what `capabilityUpdates()` and
/// `statusUpdates()` are built on.
///
/// Each call to ``updates()`` gets its own stream, starting with the current value (if there is one); a value equal
/// to the current one is not repeated. Changes are yielded under the lock, so every observer sees them in order.
final class ValueBroadcast<Value: Sendable & Equatable>: Sendable {
    private struct State {
        var value: Value?
        var observers: [UInt64: AsyncStream<Value>.Continuation] = [:]
        var nextObserver: UInt64 = 0
        var finished = false
    }

    private let state: PThreadLock<State>

    init(_ initial: Value?) {
        self.state = PThreadLock(State(value: initial))
    }

    /// The current value.
    var value: Value? { state.withLock { $0.value } }

    /// The current value first, then every change, until ``finish()``.
    func updates() -> AsyncStream<Value> {
        let (stream, continuation) = AsyncStream.makeStream(of: Value.self, bufferingPolicy: .bufferingNewest(64))
        let id: UInt64? = state.withLock { state in
            if let value = state.value { continuation.yield(value) }
            guard !state.finished else { return nil }
            state.nextObserver += 1
            state.observers[state.nextObserver] = continuation
            return state.nextObserver
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.observers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Sets the value and tells every observer, unless it is unchanged.
    func update(_ body: (inout Value?) -> Void) {
        state.withLock { state in
            let old = state.value
            body(&state.value)
            guard let value = state.value, value != old else { return }
            for observer in state.observers.values { observer.yield(value) }
        }
    }

    /// Ends every stream; later observers get the last value and an immediate end.
    func finish() {
        let observers = state.withLock { state in
            state.finished = true
            defer { state.observers.removeAll() }
            return Array(state.observers.values)
        }
        for observer in observers { observer.finish() }
    }
}
