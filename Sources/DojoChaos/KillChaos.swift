import DojoProtocol
import DojoSimulator
import Foundation

/// What the `kill -9` chaos measured.
struct KillReport: Sendable {
    var kills = 0
    var acknowledged = 0
    var refused: [Int32: Int] = [:]
    var delivered = 0
    var deliveries = 0
    var lost: [String] = []
    var longestDrain: Duration = .zero
    var pendingAtEnd: String = ""
    var ledger = PartyLedger.Outcome()
    var duplicates: [String] = []
    var simulatorFailures: [String] = []
    var failures: [String] = []
}

/// The ids of `ids` that Dojo has accepted, waiting (bounded) until all have been.
func awaitDelivered(_ ids: Set<String>, on simulator: DojoSimulator, timeout: Duration) async throws {
    let events = simulator.events
    try await bounded(timeout, "\(ids.count) acknowledged events to reach Dojo") {
        let seen = events.all
        var missing = ids.subtracting(seen.filter(\.isAccepted).compactMap { $0.event?.entityID })
        var from = seen.count
        while !missing.isEmpty {
            let found = try await events.first(from: from) { $0.isAccepted }
            if let id = found.element.event?.entityID { missing.remove(id) }
            from = found.index + 1
        }
    }
}

/// Agent-side chaos: `kills` rounds over one state directory. Each round starts the agent, waits until the
/// outbox has drained (every event acknowledged so far reached Dojo), then runs a burst of `dojo-agent notify`
/// (four at a time, Dojo answering events slowly so a backlog builds) while Dojo sends creates, and kills the agent with `kill -9` after a seeded random number of
/// acknowledgements. A last restart drains everything; Dojo's lost creates are retried; nothing may be missing.
func runKills(kills: Int, burst: Int, binary: String, work: String, seed: UInt64) async throws -> KillReport {
    var random = SeededGenerator(seed: seed &+ 1)
    let agent = ChaosAgent(binary: binary, directory: work + "/kills")
    try FileManager.default.createDirectory(atPath: agent.directory, withIntermediateDirectories: true)
    let ledger = PartyLedger(run: "k\(seed)")
    var report = KillReport()
    try await DojoSimulator.withSimulator(configuration: chaosSimulatorConfiguration(fetchAfterEvents: false)) {
        simulator in
        try agent.configure(for: simulator, adapter: .demo)
        var acknowledged = Set<String>()
        var previous: SimulatorSession?
        for round in 0...kills {
            let drainStart = ContinuousClock.now
            try agent.start()
            let session = try await simulator.awaitSession(after: previous, timeout: .seconds(60))
            previous = session
            if round == 0 { try await ledger.prepare(simulator) }
            await ledger.retryUnanswered(simulator, timeout: .seconds(10))
            do {
                try await awaitDelivered(acknowledged, on: simulator, timeout: .seconds(60))
            } catch {
                report.failures.append("after restart \(round): \(error)")
            }
            report.longestDrain = max(report.longestDrain, ContinuousClock.now - drainStart)
            if round == kills { break }

            // Dojo answers events slowly during the burst, so the kill finds a backlog and deliveries in flight.
            simulator.setEventResponseDelay(.milliseconds(150))
            let killAfter = Int.random(in: 1..<max(2, burst), using: &random)
            let burstResult = try await notifyBurst(
                agent,
                count: burst,
                prefix: "k\(seed)-\(round)",
                interruptAfter: killAfter,
                interrupt: { await agent.kill9() },
                alongside: { stopped in
                    while !stopped() {
                        await ledger.sendNew(simulator, timeout: .seconds(5)) { !stopped() }
                    }
                }
            )
            let acked = burstResult.acknowledged
            if agent.isRunning { await agent.kill9() }
            simulator.setEventResponseDelay(.zero)
            report.kills += 1
            acknowledged.formUnion(acked)
            for (status, count) in burstResult.refused { report.refused[status, default: 0] += count }
            say("  kill \(round + 1)/\(kills): after \(killAfter) acknowledgements (\(acked.count) this round)")
        }
        let accepted = simulator.events.all.filter(\.isAccepted).compactMap { $0.event?.entityID }
        report.acknowledged = acknowledged.count
        report.deliveries = accepted.count
        report.delivered = acknowledged.intersection(accepted).count
        report.lost = acknowledged.subtracting(accepted).sorted()
        report.pendingAtEnd = (try? await agent.queueList().output) ?? "?"
        await ledger.retryUnanswered(simulator, timeout: .seconds(10))
        let verdict = try await ledger.verifyPOS(simulator)
        report.duplicates = verdict.duplicates
        report.ledger = ledger.outcome
        report.simulatorFailures = simulator.failures.all.map(\.description)
        await agent.stop()
    }
    if !report.failures.isEmpty { say(agent.logTail(40)) }
    return report
}
