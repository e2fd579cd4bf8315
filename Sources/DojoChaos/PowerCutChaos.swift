import DojoProtocol
import DojoSimulator
import Foundation

/// What the power-cut chaos measured.
struct PowerCutReport: Sendable {
    var cuts = 0
    var acknowledged = 0
    var deliveredBeforeCut = 0
    var deliveredFromCopy = 0
    var lost: [String] = []
    var failures: [String] = []
    var simulatorFailures: [String] = []
}

/// Copies every regular file of `source` into `destination` (the control socket is not a file).
private func copyRegularFiles(from source: String, to destination: String) throws -> Int {
    try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
    var bytes = 0
    for name in try FileManager.default.contentsOfDirectory(atPath: source) {
        let path = source + "/" + name
        let type = try FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType
        guard type == .typeRegular, let data = FileManager.default.contents(atPath: path) else { continue }
        try data.write(to: URL(fileURLWithPath: destination + "/" + name))
        bytes += data.count
    }
    return bytes
}

/// Power-cut chaos: during a burst of notifies, at a seeded random instant, the agent is frozen (SIGSTOP), its
/// state directory is copied (an image of every file at one instant), and it is killed without ever resuming.
/// A new agent started on the copy must deliver every event the first one acknowledged and had not delivered.
func runPowerCuts(cuts: Int, burst: Int, binary: String, work: String, seed: UInt64) async throws -> PowerCutReport {
    var random = SeededGenerator(seed: seed &+ 2)
    var report = PowerCutReport()
    try await DojoSimulator.withSimulator(configuration: chaosSimulatorConfiguration(fetchAfterEvents: false)) {
        simulator in
        var previous: SimulatorSession?
        for cut in 0..<cuts {
            let agent = ChaosAgent(binary: binary, directory: work + "/power-\(cut)")
            try FileManager.default.createDirectory(atPath: agent.directory, withIntermediateDirectories: true)
            try agent.configure(for: simulator, adapter: .demo)
            try agent.start()
            previous = try await simulator.awaitSession(after: previous, timeout: .seconds(60))
            let copy = ChaosAgent(binary: binary, directory: work + "/power-\(cut)-copy")
            try FileManager.default.createDirectory(atPath: copy.directory, withIntermediateDirectories: true)
            // Dojo answers events slowly, so the cut finds events pending and deliveries in flight.
            simulator.setEventResponseDelay(.milliseconds(150))
            let cutAfter = Int.random(in: 1..<max(2, burst), using: &random)
            let state = agent.stateDirectory
            let powerCut: @Sendable () async throws -> Void = {
                agent.freeze()
                _ = try copyRegularFiles(from: state, to: copy.stateDirectory)
                await agent.kill9()
            }
            let burstResult = try await notifyBurst(
                agent,
                count: burst,
                prefix: "p\(seed)-\(cut)",
                interruptAfter: cutAfter,
                interrupt: powerCut
            )
            if !burstResult.interrupted { try await powerCut() }
            let acknowledged = burstResult.acknowledged
            simulator.setEventResponseDelay(.zero)
            let beforeCut = Set(simulator.events.all.filter(\.isAccepted).compactMap { $0.event?.entityID })
            let ours = Set(acknowledged)
            try copy.configure(for: simulator, adapter: .demo)
            try copy.start()
            previous = try await simulator.awaitSession(after: previous, timeout: .seconds(60))
            do {
                try await awaitDelivered(ours, on: simulator, timeout: .seconds(60))
            } catch {
                report.failures.append("cut \(cut + 1): \(error)")
            }
            let after = Set(simulator.events.all.filter(\.isAccepted).compactMap { $0.event?.entityID })
            report.cuts += 1
            report.acknowledged += ours.count
            report.deliveredBeforeCut += ours.intersection(beforeCut).count
            report.deliveredFromCopy += ours.subtracting(beforeCut).intersection(after).count
            report.lost += ours.subtracting(after).sorted()
            say(
                "  cut \(cut + 1)/\(cuts): after \(cutAfter) acknowledgements; \(ours.count) acknowledged, "
                    + "\(ours.intersection(beforeCut).count) delivered before the cut, the rest from the copy"
            )
            await copy.stop()
        }
        report.simulatorFailures = simulator.failures.all.map(\.description)
    }
    return report
}
