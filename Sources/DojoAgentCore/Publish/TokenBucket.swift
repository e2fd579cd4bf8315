import Foundation

/// Bounds the delivery rate after an outage: `rate` tokens per second, at most `rate` banked (so a backlog
/// drains at `rate` events/s after a one-second burst, instead of all at once). Pure; time is passed in.
struct TokenBucket: Sendable {
    /// Tokens per second; 0 or less disables the limit.
    let rate: Double
    private var tokens: Double
    private var updatedAt: Date?

    init(rate: Double) {
        self.rate = rate
        self.tokens = max(rate, 1)
    }

    private var capacity: Double { max(self.rate, 1) }

    /// Takes a token if one is available at `now`.
    mutating func take(at now: Date) -> Bool {
        guard self.rate > 0 else { return true }
        self.refill(at: now)
        guard self.tokens >= 1 else { return false }
        self.tokens -= 1
        return true
    }

    /// When the next token will be available (`now` if one is).
    mutating func nextTokenDate(at now: Date) -> Date {
        guard self.rate > 0 else { return now }
        self.refill(at: now)
        if self.tokens >= 1 { return now }
        return now.addingTimeInterval((1 - self.tokens) / self.rate)
    }

    private mutating func refill(at now: Date) {
        if let updatedAt = self.updatedAt {
            let elapsed = max(0, now.timeIntervalSince(updatedAt))
            self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        }
        self.updatedAt = now
    }
}
