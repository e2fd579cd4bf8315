import AgentSupport

/// Remembers the response sent for each JSON-RPC id for a window, so a request that repeats an id (Dojo retrying
/// after a timeout, or a duplicate frame) is answered with the stored response instead of running twice. A repeat
/// that arrives while the first is still running waits for it and gets the same response.
///
/// Memory is bounded three ways: entries older than the window are pruned, at most `capacity` are kept, and the
/// answered entries hold at most `maximumBytes` (each costs its id, method and response in UTF-8 bytes plus
/// ``entryOverhead``); the oldest go first. The newest answer is always kept until the next one arrives, even
/// when it alone exceeds the budget, so a repeat waiting for it still gets it.
final class ReplayCache<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    enum Lookup {
        /// First time this id is seen: handle it, then call `complete`.
        case new
        /// The same id is being handled now: wait for the signal, then read `storedResponse`.
        case inFlight(Completion)
        /// Already answered within the window.
        case answered([UInt8])
    }

    private enum Entry {
        /// `signal` is made when a repeat first waits for the answer (most requests never repeat).
        case inFlight(method: String, signal: Completion?)
        case answered(method: String, response: [UInt8], at: Instant)
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var order: [(id: String, at: Instant)] = []
        var head = 0
        /// The cost of the answered entries, per ``ReplayCache/cost(id:method:response:)``.
        var bytes = 0
    }

    /// The default byte budget: 32 MiB.
    static var defaultMaximumBytes: Int { 32 << 20 }
    /// Bookkeeping counted per entry on top of its text (dictionary slot, order slot, string headers).
    static var entryOverhead: Int { 128 }

    let window: Duration
    let capacity: Int
    let maximumBytes: Int
    private let state = PThreadLock(State())

    init(window: Duration, capacity: Int = 100_000, maximumBytes: Int = ReplayCache.defaultMaximumBytes) {
        self.window = window
        self.capacity = capacity
        self.maximumBytes = maximumBytes
    }

    /// What one answered entry counts against ``maximumBytes``.
    static func cost(id: String, method: String, response: [UInt8]) -> Int {
        id.utf8.count + method.utf8.count + response.count + entryOverhead
    }

    /// Looks up `id`; a new id is recorded as in flight.
    ///
    /// A repeated id with a *different* method is not a retry; it is treated as new (and the caller logs it).
    func begin(id: String, method: String, now: Instant) -> (lookup: Lookup, methodMismatch: Bool) {
        self.state.withLock { state in
            self.prune(&state, now: now)
            switch state.entries[id] {
            case .inFlight(let seenMethod, let existing) where seenMethod == method:
                let signal = existing ?? Completion()
                if existing == nil { state.entries[id] = .inFlight(method: method, signal: signal) }
                return (.inFlight(signal), false)
            case .answered(let seenMethod, let response, _) where seenMethod == method:
                return (.answered(response), false)
            case .some:
                return (.new, true)
            case nil:
                state.entries[id] = .inFlight(method: method, signal: nil)
                return (.new, false)
            }
        }
    }

    /// Stores the response for `id` and wakes any repeat waiting for it.
    func complete(id: String, method: String, response: [UInt8], now: Instant) {
        let signal: Completion? = self.state.withLock { state in
            let previous = state.entries[id]
            if case .answered(let oldMethod, let oldResponse, _) = previous {
                state.bytes -= Self.cost(id: id, method: oldMethod, response: oldResponse)
            }
            state.entries[id] = .answered(method: method, response: response, at: now)
            state.bytes += Self.cost(id: id, method: method, response: response)
            state.order.append((id, now))
            self.prune(&state, now: now, keepNewest: true)
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
    func storedResponse(for id: String) -> [UInt8]? {
        self.state.withLock { state in
            if case .answered(_, let response, _) = state.entries[id] { return response }
            return nil
        }
    }

    var count: Int { self.state.withLock { $0.entries.count } }

    /// The bytes the answered entries count against ``maximumBytes``.
    var byteCount: Int { self.state.withLock { $0.bytes } }

    private func prune(_ state: inout State, now: Instant, keepNewest: Bool = false) {
        while state.head < state.order.count - (keepNewest ? 1 : 0) {
            let (id, at) = state.order[state.head]
            let expired = at.duration(to: now) > self.window
            let overCapacity = state.order.count - state.head > self.capacity
            let overBudget = state.bytes > self.maximumBytes
            guard expired || overCapacity || overBudget else { break }
            if case .answered(let method, let response, let answeredAt) = state.entries[id], answeredAt == at {
                state.entries[id] = nil
                state.bytes -= Self.cost(id: id, method: method, response: response)
            }
            state.head += 1
        }
        if state.head > 1024, state.head * 2 > state.order.count {
            state.order.removeFirst(state.head)
            state.head = 0
        }
    }
}
