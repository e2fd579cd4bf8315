/// Exponential backoff with full jitter, capped, that resets only after a healthy period. Pure and deterministic
/// given its random source, so the session (reconnects) and the outbox (delivery retries) share one tested rule.
///
/// The delay before attempt *n* (n = 1 after the first failure) is drawn uniformly from `0...ceiling(n)`, where
/// `ceiling(n) = min(maximum, initial × multiplier^(n−1))` ("full jitter", AWS Architecture Blog, *Exponential
/// Backoff and Jitter*): a fleet of agents that lost Dojo at the same instant does not come back in lockstep.
///
/// Ceilings with the session defaults (initial 1 s, multiplier 2, maximum 60 s):
///
/// | failures | 1   | 2   | 3   | 4   | 5    | 6    | 7+   |
/// |----------|-----|-----|-----|-----|------|------|------|
/// | ceiling  | 1 s | 2 s | 4 s | 8 s | 16 s | 32 s | 60 s |
///
/// Ceilings with the auth-rejection policy (initial 60 s, multiplier 2, maximum 15 min):
///
/// | failures | 1    | 2    | 3    | 4    | 5+     |
/// |----------|------|------|------|------|--------|
/// | ceiling  | 60 s | 2 min| 4 min| 8 min| 15 min |
///
/// `minimum` puts a floor under every draw (the auth policy uses 30 s so that even an unlucky draw never hammers).
/// The failure count resets to zero only when `recordSuccess(healthyFor:)` reports that the link stayed up for at
/// least `resetAfter` (cloudflared's grace period): a server that accepts and immediately drops us keeps the
/// backoff growing instead of reconnecting at full speed forever.
public struct Backoff: Sendable {
    /// The tuning of a backoff.
    public struct Policy: Sendable, Hashable {
        /// The ceiling after the first failure.
        public var initial: Duration
        /// The growth factor of the ceiling per failure.
        public var multiplier: Double
        /// The largest ceiling.
        public var maximum: Duration
        /// The smallest delay ever returned.
        public var minimum: Duration
        /// How long a connection must stay healthy before the failure count resets.
        public var resetAfter: Duration

        public init(
            initial: Duration,
            multiplier: Double = 2,
            maximum: Duration,
            minimum: Duration = .zero,
            resetAfter: Duration = .seconds(30)
        ) {
            precondition(initial > .zero && maximum >= initial && multiplier >= 1 && minimum <= maximum)
            self.initial = initial
            self.multiplier = multiplier
            self.maximum = maximum
            self.minimum = minimum
            self.resetAfter = resetAfter
        }

        /// Reconnecting to Dojo after a network failure: 1 s doubling to 60 s, reset after 30 s healthy.
        public static let reconnect = Policy(initial: .seconds(1), maximum: .seconds(60))
        /// Reconnecting after Dojo refused our credentials (HTTP 401/403): minutes, never faster than 30 s.
        public static let authRejected = Policy(
            initial: .seconds(60),
            maximum: .seconds(900),
            minimum: .seconds(30)
        )
        /// Retrying an event delivery: 1 s doubling to 5 min.
        public static let delivery = Policy(initial: .seconds(1), maximum: .seconds(300))
    }

    public let policy: Policy
    /// Consecutive failures since the last reset.
    public private(set) var failures = 0

    public init(policy: Policy) {
        self.policy = policy
    }

    /// The ceiling of the draw after `failures` consecutive failures (0 for none).
    public func ceiling(afterFailures failures: Int) -> Duration {
        guard failures > 0 else { return .zero }
        let initial =
            Double(self.policy.initial.components.seconds)
            + Double(self.policy.initial.components.attoseconds) / 1e18
        let maximum =
            Double(self.policy.maximum.components.seconds)
            + Double(self.policy.maximum.components.attoseconds) / 1e18
        var value = initial
        var step = 1
        while step < failures, value < maximum {
            value *= self.policy.multiplier
            step += 1
        }
        return .milliseconds(Int64((min(value, maximum) * 1000).rounded()))
    }

    /// Records a failure and returns how long to wait before the next attempt.
    /// - Parameter random: a uniform draw in `0...1` (inject a fixed value in tests).
    public mutating func nextDelay(random: Double = Double.random(in: 0...1)) -> Duration {
        self.failures += 1
        let ceiling = self.ceiling(afterFailures: self.failures)
        let drawn = ceiling * min(max(random, 0), 1)
        return max(drawn, self.policy.minimum)
    }

    /// Reports that a connection (or delivery) succeeded and stayed healthy for `healthyFor`. The failure count
    /// resets only if that is at least `policy.resetAfter`. Returns whether it reset.
    @discardableResult
    public mutating func recordSuccess(healthyFor: Duration) -> Bool {
        guard healthyFor >= self.policy.resetAfter else { return false }
        self.failures = 0
        return true
    }

    /// Forgets all failures (for example after a configuration change).
    public mutating func reset() {
        self.failures = 0
    }
}
