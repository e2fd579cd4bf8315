import AgentSupport

/// The deadlines of the requests in flight, served by one task that sleeps until the earliest, instead of a timer
/// (a sleeping task and a clock registration) per request.
///
/// Every request gets the same timeout, so deadlines arrive in almost increasing order: `add` inserts from the back
/// (usually an append) and the sweeper sleeps until the head. While requests keep finishing in time, the sweeper
/// wakes about once per timeout period, finds the head already removed, and sleeps again: no per-request wake-up.
final class DeadlineQueue<C: Clock>: Sendable where C.Duration == Duration {
    /// One registered deadline, for `remove`.
    struct Token: Hashable, Sendable {
        fileprivate let value: UInt64
    }

    private struct State {
        /// Pending expiry actions by token; a removed token is gone from here (and skipped in `order`).
        var live: [UInt64: @Sendable () async -> Void] = [:]
        /// Deadlines in increasing order from `head`.
        var order: [(deadline: C.Instant, token: UInt64)] = []
        var head = 0
        var nextToken: UInt64 = 0
        /// The sweeper, parked while nothing is registered.
        var parked: CheckedContinuation<Void, Never>?
        var stopped = false
    }

    let clock: C
    private let state = PThreadLock(State())

    init(clock: C) {
        self.clock = clock
    }

    /// Registers `onExpiry` to run (on the sweeper's task, one expiry after another) if `deadline` passes before
    /// `remove` is called with the returned token.
    func add(deadline: C.Instant, onExpiry: @escaping @Sendable () async -> Void) -> Token {
        let (token, wake) = self.state.withLock { state -> (UInt64, CheckedContinuation<Void, Never>?) in
            let token = state.nextToken
            state.nextToken += 1
            state.live[token] = onExpiry
            var index = state.order.count
            while index > state.head, state.order[index - 1].deadline > deadline { index -= 1 }
            state.order.insert((deadline, token), at: index)
            defer { state.parked = nil }
            return (token, state.parked)
        }
        wake?.resume()
        return Token(value: token)
    }

    /// Forgets a deadline (its request finished), so its action will not run. Returns false when it had already
    /// expired (its action ran or is running).
    @discardableResult
    func remove(_ token: Token) -> Bool {
        self.state.withLock { state in
            let wasLive = state.live.removeValue(forKey: token.value) != nil
            if state.live.isEmpty {
                state.order.removeAll(keepingCapacity: true)
                state.head = 0
            }
            return wasLive
        }
    }

    /// Deadlines registered and not yet removed or expired (for tests).
    var count: Int { self.state.withLock { $0.live.count } }

    /// Runs expiry actions as their deadlines pass, until the task is cancelled.
    func run() async {
        while !Task.isCancelled {
            guard let earliest = self.earliest() else {
                await self.park()
                continue
            }
            do {
                try await self.clock.sleep(until: earliest, tolerance: nil)
            } catch {
                return
            }
            for action in self.expire(now: self.clock.now) { await action() }
        }
    }

    private func earliest() -> C.Instant? {
        self.state.withLock { state in
            while state.head < state.order.count, state.live[state.order[state.head].token] == nil {
                state.head += 1
            }
            return state.head < state.order.count ? state.order[state.head].deadline : nil
        }
    }

    private func expire(now: C.Instant) -> [@Sendable () async -> Void] {
        self.state.withLock { state in
            var due: [@Sendable () async -> Void] = []
            while state.head < state.order.count, state.order[state.head].deadline <= now {
                if let action = state.live.removeValue(forKey: state.order[state.head].token) { due.append(action) }
                state.head += 1
            }
            if state.head > 1024, state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            return due
        }
    }

    /// Waits until something is registered or the task is cancelled.
    private func park() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { state -> Bool in
                    if state.stopped || !state.live.isEmpty { return true }
                    state.parked = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let parked = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.stopped = true
                defer { state.parked = nil }
                return state.parked
            }
            parked?.resume()
        }
    }
}
