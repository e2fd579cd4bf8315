import DojoAgentCore
import DojoProtocol
import DojoSimulator
import Foundation
import Testing
import Transport

@Suite(.timeLimit(.minutes(1)))
struct RegistrarTests {
    @Test
    func registersTheFullSetAtStartAndAgainWhenItChanges() async throws {
        try await withRESTPeer(tls: true) { peer, rest in
            try await HTTPClient.withClient(configuration: httpConfiguration(tls: true), logger: testLogger) { http in
                let (updates, sink) = AsyncStream.makeStream(of: Set<Capability>.self)
                let clock = ManualWallClock()
                let registrar = Registrar(
                    capabilities: [.getReservationByID, .createReservation],
                    updates: updates,
                    http: http,
                    api: api(peer),
                    clock: clock,
                    random: { 1 },
                    logger: testLogger
                )
                try await whileRunning({ try await registrar.run() }) {
                    let first = try #require(await rest.requests.next())
                    #expect(first.method == "PUT")
                    #expect(first.path == "/epos/integrations/ws")
                    #expect(
                        first.body
                            == #"{"capabilities":[{"name":"CreateReservation","version":"v1"},{"name":"GetReservationById","version":"v1"}]}"#
                    )
                    #expect(first.header("Authorization") == "Basic sk_sandbox_test")
                    #expect(first.header("software-house-id") == "acme-epos")
                    #expect(first.header("version") == "2026-02-27")
                    #expect(first.header("Content-Type") == "application/json")

                    rest.enqueue { _ in RESTReply(status: 503) }
                    sink.yield([.getPartyByID])
                    let second = try #require(await rest.requests.next())
                    #expect(second.body == #"{"capabilities":[{"name":"GetPartyById","version":"v1"}]}"#)
                    // 503: retried after the first backoff ceiling (random = 1 → 1 s).
                    await clock.waitForSleeper(until: clock.now.addingTimeInterval(1))
                    let status = registrar.status
                    #expect(status.registered == [.getReservationByID, .createReservation])
                    #expect(status.registeredAt == clock.now)
                    #expect(status.lastError == "HTTP 503")
                    clock.advance(by: 1)
                    let third = try #require(await rest.requests.next())
                    #expect(third.body == second.body)
                }
            }
        }
    }

    /// A process adapter declares its capabilities at initialize: until then Dojo is told nothing (an empty
    /// registration would mean "route nothing"), and the first declared set is the first registration.
    @Test
    func anUnknownSetIsNotRegisteredUntilTheAdapterDeclaresOne() async throws {
        try await withRESTPeer { peer, rest in
            try await HTTPClient.withClient(logger: testLogger) { http in
                let (updates, sink) = AsyncStream.makeStream(of: Set<Capability>.self)
                let registrar = Registrar(
                    capabilities: nil,
                    updates: updates,
                    http: http,
                    api: api(peer),
                    clock: ManualWallClock(),
                    logger: testLogger
                )
                try await whileRunning({ try await registrar.run() }) {
                    #expect(registrar.status.registered == nil)
                    sink.yield([.searchTables])
                    let first = try #require(await rest.requests.next())
                    #expect(first.body == #"{"capabilities":[{"name":"SearchTables","version":"v1"}]}"#)
                    #expect(rest.requests.pending.isEmpty, "nothing was registered before the set was known")
                }
            }
        }
    }

    @Test
    func disabledRegistrationSendsNothing() async throws {
        try await withRESTPeer { peer, rest in
            try await HTTPClient.withClient(logger: testLogger) { http in
                let registrar = Registrar(
                    capabilities: [.createReservation],
                    isEnabled: false,
                    http: http,
                    api: api(peer),
                    logger: testLogger
                )
                try await registrar.run()  // returns at once
                #expect(registrar.status.isEnabled == false)
                #expect(registrar.status.registered == nil)
                #expect(rest.requests.pending.isEmpty)
            }
        }
    }
}
