import Foundation
import Testing

@testable import DojoAgentCore

/// `outbox.drain_rate` / `outbox.drain_burst` (issue 8 §3: 2,000 live changes took 99 s at 20/s): a live burst
/// goes at once; only what exceeds the burst is paced. Time is injected.
@Suite struct TokenBucketTests {
    private let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aLiveBurstOfTwoThousandGoesAtOnceWithTheDefaults() {
        let defaults = Publisher.Configuration()
        var bucket = TokenBucket(rate: defaults.drainRate, burst: defaults.drainBurst)
        #expect(defaults.drainRate == 20)
        #expect(defaults.drainBurst == 2000)
        var taken = 0
        while taken < 2001, bucket.take(at: self.start) { taken += 1 }
        #expect(taken == 2000, "the 2,001st waits")
        let next = bucket.nextTokenDate(at: self.start)
        #expect(next == self.start.addingTimeInterval(0.05))
    }

    @Test func pastTheBurstTheRateHoldsAndQuietTimeRefillsIt() {
        var bucket = TokenBucket(rate: 20, burst: 100)
        var burst = 0
        while burst < 101, bucket.take(at: self.start) { burst += 1 }
        #expect(burst == 100)
        // One second later: 20 more, not 100.
        let later = self.start.addingTimeInterval(1)
        var taken = 0
        while bucket.take(at: later) { taken += 1 }
        #expect(taken == 20)
        // A long quiet spell refills the bucket to its size, no more.
        let quiet = later.addingTimeInterval(3600)
        taken = 0
        while bucket.take(at: quiet) { taken += 1 }
        #expect(taken == 100)
    }

    @Test func aZeroRateDisablesTheLimit() {
        var bucket = TokenBucket(rate: 0, burst: 1)
        var taken = 0
        while taken < 10_000, bucket.take(at: self.start) { taken += 1 }
        #expect(taken == 10_000)
    }
}
