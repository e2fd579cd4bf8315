import DojoAgentCore
import DojoProtocol
import DojoSimulator
import Foundation
import Testing
import Transport

/// The publisher against the real HTTP(S) endpoint of the test peer, with a manual clock.
@Suite(.timeLimit(.minutes(1)))
struct PublisherTests {
    /// One test's world: an outbox in a temporary directory, a peer, an HTTP client, a manual clock, and the
    /// publisher's events in a queue.
    struct World {
        let outbox: Outbox
        let clock: ManualWallClock
        let rest: RecordingRESTEndpoint
        let events: AsyncQueue<Publisher.Event>
        let publisher: Publisher
    }

    private func withWorld<Result: Sendable>(
        tls: Bool = false,
        resellerID: String? = nil,
        configuration: Publisher.Configuration = .init(),
        path: String? = nil,
        clock: ManualWallClock = ManualWallClock(),
        _ body: (World) async throws -> Result
    ) async throws -> Result {
        try await withTemporaryDirectory { directory in
            let outbox = try Outbox.open(path: path ?? "\(directory)/outbox.sqlite", clock: clock, logger: testLogger)
            return try await withRESTPeer(tls: tls) { peer, rest in
                try await HTTPClient.withClient(configuration: httpConfiguration(tls: tls), logger: testLogger) {
                    http in
                    let events = AsyncQueue<Publisher.Event>()
                    let publisher = Publisher(
                        outbox: outbox,
                        http: http,
                        api: api(peer, resellerID: resellerID),
                        configuration: configuration,
                        clock: clock,
                        random: { 1 },
                        logger: testLogger,
                        observer: { events.push($0) }
                    )
                    let world = World(outbox: outbox, clock: clock, rest: rest, events: events, publisher: publisher)
                    return try await whileRunning({ try await publisher.run() }) { try await body(world) }
                }
            }
        }
    }

