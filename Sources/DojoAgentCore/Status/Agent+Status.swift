import Foundation
import Transport

#if canImport(Glibc)
import Glibc
#endif

extension Agent {
    /// Gathers the ``AgentStatusReport`` from the live status sources; only the outbox counts touch the disk.
    func statusReport(publisher: Publisher, registrar: Registrar, adapter: ProcessAdapter?) async -> AgentStatusReport {
        var outbox: OutboxStatistics?
        var outboxError: String?
        do {
            outbox = try await self.outbox.statistics()
        } catch {
            outboxError = error.message
        }
        let now = ContinuousClock.now
        return AgentStatusReport(
            now: Date(),
            startedAt: self.startedAt,
            pid: getpid(),
            version: AgentInfo.version,
            session: self.sessionStatus.snapshot,
            requests: self.requestStatistics.snapshot,
            adapter: self.adapterReport(adapter),
            outbox: outbox,
            outboxError: outboxError,
            outboxQuarantinedFile: self.outbox.quarantinedFile,
            delivery: publisher.status,
            registration: registrar.status,
            metrics: self.metricsAddress.withLock { $0 },
            watchdog: AgentStatusReport.Watchdog(
                loops: self.liveness.names,
                silent: self.liveness.silentLoops(now: now).map { ($0.name, $0.silentFor.seconds) },
                lastRoundSecondsAgo: self.liveness.lastRoundAt.map { $0.duration(to: now).seconds }
            )
        )
    }

    private func adapterReport(_ process: ProcessAdapter?) -> AgentStatusReport.Adapter {
        guard let process else {
            let embedded = self.adapterOverride != nil
            return AgentStatusReport.Adapter(
                kind: embedded ? "embedded" : "demo",
                name: embedded ? "\(type(of: self.adapterOverride!))" : "demo",
                state: "ready",
                description: embedded
                    ? "embedded \(type(of: self.adapterOverride!)), in process" : "demo POS, in process"
            )
        }
        let status = process.status
        let state: String =
            switch status.state {
            case .notStarted: "notStarted"
            case .starting: "starting"
            case .ready: "ready"
            case .restarting: "restarting"
            case .stopped: "stopped"
            }
        return AgentStatusReport.Adapter(
            kind: "process",
            name: process.configuration.command.first ?? "?",
            state: state,
            description: "\(status)",
            pid: status.processID,
            restarts: max(0, status.incarnation - 1),
            lastError: status.lastExit
        )
    }
}
