import ArgumentParser
import Dispatch
import DojoSimulator
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `dojo-chaos`: the agent under faults from every side (Dojo, the agent process itself, the adapter, the disk,
/// the power), reporting figures. `scripts/chaos` runs it; Docs/reliability.md ("Chaos") records the results.
@main
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dojo-chaos",
        abstract: "Runs a real dojo-agent against dojo-sim under faults and reports what survived.",
        discussion: "Phases: dojo, kills, adapter, disk, power. See Docs/reliability.md, section Chaos."
    )

    @Option(help: "Comma-separated phases to run.")
    var phases = "dojo,kills,adapter,disk,power"
    @Flag(help: "The short run CI does: fewer cycles, kills and cuts.")
    var short = false
    @Option(help: "Dojo-side fault cycles (default 50, short 24).")
    var cycles: Int?
    @Option(help: "kill -9 rounds (default 50, short 20).")
    var kills: Int?
    @Option(help: "Notifies per burst (default 40, short 16).")
    var burst: Int?
    @Option(help: "Power cuts (default 20, short 5).")
    var powerCuts: Int?
    @Option(help: "Seed of every random choice (printed; pass it again to repeat a run).")
    var seed: UInt64?
    @Option(help: "The dojo-agent binary (default: the one beside dojo-chaos).")
    var agentBinary: String?
    @Option(help: "The misbehaving process adapter (scripts/chaos.d/misbehaving-adapter.py).")
    var adapterScript = "scripts/chaos.d/misbehaving-adapter.py"
    @Option(help: "An empty, small, mounted filesystem for the full-disk phase (the script makes a tmpfs).")
    var fullFilesystem: String?
    @Flag(help: "Keep the working directory (agent logs, state directories).")
    var keep = false
    @Option(help: "An empty working directory, removed by whoever made it (default: a new one, removed at the end).")
    var workDirectory: String?

    func run() async throws {
        let seed = self.seed ?? UInt64.random(in: 1...999_999)
        let binary = agentBinary ?? AgentLaunch.defaultBinary()
        let selected = Set(phases.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        let cycles = self.cycles ?? (short ? 24 : 50)
        let kills = self.kills ?? (short ? 20 : 50)
        let burst = self.burst ?? (short ? 16 : 40)
        let powerCuts = self.powerCuts ?? (short ? 5 : 20)
        let work = try workDirectory ?? makeWorkDirectory()
        let removeWork = workDirectory == nil && !keep
        installSignalHandlers(work: work, remove: removeWork)
        Scratch.directory.withLock { $0 = work }
        say("dojo-chaos: seed \(seed) (repeat with --seed \(seed)), agent \(binary), work \(work)")
        let started = ContinuousClock.now
        var failed: [String] = []
        var summary: [String] = []
        func phase(_ name: String, _ body: () async throws -> [String]) async {
            guard selected.contains(name) else { return }
            say("== \(name)")
            let start = ContinuousClock.now
            do {
                failed += try await body().map { "\(name): \($0)" }
            } catch {
                failed.append("\(name): \(error)")
            }
            Children.killAll()
            summary.append("   (\(name) took \(seconds(ContinuousClock.now - start)))")
        }

        await phase("dojo") {
            let r = try await runDojoSide(cycles: cycles, binary: binary, work: work, seed: seed)
            summary.append("Dojo side: \(r.survived)/\(r.cycles) fault cycles survived")
            for fault in DojoFault.allCases {
                let times = r.reconnects[fault] ?? []
                guard !times.isEmpty else { continue }
                let longest = times.max() ?? .zero
                let total = times.reduce(Duration.zero, +)
                summary.append(
                    "   \(fault.rawValue): \(times.count)×, back in \(seconds(total / times.count)) on average, "
                        + "\(seconds(longest)) at most (bound \(seconds(fault.reconnectBound(downtime: .seconds(1)))))"
                )
            }
            let l = r.ledger
            summary.append(
                "   creates: \(l.sent) sent, \(l.answered) answered, \(l.lostWithLink) lost with the link and "
                    + "retried (\(l.retried) retries); unanswered on a live link: \(l.unansweredOnLiveLink.count); "
                    + "wrong answers: \(l.wrongAnswers.count)"
            )
            summary.append(
                "   POS: \(r.partiesInPOS) parties, duplicates: \(r.duplicates.count), missing: \(r.missing.count); "
                    + "auth rejections logged: \(r.authRejectionsLogged)"
            )
            summary.append("   agent start: \(r.start?.description ?? "?"); end: \(r.end?.description ?? "?")")
            var problems = r.failures + r.simulatorFailures.map { "simulator: \($0)" }
            if r.survived != r.cycles { problems.append("\(r.cycles - r.survived) of \(r.cycles) cycles not survived") }
            if r.end == nil { problems.append("the run never reached its final check of the POS") }
            problems += l.unansweredOnLiveLink.map { "unanswered on a live link: \($0)" }
            problems += l.wrongAnswers.map { "wrong answer: \($0)" }
            problems += r.duplicates.map { "duplicate party in the POS: \($0)" }
            problems += r.missing.map { "party answered but missing from the POS: \($0)" }
            if let start = r.start, let end = r.end {
                if end.openFDs > start.openFDs + 8 { problems.append("open fds grew: \(start) → \(end)") }
                if end.residentKB > start.residentKB * 2 + 32 * 1024 { problems.append("RSS grew: \(start) → \(end)") }
            }
            return problems
        }
        await phase("kills") {
            let r = try await runKills(kills: kills, burst: burst, binary: binary, work: work, seed: seed)
            summary.append(
                "Agent kill -9: \(r.kills) kills; \(r.acknowledged) events acknowledged, \(r.delivered) delivered "
                    + "(\(r.deliveries) deliveries in all, duplicates allowed), lost: \(r.lost.count); "
                    + "longest from a restart to the outbox drained \(seconds(r.longestDrain))"
            )
            let refused = r.refused.sorted { $0.key < $1.key }.map { "exit \($0.key): \($0.value)" }
            summary.append(
                "   notifies refused (not acknowledged): \(refused.isEmpty ? "none" : refused.joined(separator: ", "))"
            )
            let l = r.ledger
            summary.append(
                "   inbound creates: \(l.sent) sent, \(l.answered) answered, \(l.lostWithLink) lost with a kill and "
                    + "retried; duplicates in the POS: \(r.duplicates.count); wrong answers: \(l.wrongAnswers.count)"
            )
            let pendingLine = r.pendingAtEnd.split(separator: "\n").first.map(String.init) ?? "?"
            summary.append("   outbox at the end: \(pendingLine)")
            var problems = r.failures + r.lost.map { "acknowledged, never delivered: \($0)" }
            problems += r.simulatorFailures.map { "simulator: \($0)" }
            problems += r.duplicates.map { "duplicate party in the POS: \($0)" }
            problems += l.wrongAnswers.map { "wrong answer: \($0)" }
            problems += l.unansweredOnLiveLink.map { "unanswered on a live link: \($0)" }
            if pendingLine != "pending: 0" { problems.append("the outbox did not drain: \(pendingLine)") }
            return problems
        }
        await phase("adapter") {
            let r = try await runAdapterChaos(binary: binary, work: work, adapterScript: adapterScript)
            var problems: [String] = []
            summary.append("Adapter misbehaviours:")
            for c in r.cases {
                let trigger =
                    c.triggerAnswer.isEmpty
                    ? "" : ", trigger answered in \(seconds(c.triggerLatency)): \(c.triggerAnswer.prefix(160))"
                let verdict =
                    !c.passed
                    ? "FAILED"
                    : c.notImplementedBeforeReady == 0 ? "ok" : "FAILED (a false \"not implemented\")"
                summary.append(
                    "   \(c.mode): \(verdict); \(c.launches) launches; served again after "
                        + "\(seconds(c.recovery))\(trigger)"
                )
                for (message, count) in c.trueErrors.sorted(by: { $0.key < $1.key }) {
                    summary.append("      \(count)× true error: \(message.prefix(200))")
                }
                if c.notImplementedBeforeReady > 0 {
                    summary.append(
                        "      \(c.notImplementedBeforeReady)× FALSE: \"GetPartyByIdV1 is not implemented by this POS\" "
                            + "while the adapter process was not initialised"
                    )
                    problems.append(
                        "\(c.mode): \(c.notImplementedBeforeReady)× \"not implemented\" before the adapter was ready"
                    )
                }
                for (message, count) in c.falseAnswers.sorted(by: { $0.key < $1.key }) {
                    summary.append("      \(count)× FALSE: \(message.prefix(200))")
                    problems.append("\(c.mode): \(count)× false answer: \(message.prefix(200))")
                }
                for note in c.notes { summary.append("      \(note)") }
                for line in c.logLines { summary.append("      log: \(line)") }
                if !c.passed && c.falseAnswers.isEmpty {
                    problems.append("\(c.mode): \(c.notes.joined(separator: "; "))")
                }
            }
            return problems + r.simulatorFailures.map { "simulator: \($0)" }
        }
        await phase("disk") {
            let r = try await runDiskChaos(binary: binary, work: work, fullFilesystem: fullFilesystem)
            if fullFilesystem == nil {
                summary.append("Full disk: skipped (no --full-filesystem; scripts/chaos mounts one as root)")
            } else {
                summary.append("Full disk:")
                summary += r.fullDisk.map { "   \($0)" }
            }
            summary.append("Corrupted outbox:")
            summary += r.corruption.map { "   \($0)" }
            return r.failures + r.simulatorFailures.map { "simulator: \($0)" }
        }
        await phase("power") {
            let r = try await runPowerCuts(cuts: powerCuts, burst: burst, binary: binary, work: work, seed: seed)
            summary.append(
                "Power cut: \(r.cuts) cuts; \(r.acknowledged) events acknowledged, \(r.deliveredBeforeCut) delivered "
                    + "before the cut, \(r.deliveredFromCopy) delivered by an agent started on the copy, lost: \(r.lost.count)"
            )
            return r.failures + r.lost.map { "acknowledged, lost with the power: \($0)" }
                + r.simulatorFailures.map { "simulator: \($0)" }
        }

        Children.killAll()
        if removeWork { try? FileManager.default.removeItem(atPath: work) }
        say("")
        say("== dojo-chaos summary (seed \(seed), \(seconds(ContinuousClock.now - started)))")
        for line in summary { say(line) }
        if failed.isEmpty {
            say("PASS")
        } else {
            say("FAIL (\(failed.count)):")
            for failure in failed { say("  - \(failure)") }
            if !keep { say("(rerun with --keep --seed \(seed) to keep the agents' logs)") }
            throw ExitCode(1)
        }
    }

    private func makeWorkDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "dojo-chaos-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ChaosFailure("cannot make a temporary directory")
        }
        return String(cString: made)
    }
}

/// SIGINT/SIGTERM: kill every child (and any started after), remove the work directory, exit 130.
nonisolated(unsafe) private var signalSources: [any DispatchSourceSignal] = []

private func installSignalHandlers(work: String, remove: Bool) {
    for number in [SIGINT, SIGTERM] {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            Children.stopAll()
            if remove { try? FileManager.default.removeItem(atPath: work) }
            say("dojo-chaos: interrupted; children killed")
            exit(130)
        }
        source.resume()
        signalSources.append(source)
    }
}
