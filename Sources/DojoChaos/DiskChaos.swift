import DojoProtocol
import DojoSimulator
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What the disk chaos observed.
struct DiskReport: Sendable {
    var fullDisk: [String] = []
    var corruption: [String] = []
    var failures: [String] = []
    var simulatorFailures: [String] = []
}

/// Fills the filesystem holding `directory` (bounded: at most `limit` bytes), returning the filler's path.
private func fill(_ directory: String, limit: Int = 1 << 30) -> (path: String, bytes: Int) {
    let path = directory + "/filler"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return (path, 0) }
    defer { close(fd) }
    var written = 0
    for chunk in [1 << 20, 1 << 12, 512] {
        let buffer = [UInt8](repeating: 0x5A, count: chunk)
        while written < limit {
            let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress, chunk) }
            if n <= 0 { break }
            written += n
        }
    }
    fsync(fd)
    return (path, written)
}

/// Disk chaos. With `fullFilesystem` (a small tmpfs or loop mount the script made): the state directory on it,
/// filled up while the agent runs; then a corrupted outbox file in an ordinary directory.
func runDiskChaos(binary: String, work: String, fullFilesystem: String?) async throws -> DiskReport {
    var report = DiskReport()
    try await DojoSimulator.withSimulator(configuration: chaosSimulatorConfiguration(fetchAfterEvents: false)) {
        simulator in
        var previous: SimulatorSession?
        if let fullFilesystem {
            let agent = ChaosAgent(
                binary: binary,
                directory: work + "/disk-full",
                stateDirectory: fullFilesystem + "/state"
            )
            try FileManager.default.createDirectory(atPath: agent.directory, withIntermediateDirectories: true)
            try agent.configure(for: simulator, adapter: .demo)
            try agent.start()
            previous = try await simulator.awaitSession(after: previous, timeout: .seconds(60))
            var acknowledged: Set<String> = []
            if try await agent.notify("OrderUpdated", "disk-before").status == 0 { acknowledged.insert("disk-before") }
            try await awaitDelivered(acknowledged, on: simulator, timeout: .seconds(30))
            let filler = fill(fullFilesystem)
            report.fullDisk.append("filled the filesystem with \(filler.bytes / 1024) kB")
            var refusals: [String: Int] = [:]
            for index in 0..<10 {
                let id = "disk-full-\(index)"
                let result = try await agent.notify("OrderUpdated", id)
                if result.status == 0 {
                    acknowledged.insert(id)
                } else {
                    let line = result.output.split(separator: "\n").last.map(String.init) ?? ""
                    refusals["exit \(result.status): \(line)", default: 0] += 1
                }
            }
            report.fullDisk.append("10 notifies on the full disk: \(10 - refusals.values.reduce(0, +)) acknowledged")
            for (message, count) in refusals.sorted(by: { $0.key < $1.key }) {
                report.fullDisk.append("  \(count)× \(message)")
            }
            if refusals.isEmpty { report.failures.append("no notify was refused on a full disk") }
            for (message, _) in refusals where !message.contains("full") {
                report.failures.append("a refusal on a full disk that does not say the disk is full: \(message)")
            }
            let areas = try await simulator.call(.listAreas(ListAreasRequest()), timeout: .seconds(10))
            report.fullDisk.append(
                "agent still running: \(agent.isRunning); Dojo's ListAreasV1 meanwhile: \(areas.isSuccess ? "answered" : "\(areas.encoded().prefix(200))")"
            )
            if !agent.isRunning { report.failures.append("the agent died on a full disk") }

            // A restart while the disk is still full: it must not crash-loop (start, or refuse once, clearly).
            await agent.stop()
            try agent.start()
            let outcome = await startOutcome(agent, simulator: simulator, after: &previous)
            report.fullDisk.append("restarted on the full disk: \(outcome)")

            try FileManager.default.removeItem(atPath: filler.path)
            if !agent.isRunning {
                try agent.start()
                previous = try await simulator.awaitSession(after: previous, timeout: .seconds(60))
            }
            if try await agent.notify("OrderUpdated", "disk-after").status == 0 {
                acknowledged.insert("disk-after")
            } else {
                report.failures.append("a notify failed after space was freed")
            }
            do {
                try await awaitDelivered(acknowledged, on: simulator, timeout: .seconds(60))
                report.fullDisk.append("space freed: all \(acknowledged.count) acknowledged events delivered")
            } catch {
                report.failures.append("after space was freed: \(error)")
            }
            if !agent.isRunning { report.failures.append("the agent is not running after space was freed") }
            report.fullDisk.append(
                "agent processes started: \(agent.starts.withLock { $0 }), each by the run (none exited by itself)"
            )
            await agent.stop()
            if !report.failures.isEmpty { say(agent.logTail(30)) }
        }

        // A damaged outbox file: moved aside, the agent starts with an empty one, no crash loop.
        let agent = ChaosAgent(binary: binary, directory: work + "/disk-corrupt")
        try FileManager.default.createDirectory(atPath: agent.directory, withIntermediateDirectories: true)
        try agent.configure(for: simulator, adapter: .demo)
        try agent.start()
        previous = try await simulator.awaitSession(after: previous, timeout: .seconds(60))
        simulator.respondToNextEvents([EventResponse(status: 503), EventResponse(status: 503)])
        for index in 0..<2 { _ = try await agent.notify("OrderUpdated", "corrupt-before-\(index)") }
        await agent.stop()
        let pending = (try? await agent.queueList().output) ?? ""
        let pendingLine = pending.split(separator: "\n").first.map(String.init) ?? "?"
        let outbox = agent.stateDirectory + "/outbox.sqlite"
        if let handle = FileHandle(forUpdatingAtPath: outbox) {
            var garbage = SeededGenerator(seed: 42)
            for offset in [0, 4096, 8192] {
                handle.seek(toFileOffset: UInt64(offset))
                handle.write(Data((0..<512).map { _ in UInt8.random(in: 0...255, using: &garbage) }))
            }
            try? handle.close()
        }
        report.corruption.append("outbox before the damage: \(pendingLine); overwrote 3 × 512 bytes of outbox.sqlite")
        try agent.start()
        do {
            previous = try await simulator.awaitSession(after: previous, timeout: .seconds(60))
            let result = try await agent.notify("OrderUpdated", "corrupt-after")
            try await awaitDelivered(["corrupt-after"], on: simulator, timeout: .seconds(60))
            report.corruption.append(
                "restarted: connected, a new notify acknowledged (exit \(result.status)) and delivered"
            )
        } catch {
            report.failures.append("after the corruption: \(error)")
        }
        let moved =
            (try? FileManager.default.contentsOfDirectory(atPath: agent.stateDirectory))?
            .filter { $0.hasPrefix("outbox.sqlite.corrupt-") } ?? []
        report.corruption.append("moved aside: \(moved.sorted().joined(separator: ", "))")
        if moved.isEmpty { report.failures.append("the damaged outbox was not moved aside") }
        if let line = agent.log.split(separator: "\n").first(where: { $0.contains("damaged") }) {
            report.corruption.append("log: \(line.prefix(300))")
        } else {
            report.failures.append("no log line says the outbox was damaged")
        }
        report.corruption.append("agent running: \(agent.isRunning), starts: \(agent.starts.withLock { $0 })")
        if !agent.isRunning { report.failures.append("the agent is not running after the corruption") }
        await agent.stop()
        if !report.failures.isEmpty { say(agent.logTail(30)) }
        report.simulatorFailures = simulator.failures.all.map(\.description)
    }
    return report
}

/// Whether a just-started agent connected or exited (bounded), in words.
private func startOutcome(
    _ agent: ChaosAgent,
    simulator: DojoSimulator,
    after previous: inout SimulatorSession?
)
    async -> String
{
    let from = previous
    let connected = try? await bounded(.seconds(30), "the agent to connect or exit") {
        while true {
            if !agent.isRunning { return false }
            if (try? await simulator.awaitSession(after: from, timeout: .milliseconds(500))) != nil { return true }
        }
    }
    if connected == true {
        previous = simulator.currentSession ?? previous
        return "started and connected (\(agent.isRunning ? "running" : "exited"))"
    }
    let status = agent.exitStatus.map(String.init) ?? "still starting"
    let last = agent.log.split(separator: "\n").last.map { String($0.prefix(300)) } ?? ""
    return "exited with status \(status), once (no restart loop by itself): \(last)"
}

extension ResponseFrame {
    var isSuccess: Bool {
        if case .result = outcome { return true }
        return false
    }
}
