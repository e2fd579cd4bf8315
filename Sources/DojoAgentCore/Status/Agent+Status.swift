import AgentSupport
import DojoAdapter
import Foundation
import SystemCalls
import Transport

extension Agent {
    /// Gathers the ``AgentStatusReport`` from the live status sources; only the outbox counts touch the disk.
    func statusReport(publisher: Publisher, registrar: Registrar) async -> AgentStatusReport {
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
            pid: Syscall.processID,
            version: AgentInfo.version,
            session: self.sessionStatus.snapshot,
            requests: self.requestStatistics.snapshot,
            adapter: Self.adapterReport(self.adapter.adapterStatus),
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

    /// The adapter's own snapshot (``POSAdapter/adapterStatus``), as `status` and the metrics show it.
    private static func adapterReport(_ status: AdapterStatus) -> AgentStatusReport.Adapter {
        AgentStatusReport.Adapter(
            kind: status.kind.rawValue,
            name: status.name,
            state: status.state,
            description: status.detail ?? status.description,
            pid: status.processID,
            restarts: status.restarts,
            lastError: status.lastError
        )
    }
}
