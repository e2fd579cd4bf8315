import AgentSupport
import Foundation
import Testing

@testable import DojoAgentCore

/// A wall clock that stands where it is put.
final class SettableWallClock: WallClock {
    private let time: PThreadLock<Date>

    init(_ now: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        self.time = PThreadLock(now)
    }

    var now: Date { self.time.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        self.time.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    func sleep(until deadline: Date) async throws {
        preconditionFailure("not used by the store or the session's status")
    }
}

/// The agent's store on the injected wall clock: handled Dojo events are forgotten by their age on that clock.
@Suite struct AgentStoreTests {
    @Test func handledEventsArePrunedByTheirAgeOnTheInjectedClock() async throws {
        let clock = SettableWallClock()
        let store = try AgentStore(path: try temporaryDirectory() + "/agent.sqlite", wallClock: clock)
        try await store.recordHandledEvent(id: "old")
        clock.advance(by: 10 * 24 * 3600)
        try await store.recordHandledEvent(id: "recent")
        clock.advance(by: 21 * 24 * 3600)

        // 31 and 21 days old: a 30-day window keeps only the recent one.
        try await store.pruneHandledEvents(olderThan: .seconds(30 * 24 * 3600))
        #expect(try await store.hasHandledEvent(id: "old") == false)
        #expect(try await store.hasHandledEvent(id: "recent"))
        try await store.pruneHandledEvents(olderThan: .seconds(20 * 24 * 3600))
        #expect(try await store.hasHandledEvent(id: "recent") == false)
    }
}
