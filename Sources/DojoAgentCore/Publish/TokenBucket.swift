import Foundation

/// Bounds the delivery rate without delaying a live burst: up to `burst` events go at once (as fast as
/// `max_in_flight` and Dojo's answers allow), then `rate` events per second, the bucket refilling at `rate` while
/// traffic is below it. So a restaurant's burst of changes (a busy hour, a POS re-notifying after a restart)
/// reaches Dojo in real time, and only a backlog larger than `burst` (after a long outage) is spread over
/// `(backlog - burst) / rate` seconds. Pure; time is passed in.
struct TokenBucket: Sendable {
    /// Tokens per second; 0 or less disables the limit.
    let rate: Double
    /// Tokens banked at most: the events that may go without waiting.
    let capacity: Double
    private var tokens: Double
    private var updatedAt: Date?

    /// - Parameters:
    ///   - rate: tokens per second (`outbox.drain_rate`); 0 or less disables the limit.
    ///   - burst: tokens banked at most (`outbox.drain_burst`), at least 1; the bucket starts full.
    init(rate: Double, burst: Int) {
        self.rate = rate
        self.capacity = Double(max(burst, 1))
        self.tokens = self.capacity
    }

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
