import Transport

/// Remembers the response sent for each JSON-RPC id for a window, so a request that repeats an id (Dojo retrying
/// after a timeout, or a duplicate frame) is answered with the stored response instead of running twice. A repeat
/// that arrives while the first is still running waits for it and gets the same response.
///
/// Memory is bounded: entries older than the window are pruned, and at most `capacity` are kept.
final class ReplayCache<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    enum Lookup {
        /// First time this id is seen: handle it, then call `complete`.
        case new
        /// The same id is being handled now: wait for the signal, then read `storedResponse`.
        case inFlight(Completion)
        /// Already answered within the window.
        case answered(String)
    }

    private enum Entry {
        case inFlight(method: String, signal: Completion)
        case answered(method: String, response: String, at: Instant)
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var order: [(id: String, at: Instant)] = []
        var head = 0
    }

    let window: Duration
    let capacity: Int
    private let state = PThreadLock(State())

    init(window: Duration, capacity: Int = 100_000) {
        self.window = window
        self.capacity = capacity
    }

    /// Looks up `id`; a new id is recorded as in flight.
    ///
    /// A repeated id with a *different* method is not a retry; it is treated as new (and the caller logs it).
    func begin(id: String, method: String, now: Instant) -> (lookup: Lookup, methodMismatch: Bool) {
        self.state.withLock { state in
            self.prune(&state, now: now)
            switch state.entries[id] {
            case .inFlight(let seenMethod, let signal) where seenMethod == method:
                return (.inFlight(signal), false)
            case .answered(let seenMethod, let response, _) where seenMethod == method:
                return (.answered(response), false)
            case .some:
                return (.new, true)
            case nil:
                state.entries[id] = .inFlight(method: method, signal: Completion())
                return (.new, false)
            }
        }
    }

    /// Stores the response for `id` and wakes any repeat waiting for it.
    func complete(id: String, method: String, response: String, now: Instant) {
        let signal: Completion? = self.state.withLock { state in
            let previous = state.entries[id]
            state.entries[id] = .answered(method: method, response: response, at: now)
            state.order.append((id, now))
            if case .inFlight(_, let signal) = previous { return signal }
            return nil
        }
        signal?.complete()
    }

    /// Forgets an id still in flight whose request could not be answered (its session ended first), and wakes any
    /// repeat waiting for it, which then finds no stored response and runs the request itself.
    func abandon(id: String) {
        let signal: Completion? = self.state.withLock { state in
            guard case .inFlight(_, let signal) = state.entries[id] else { return nil }
            state.entries[id] = nil
            return signal
        }
        signal?.complete()
    }

    /// The response stored for `id`, if any.
    func storedResponse(for id: String) -> String? {
        self.state.withLock { state in
            if case .answered(_, let response, _) = state.entries[id] { return response }
            return nil
        }
    }

    var count: Int { self.state.withLock { $0.entries.count } }

    private func prune(_ state: inout State, now: Instant) {
        while state.head < state.order.count {
            let (id, at) = state.order[state.head]
            let expired = at.duration(to: now) > self.window
            let overCapacity = state.order.count - state.head > self.capacity
            guard expired || overCapacity else { break }
            if case .answered(_, _, let answeredAt) = state.entries[id], answeredAt == at {
                state.entries[id] = nil
            }
            state.head += 1
        }
        if state.head > 1024, state.head * 2 > state.order.count {
            state.order.removeFirst(state.head)
            state.head = 0
        }
    }
}
