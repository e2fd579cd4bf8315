import Testing

@testable import DojoAgentCore

/// The replay window is bounded by bytes as well as by time and count (issue 8 §3: garbage frames with 1 MB
/// strings must not grow the agent's memory).
@Suite struct ReplayCacheTests {
    private let now = ContinuousClock.now

    private func answer(_ cache: ReplayCache<ContinuousClock.Instant>, _ id: String, _ response: [UInt8]) {
        _ = cache.begin(id: id, method: "CreatePartyV1", now: self.now)
        cache.complete(id: id, method: "CreatePartyV1", response: response, now: self.now)
    }

    @Test func theAnsweredEntriesNeverHoldMoreThanTheByteBudget() {
        let cache = ReplayCache<ContinuousClock.Instant>(window: .seconds(600), maximumBytes: 100_000)
        let response = [UInt8](repeating: UInt8(ascii: "r"), count: 10_000)
        let cost = ReplayCache<ContinuousClock.Instant>.cost(id: "id-0000", method: "CreatePartyV1", response: response)
        for index in 0..<1000 {
            self.answer(cache, "id-\(String(index + 10_000).suffix(4))", response)
            #expect(cache.byteCount <= 100_000)
        }
        #expect(cache.count == 100_000 / cost)
        #expect(cache.byteCount == cache.count * cost)
        // The newest stay (a retry comes soon after its request); the oldest went first.
        #expect(cache.storedResponse(for: "id-0999") == response)
        #expect(cache.storedResponse(for: "id-0000") == nil)
    }

    @Test func anAnswerLargerThanTheBudgetIsKeptUntilTheNextOne() {
        let cache = ReplayCache<ContinuousClock.Instant>(window: .seconds(600), maximumBytes: 1000)
        let large = [UInt8](repeating: UInt8(ascii: "x"), count: 1_000_000)
        self.answer(cache, "big", large)
        #expect(cache.storedResponse(for: "big") == large, "a repeat waiting for it still gets it")
        self.answer(cache, "small", Array("{}".utf8))
        #expect(cache.storedResponse(for: "big") == nil)
        #expect(cache.byteCount <= 1000)
    }

    @Test func theDefaultBudgetIs32MiB() {
        let cache = ReplayCache<ContinuousClock.Instant>(window: .seconds(600))
        #expect(cache.maximumBytes == 32 * 1024 * 1024)
    }
}
