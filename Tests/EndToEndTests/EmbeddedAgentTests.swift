import DojoAgentCore
import DojoProtocol
import DojoSimulator
import Foundation
import ReferencePOS
import Testing

/// The real agent, embedded as a Swift POS embeds it, against the simulator: the Bookings scenarios and every
/// fault Dojo's side can produce, with the recovery the agent promises.
@Suite(.timeLimit(.minutes(1)))
struct EmbeddedAgentTests {
    @Test func theBookingsScenariosPassOverTLS() async throws {
        let all = try scenarios("bookings-flow.yaml", "walk-in.yaml", "cancellation.yaml", "searches.yaml")
        try await DojoSimulator.withSimulator(configuration: .endToEnd(tls: true)) { simulator in
            try await withEmbeddedAgent(simulator) { _ in
                try await simulator.awaitSession()
                let report = await expectPassing(all, on: simulator)
                #expect(report.count(.skipped) == 0)
                #expect(report.count(.passed) == all.reduce(0) { $0 + $1.steps.count })
                let handshake = try #require(simulator.handshakes.all.first)
                #expect(handshake.authorizationMatched)
                #expect(handshake.softwareHouseID == "dojo-sim")
            }
        }
    }

    /// The Swift ingress: POS code embedding the agent publishes a change; it reaches Dojo's events endpoint with
    /// exactly the documented body, and Dojo fetches the entity back through the adapter (NotFound = deleted).
    @Test func anEmbeddedPOSPublishesAChangeAndDojoFetchesItBack() async throws {
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            try await withEmbeddedAgent(simulator) { agent in
                try await simulator.awaitSession()
                let event = try PosEvent(type: .partyUpdated, entityID: "party-that-left")
                try await agent.publish(event)
                let recorded = try await simulator.awaitEvent { $0.event == event }.event
                #expect(recorded.body == #"{"eventType":"PartyUpdated","event":{"partyId":"party-that-left"}}"#)
                #expect(recorded.status == 200)
                let fetch = try await simulator.awaitFetch(of: event)
                guard case .deleted = fetch.outcome else {
                    Issue.record("expected Dojo to learn the party is gone, got \(fetch.outcome)")
                    return
                }
            }
        }
    }

    @Test func reconnectsAfterTheConnectionDrops() async throws {
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            try await withEmbeddedAgent(simulator) { _ in
                let first = try await simulator.awaitSession()
                await simulator.dropConnection()
                let second = try await simulator.awaitSession(after: first, timeout: .seconds(30))
                #expect(second.number == 2)
                _ = try await simulator.call(.listAreas(ListAreasRequest()))
                #expect(simulator.failures.all.isEmpty)
            }
        }
    }

    @Test func aCreateInFlightWhenTheLineDropsIsDoneOnceWhenDojoRetries() async throws {
        let pos = InMemoryPOS()
        let create = DojoRequest.createReservation(
            CreateReservationRequest(
                dojoReservationID: "dojo-drop-1",
                name: "Dropped",
                covers: 2,
                startTime: try Timestamp(iso8601: "2024-08-12T19:00:00.000Z"),
                endTime: try Timestamp(iso8601: "2024-08-12T20:00:00.000Z"),
                tableIDs: ["t1"]
            )
        )
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            try await withEmbeddedAgent(simulator, adapter: pos) { _ in
                let first = try await simulator.awaitSession()
                var options = CallOptions()
                options.dropAfterSending = true
                _ = try await simulator.exchange(create, options: options)
                try await simulator.awaitSession(after: first, timeout: .seconds(30))
                let retried = try await simulator.call(create)
                guard case .result(let result) = retried.outcome else {
                    Issue.record("the retried create failed: \(retried)")
                    return
                }
                #expect(result["name"] == "Dropped")
                #expect(pos.createCount == 1)
            }
        }
    }

    @Test func aDuplicatedRequestIdIsServedOnceAndAnsweredAlike() async throws {
        let pos = InMemoryPOS()
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            try await withEmbeddedAgent(simulator, adapter: pos) { _ in
                try await simulator.awaitSession()
                var options = CallOptions()
                options.copies = 2
                options.duplicateWindow = .seconds(2)
                let party = DojoRequest.createParty(
                    CreatePartyRequest(
                        dojoPartyID: "dojo-dup-party",
                        startTime: try Timestamp(iso8601: "2024-08-12T19:00:00.000Z"),
                        tableIDs: ["t2"]
                    )
                )
                let exchange = try await simulator.exchange(party, options: options)
                #expect((1...2).contains(exchange.responses.count))
                #expect(Set(exchange.responses).count == 1)
                #expect(pos.createCount == 1)
                // The replay must not depend on the Dojo id: a second id-duplicate of an update is answered from
                // the stored result too, not re-run.
                #expect(simulator.failures.all.isEmpty)
            }
        }
    }

    @Test func aLinkThatStopsAnsweringPingsIsAbandonedAndReplaced() async throws {
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            try await withEmbeddedAgent(simulator) { _ in
                let first = try await simulator.awaitSession()
                simulator.stopAnsweringPings()
                let second = try await simulator.awaitSession(after: first, timeout: .seconds(30))
                #expect(second.number == 2)
                await first.awaitEnd()
            }
        }
    }

    @Test func anAuthRejectionIsSurfacedAndNotHammered() async throws {
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            try await withEmbeddedAgent(simulator) { agent in
                let first = try await simulator.awaitSession()
                simulator.rejectNextHandshake(status: 401)
                await first.drop()
                let rejected = try await simulator.awaitHandshake(from: 1, timeout: .seconds(30)) { $0.isRejected }
                #expect(rejected.outcome == .rejected(status: 401, reason: "injected fault"))
                // The status says so, and names what to check.
                var updates = agent.sessionStatus.updates().makeAsyncIterator()
                while let snapshot = await updates.next() {
                    if case .authRejected(let status, let next) = snapshot.state {
                        #expect(status == 401)
                        // The next attempt is at least 30 s away (the authRejected policy's floor).
                        #expect(next.timeIntervalSinceNow > 25)
                        break
                    }
                }
                #expect(
                    "\(agent.sessionStatus.snapshot.state)".contains("check dojo.api_key and dojo.software_house_id")
                )
            }
        }
    }

    @Test func badCredentialsAreRefusedWith401AndTheReasonIsRecorded() async throws {
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            try await withEmbeddedAgent(simulator, configure: { $0.dojo.apiKey = Secret("sk_sandbox_wrong") }) { _ in
                let record = try await simulator.awaitHandshake(timeout: .seconds(30))
                #expect(
                    record.outcome == .rejected(status: 401, reason: "the API key does not match the simulator's key")
                )
                #expect(simulator.sessions.count == 0)
            }
        }
    }

    @Test func theRobustnessScenarioPasses() async throws {
        let robustness = try scenarios("faults/robustness.yaml")
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            try await withEmbeddedAgent(simulator) { _ in
                try await simulator.awaitSession()
                var options = ScenarioRunner.Options()
                options.reconnectTimeout = .seconds(30)
                let report = await expectPassing(robustness, on: simulator, options: options)
                // Without the outbox (no POS driver here), the two POS-event steps are skipped; everything else runs.
                #expect(report.count(.skipped) == 2)
            }
        }
    }
}
