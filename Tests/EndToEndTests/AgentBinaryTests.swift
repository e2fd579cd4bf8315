import DojoProtocol
import DojoSimulator
import Foundation
import Testing

/// The repository root.
private let repositoryRoot = URL(fileURLWithPath: scenariosDirectory).deletingLastPathComponent().path

/// The demo and the vendor check, end to end: the real agent binary with its built-in demo POS or a process
/// adapter, the simulator over TLS, every Bookings scenario, POS-side changes fetched back, and event faults.
@Suite(.timeLimit(.minutes(2)))
struct AgentBinaryTests {
    static let demoScenarios = [
        "bookings-flow.yaml", "walk-in.yaml", "cancellation.yaml", "searches.yaml", "pos-events.yaml",
    ]

    /// What `scripts/demo` runs, as a test: it must pass whole, with nothing skipped.
    @Test func theDemoPasses() async throws {
        let all = try Self.demoScenarios.flatMap { try scenarios($0) }
        try await DojoSimulator.withSimulator(configuration: .endToEnd(tls: true)) { simulator in
            let launch = AgentLaunch(binary: agentBinary, adapter: .demo)
            try await AgentProcess.withAgent(launch, simulator: simulator) { agent in
                try await simulator.awaitSession(timeout: .seconds(30))
                let registration = try await simulator.awaitRegistration(timeout: .seconds(30))
                let registered = Set(registration.registration?.capabilities ?? [])
                #expect(
                    registered.isSuperset(of: [
                        .createReservation, .getReservationByID, .updateReservation, .deleteReservationByID,
                        .searchReservations, .createParty, .getPartyByID, .updateParty, .deletePartyByID,
                        .searchParties, .searchTables, .listAreas,
                    ])
                )
                let report = await expectPassing(all, on: simulator, options: .init(posDriver: agent.notifyDriver))
                #expect(report.count(.skipped) == 0, "\(report.rendered())")
                if !report.passed { Issue.record("agent log:\n\(agent.log)") }
            }
        }
    }

    /// Event delivery faults: 500 and 429 are retried (Retry-After honoured) until Dojo accepts; a 400 is not.
    @Test func eventsAreRetriedOnServerErrorsAndNotOnABadRequest() async throws {
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            let launch = AgentLaunch(binary: agentBinary, adapter: .demo)
            try await AgentProcess.withAgent(launch, simulator: simulator) { agent in
                try await simulator.awaitSession(timeout: .seconds(30))
                let first = try PosEvent(type: .reservationUpdated, entityID: "no-such-reservation")
                simulator.respondToNextEvents([EventResponse(status: 500), EventResponse(status: 429, retryAfter: 1)])
                try await agent.notifyDriver.notify(first)
                let accepted = try await simulator.awaitEvent(timeout: .seconds(30)) {
                    $0.event == first && $0.isAccepted
                }
                let attempts = simulator.events.all[...accepted.index].filter { $0.event == first }.map(\.status)
                #expect(attempts == [500, 429, 200])
                // Dojo fetches it back; the demo POS has no such reservation, so Dojo records a deletion.
                #expect(try await simulator.awaitFetch(of: first, timeout: .seconds(30)).outcome == .deleted)

                let refused = try PosEvent(type: .partyUpdated, entityID: "party-refused")
                simulator.respondToNextEvents([EventResponse(status: 400)])
                try await agent.notifyDriver.notify(refused)
                _ = try await simulator.awaitEvent(timeout: .seconds(30)) { $0.event == refused }
                // A later event goes through while the refused one stays dead-lettered: never sent again.
                let later = try PosEvent(type: .partyUpdated, entityID: "party-later")
                try await agent.notifyDriver.notify(later)
                _ = try await simulator.awaitEvent(timeout: .seconds(30)) { $0.event == later && $0.isAccepted }
                #expect(simulator.events.all.filter { $0.event == refused }.map(\.status) == [400])
            }
        }
    }

    /// The robustness scenario through the binary, POS-event steps included.
    @Test func theRobustnessScenarioPassesThroughTheBinary() async throws {
        let robustness = try scenarios("faults/robustness.yaml")
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            let launch = AgentLaunch(binary: agentBinary, adapter: .demo)
            try await AgentProcess.withAgent(launch, simulator: simulator) { agent in
                try await simulator.awaitSession(timeout: .seconds(30))
                var options = ScenarioRunner.Options(posDriver: agent.notifyDriver)
                options.reconnectTimeout = .seconds(30)
                let report = await expectPassing(robustness, on: simulator, options: options)
                #expect(report.count(.skipped) == 0)
                if !report.passed { Issue.record("agent log:\n\(agent.log)") }
            }
        }
    }

    /// `dojo-sim check` with the example Python process adapter: what a vendor runs before going live.
    @Test func theVendorCheckPassesWithTheExampleProcessAdapter() async throws {
        let all = try Self.demoScenarios.flatMap { try scenarios($0) }
        try await DojoSimulator.withSimulator(configuration: .endToEnd(tls: true)) { simulator in
            let launch = AgentLaunch(
                binary: agentBinary,
                adapter: .process(
                    command: ["python3", "\(repositoryRoot)/Examples/python-adapter/adapter.py"],
                    workingDirectory: repositoryRoot
                )
            )
            try await AgentProcess.withAgent(launch, simulator: simulator) { agent in
                try await simulator.awaitSession(timeout: .seconds(30))
                _ = try await simulator.awaitRegistration(timeout: .seconds(30))
                let report = await expectPassing(all, on: simulator, options: .init(posDriver: agent.notifyDriver))
                if !report.passed { Issue.record("agent log:\n\(agent.log)") }
            }
        }
    }

    /// Issue 8 §1: Dojo sends requests the moment the socket opens. With a process adapter that is slow to answer
    /// `initialize` (it sleeps first), a create sent as soon as the session appears must succeed: the agent connects
    /// only once the adapter is ready, instead of refusing with a false "not implemented by this POS".
    @Test func aRequestSentTheMomentTheSocketOpensIsServedByASlowStartingProcessAdapter() async throws {
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            let adapter = "\(repositoryRoot)/Examples/python-adapter/adapter.py"
            let launch = AgentLaunch(
                binary: agentBinary,
                adapter: .process(command: ["sh", "-c", "sleep 2; exec python3 '\(adapter)'"], workingDirectory: nil)
            )
            try await AgentProcess.withAgent(launch, simulator: simulator) { agent in
                try await simulator.awaitSession(timeout: .seconds(30))
                let create = CreateReservationRequest(
                    dojoReservationID: "dojo-first-request",
                    name: "Early Bird",
                    covers: 2,
                    startTime: Timestamp(millisecondsSince1970: 1_723_455_000_000),
                    endTime: Timestamp(millisecondsSince1970: 1_723_458_600_000),
                    tableIDs: ["table-1"]
                )
                let answer = try await simulator.call(.createReservation(create))
                guard case .result = answer.outcome else {
                    Issue.record("the first request was refused: \(answer)\nagent log:\n\(agent.log)")
                    return
                }
            }
        }
    }
}