    @Test(arguments: [
        (PosEventType.orderUpdated, #"{"eventType":"OrderUpdated","event":{"orderId":"ord_12345678"}}"#),
        (PosEventType.partyUpdated, #"{"eventType":"PartyUpdated","event":{"partyId":"ord_12345678"}}"#),
        (
            PosEventType.reservationUpdated,
            #"{"eventType":"ReservationUpdated","event":{"reservationId":"ord_12345678"}}"#
        ),
    ])
    func eachTypeIsPostedWithExactlyTheDocumentedBodyAndHeaders(type: PosEventType, body: String) async throws {
        try await self.withWorld(tls: true) { world in
            try await world.outbox.publish(event(type, "ord_12345678"))
            let request = try #require(await world.rest.requests.next())
            #expect(request.method == "POST")
            #expect(request.path == "/epos/events")
            #expect(request.body == body)
            #expect(request.header("Authorization") == "Basic sk_sandbox_test")
            #expect(request.header("software-house-id") == "acme-epos")
            #expect(request.header("version") == "2026-02-27")
            #expect(request.header("Content-Type") == "application/json")
            #expect(request.header("reseller-id") == nil)
            guard case .delivered(_, sendAgain: false)? = await world.events.next() else {
                Issue.record("expected a delivery")
                return
            }
            #expect(try await world.outbox.statistics().pending == 0)
        }
    }

    @Test
    func theResellerIDIsSentWhenSet() async throws {
        try await self.withWorld(resellerID: "reseller-9") { world in
            try await world.outbox.publish(event(.partyUpdated, "p"))
            let request = try #require(await world.rest.requests.next())
            #expect(request.header("reseller-id") == "reseller-9")
        }
    }

    @Test
    func repeatedPublishesOfAPendingEventAreSentOnce() async throws {
        let clock = ManualWallClock()
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/outbox.sqlite"
            // Published while no publisher runs (the agent is between restarts, or Dojo is unreachable).
            let early = try Outbox.open(path: path, clock: clock, logger: testLogger)
            for _ in 0..<5 { try await early.publish(event(.orderUpdated, "42")) }
            try await early.publish(event(.orderUpdated, "43"))
            try await self.withWorld(path: path, clock: clock) { world in
                var bodies: [String] = []
                for _ in 0..<2 { bodies.append(try #require(await world.rest.requests.next()).body) }
                #expect(Set(bodies) == [event(.orderUpdated, "42").body, event(.orderUpdated, "43").body])
                for _ in 0..<2 { _ = await world.events.next() }
                #expect(try await world.outbox.statistics().pending == 0)
                #expect(world.rest.requests.pending.isEmpty)
            }
        }
    }

    @Test
    func aPublishDuringAnInFlightSendIsSentAgainAfterwards() async throws {
        try await self.withWorld { world in
            let release = AsyncQueue<Void>()
            world.rest.enqueue { request in
                await release.next()
                return RESTReply(status: 200, body: request.body)
            }
            try await world.outbox.publish(event(.reservationUpdated, "r1"))
            let first = try #require(await world.rest.requests.next())
            try await world.outbox.publish(event(.reservationUpdated, "r1"))  // while the first send is in flight
            release.push(())
            #expect(await world.events.next() == .delivered(id: 1, sendAgain: true))
            let second = try #require(await world.rest.requests.next())
            #expect(second.body == first.body)
            #expect(await world.events.next() == .delivered(id: 1, sendAgain: false))
            #expect(try await world.outbox.statistics().pending == 0)
        }
    }

    @Test
    func aServerErrorIsRetriedAfterTheBackoff() async throws {
        try await self.withWorld { world in
            let start = world.clock.now
            world.rest.enqueue { _ in RESTReply(status: 500, body: "boom") }
            try await world.outbox.publish(event(.orderUpdated, "7"))
            _ = await world.rest.requests.next()
            // random = 1: the first retry waits the full first ceiling, 1 s.
            #expect(
                await world.events.next()
                    == .retryScheduled(id: 1, at: start.addingTimeInterval(1), reason: "HTTP 500 boom")
            )
            let row = try #require(try await world.outbox.pendingEntries().first)
            #expect(row.attempts == 1 && row.lastError == "HTTP 500 boom")
            await world.clock.waitForSleeper(until: start.addingTimeInterval(1))
            #expect(world.rest.requests.pending.isEmpty)
            world.clock.advance(to: start.addingTimeInterval(1))
            let retried = try #require(await world.rest.requests.next())
            #expect(retried.body == event(.orderUpdated, "7").body)
            #expect(await world.events.next() == .delivered(id: 1, sendAgain: false))
            #expect(try await world.outbox.statistics().pending == 0)
        }
    }

    @Test
    func tooManyRequestsHonoursRetryAfter() async throws {
        try await self.withWorld { world in
            let start = world.clock.now
            world.rest.enqueue { _ in RESTReply(status: 429, headers: [("Retry-After", "7")]) }
            try await world.outbox.publish(event(.partyUpdated, "p"))
            _ = await world.rest.requests.next()
            #expect(
                await world.events.next() == .retryScheduled(id: 1, at: start.addingTimeInterval(7), reason: "HTTP 429")
            )
            await world.clock.waitForSleeper(until: start.addingTimeInterval(7))
            world.clock.advance(to: start.addingTimeInterval(6))
            #expect(world.rest.requests.pending.isEmpty)
            world.clock.advance(to: start.addingTimeInterval(7))
            _ = try #require(await world.rest.requests.next())
            #expect(await world.events.next() == .delivered(id: 1, sendAgain: false))
        }
    }

    @Test
    func aBadRequestGoesToTheDeadLetterTableWithStatusAndBody() async throws {
        try await self.withWorld { world in
            world.rest.enqueue { _ in RESTReply(status: 400, body: #"{"title":"Invalid event"}"#) }
            try await world.outbox.publish(event(.orderUpdated, "x"))
            _ = await world.rest.requests.next()
            let reason = #"HTTP 400 {"title":"Invalid event"}: Dojo refused the event; not retried"#
            #expect(await world.events.next() == .deadLettered(id: 1, reason: reason))
            #expect(try await world.outbox.statistics().pending == 0)
            let dead = try #require(try await world.outbox.deadLetters().first)
            #expect(dead.status == 400)
            #expect(dead.responseBody == #"{"title":"Invalid event"}"#)
            #expect(dead.reason == reason)
            #expect(dead.eventType == "OrderUpdated" && dead.entityID == "x" && dead.attempts == 1)
        }
    }

    @Test
    func maxAttemptsDeadLettersAfterTheLastFailure() async throws {
        var configuration = Publisher.Configuration()
        configuration.retry.maxAttempts = 2
        try await self.withWorld(configuration: configuration) { world in
            let start = world.clock.now
            world.rest.setDefault { _ in RESTReply(status: 503) }
            try await world.outbox.publish(event(.orderUpdated, "y"))
            #expect(
                await world.events.next() == .retryScheduled(id: 1, at: start.addingTimeInterval(1), reason: "HTTP 503")
            )
            world.clock.advance(to: start.addingTimeInterval(1))
            #expect(
                await world.events.next()
                    == .deadLettered(id: 1, reason: "gave up after 2 attempts (outbox.max_attempts): HTTP 503")
            )
        }
    }

    @Test
    func aRestartWithAPendingQueueResumesTheStoredSchedule() async throws {
        let clock = ManualWallClock()
        let start = clock.now
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/outbox.sqlite"
            try await self.withWorld(path: path, clock: clock) { world in
                world.rest.setDefault { _ in RESTReply(status: 503) }
                try await world.outbox.publish(event(.reservationUpdated, "r"))
                #expect(
                    await world.events.next()
                        == .retryScheduled(id: 1, at: start.addingTimeInterval(1), reason: "HTTP 503")
                )
            }
            // A new agent process: a new outbox object, peer, client and publisher on the same file.
            try await self.withWorld(path: path, clock: clock) { world in
                await world.clock.waitForSleeper(until: start.addingTimeInterval(1))
                #expect(world.rest.requests.pending.isEmpty)
                world.clock.advance(to: start.addingTimeInterval(1))
                let request = try #require(await world.rest.requests.next())
                #expect(request.body == event(.reservationUpdated, "r").body)
                #expect(await world.events.next() == .delivered(id: 1, sendAgain: false))
            }
        }
    }

    /// Issue 8 §3: 2,000 live changes took 99 s at 20/s. With the default burst allowance the clock never has
    /// to move for a live burst to reach Dojo.
    @Test
    func aLiveBurstIsNotPacedWithTheDefaults() async throws {
        try await self.withWorld { world in
            try await world.outbox.publish(contentsOf: (0..<200).map { event(.orderUpdated, "o\($0)") })
            // A bound on failure, not the thing measured: a paced publisher would wait for the manual clock forever.
            let bound = "the test's 30 s bound"
            let timer = Task {
                try await Task.sleep(for: .seconds(30))
                world.events.push(.databaseFailed(bound))
            }
            defer { timer.cancel() }
            var delivered = 0
            while delivered < 200, let next = await world.events.next(), next != .databaseFailed(bound) {
                if case .delivered = next { delivered += 1 }
            }
            #expect(delivered == 200, "the burst was paced: only \(delivered) went before the clock had to move")
            #expect(try await world.outbox.statistics().pending == 0)
        }
    }

    @Test
    func aBacklogDrainsAtTheConfiguredRate() async throws {
        var configuration = Publisher.Configuration()
        configuration.drainRate = 2
        configuration.drainBurst = 2
        try await self.withWorld(configuration: configuration) { world in
            let start = world.clock.now
            try await world.outbox.publish(contentsOf: (0..<5).map { event(.orderUpdated, "o\($0)") })
            for _ in 0..<2 { _ = await world.events.next() }
            // Two tokens banked; the third waits half a second for the next one.
            await world.clock.waitForSleeper(until: start.addingTimeInterval(0.5))
            #expect(world.rest.requests.pending.count == 2)
            world.clock.advance(to: start.addingTimeInterval(0.5))
            _ = await world.events.next()
            #expect(try await world.outbox.statistics().pending == 2)
        }
    }
}
