import DojoProtocol
import DojoSimulator
import Foundation
import Synchronization

/// The faults Dojo's side inflicts, one per cycle, with requests in flight each time.
enum DojoFault: String, CaseIterable, Sendable {
    case drop = "drop"
    case close1011 = "close 1011"
    case restart = "restart on the same port"
    case blackHole = "black hole"
    case handshake503 = "handshake 503"
    case handshake401 = "handshake 401"

    /// The longest a correct agent may take to be back, from the fault (slack for process scheduling on a
    /// loaded 2-core machine included): detection, plus the backoff ceilings the fault costs.
    func reconnectBound(downtime: Duration) -> Duration {
        let ceiling = ChaosTuning.reconnectMaxSeconds
        let slack = 4.0
        let bound: Double =
            switch self {
            case .drop, .close1011: ceiling + slack
            case .restart: downtime.secondsValue + 2 * ceiling + slack
            case .blackHole: ChaosTuning.livenessSeconds + 5 + ceiling + slack
            case .handshake503: 2 * ceiling + slack
            case .handshake401: ceiling + ChaosTuning.authRetrySeconds + slack
            }
        return .milliseconds(Int64(bound * 1000))
    }
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// What the Dojo-side chaos measured.
struct DojoSideReport: Sendable {
    var cycles = 0
    var survived = 0
    var reconnects: [DojoFault: [Duration]] = [:]
    var ledger = PartyLedger.Outcome()
    var partiesInPOS = 0
    var duplicates: [String] = []
    var missing: [String] = []
    var start: ProcessFootprint?
    var end: ProcessFootprint?
    var simulatorFailures: [String] = []
    var failures: [String] = []
    var authRejectionsLogged = 0
}

/// Dojo-side chaos: one agent (demo POS) against dojo-sim, `cycles` faults in a seeded order, each with
/// creates in flight; after each, the agent must be back within its backoff, Dojo's retries of the lost
/// creates must be answered on the live link, and at the end every party exists once in the POS.
func runDojoSide(cycles: Int, binary: String, work: String, seed: UInt64) async throws -> DojoSideReport {
    var random = SeededGenerator(seed: seed)
    var order: [DojoFault] = []
    while order.count < cycles { order += DojoFault.allCases.shuffled(using: &random) }
    order = Array(order.prefix(cycles))

    let agent = ChaosAgent(binary: binary, directory: work + "/dojo-side")
    try FileManager.default.createDirectory(atPath: agent.directory, withIntermediateDirectories: true)
    let ledger = PartyLedger(run: "d\(seed)")
    var report = DojoSideReport()
    report.cycles = cycles
    var port = 0
    var cycle = 0
    var restartedAt: (ContinuousClock.Instant, Duration)?

    // One simulator per stretch between restarts; the last one also checks the POS (after a final restart too).
    while true {
        let configuration = chaosSimulatorConfiguration(port: port)
        let wantsRestart = try await DojoSimulator.withSimulator(configuration: configuration) { simulator -> Bool in
            defer { report.simulatorFailures += simulator.failures.all.map(\.description) }
            if port == 0 {
                port = simulator.port
                try agent.configure(for: simulator, adapter: .demo)
                try agent.start()
            }
            var session = try await simulator.awaitSession(timeout: .seconds(60))
            if let (instant, downtime) = restartedAt {
                record(.restart, ContinuousClock.now - instant, downtime: downtime, into: &report)
                restartedAt = nil
                await ledger.retryUnanswered(simulator, timeout: .seconds(10))
            } else {
                try await ledger.prepare(simulator)
                await ledger.sendNew(simulator, timeout: .seconds(10)) { true }
                report.start = agent.footprint
                say("  agent at start: \(report.start?.description ?? "?")")
            }
            while cycle < cycles {
                let fault = order[cycle]
                cycle += 1
                let live = Locked(true)
                let jitter = Duration.microseconds(Int64.random(in: 0...3000, using: &random))
                let downtime = Duration.milliseconds(Int64.random(in: 200...1000, using: &random))
                let faultAt: ContinuousClock.Instant = try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            await ledger.sendNew(simulator, timeout: .seconds(8)) { live.withLock { $0 } }
                        }
                    }
                    try await Task.sleep(for: jitter)
                    live.withLock { $0 = false }
                    let now = ContinuousClock.now
                    switch fault {
                    case .drop:
                        await session.drop()
                    case .close1011:
                        try? await session.close(code: 1011, reason: "dojo-chaos")
                    case .restart:
                        group.cancelAll()
                    case .blackHole:
                        session.stopAnswering()
                    case .handshake503:
                        simulator.rejectNextHandshake(status: 503)
                        await session.drop()
                    case .handshake401:
                        simulator.rejectNextHandshake(status: 401)
                        await session.drop()
                    }
                    try await group.waitForAll()
                    return now
                }
                if fault == .restart {
                    say("  cycle \(cycle)/\(cycles): \(fault.rawValue) (down \(seconds(downtime)))")
                    restartedAt = (faultAt, downtime)
                    try await Task.sleep(for: downtime)
                    return true
                }
                do {
                    let next = try await simulator.awaitSession(after: session, timeout: .seconds(60))
                    let took = ContinuousClock.now - faultAt
                    record(fault, took, downtime: .zero, into: &report)
                    say("  cycle \(cycle)/\(cycles): \(fault.rawValue), back in \(seconds(took))")
                    if fault == .blackHole { await session.drop() }
                    session = next
                } catch {
                    report.failures.append("cycle \(cycle) (\(fault.rawValue)): the agent did not reconnect: \(error)")
                    return false
                }
                await ledger.retryUnanswered(simulator, timeout: .seconds(10))
            }
            await ledger.retryUnanswered(simulator, timeout: .seconds(10))
            let verdict = try await ledger.verifyPOS(simulator)
            report.partiesInPOS = verdict.parties
            report.duplicates = verdict.duplicates
            report.missing = verdict.missing
            report.end = agent.footprint
            return false
        }
        if !wantsRestart { break }
    }
    report.ledger = ledger.outcome
    report.authRejectionsLogged = agent.log.components(separatedBy: "Dojo rejected the agent's credentials").count - 1
    if !agent.isRunning {
        report.failures.append("the agent exited (status \(agent.exitStatus.map(String.init) ?? "?"))")
    }
    let stopped = await agent.stop()
    if stopped.killed { report.failures.append("the agent did not stop within 20 s of SIGTERM") }
    if !report.failures.isEmpty { say(agent.logTail(40)) }
    return report
}

private func record(_ fault: DojoFault, _ took: Duration, downtime: Duration, into report: inout DojoSideReport) {
    report.reconnects[fault, default: []].append(took)
    if took <= fault.reconnectBound(downtime: downtime) {
        report.survived += 1
    } else {
        report.failures.append(
            "\(fault.rawValue): back after \(seconds(took)), beyond its backoff bound \(seconds(fault.reconnectBound(downtime: downtime)))"
        )
    }
}
