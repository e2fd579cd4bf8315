import AgentSupport
import Foundation
public import Logging
public import ServiceLifecycle

/// Tells systemd what the agent is doing (`Type=notify`), beside the ``Agent`` in the same `ServiceGroup`, listed
/// after it (so it is told to stop first, and says `STOPPING=1` before the agent drains):
///
/// - `READY=1` once the state directory is open and the configuration valid (both before the agent exists), the
///   control socket listens, the adapter is ready and the first connection attempt to Dojo was made: made, not
///   succeeded, so a Dojo outage never fails the start.
/// - `STATUS=` on every session state change, in words (``SystemdStatusLine``).
/// - `STOPPING=1` when shutdown begins.
///
/// Without `NOTIFY_SOCKET` it is not needed: ``SystemdNotifier/isEnabled`` tells the caller.
public struct SystemdNotifyService: Service {
    let agent: Agent
    let notifier: SystemdNotifier
    let logger: Logger

    public init(agent: Agent, notifier: SystemdNotifier, logger: Logger) {
        self.agent = agent
        self.notifier = notifier
        self.logger = logger
    }

    enum Event: Sendable {
        case session(SessionStatus.Snapshot)
        case controlSocketListening
        case shutdown
        case watchdogRound
    }

    public func run() async throws {
        let (events, input) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
        self.agent.controlSocketReady.onComplete { input.yield(.controlSocketListening) }
        let sessionStatus = self.agent.sessionStatus
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                for await snapshot in sessionStatus.updates() { input.yield(.session(snapshot)) }
            }
            if let period = self.notifier.environment.watchdogPeriod {
                // Rounds at half the period (sd_watchdog_enabled's advice): a loop silent for a whole round
                // withholds the pet, so systemd acts at most about 1.5 periods after a loop wedges.
                tasks.addTask {
                    while !Task.isCancelled {
                        input.yield(.watchdogRound)
                        do { try await Task.sleep(for: period / 2) } catch { break }
                    }
                }
            }
            tasks.addTask {
                // Throws only when cancelled; either way the loop below must end.
                try? await gracefulShutdown()
                input.yield(.shutdown)
            }
            var listening = false
            var attempted = false
            var ready = false
            var lastStatus = ""
            var snapshot = sessionStatus.snapshot
            var withheld = false
            loop: for await event in events {
                switch event {
                case .watchdogRound:
                    withheld = self.watchdogRound(wasWithheld: withheld)
                    continue loop
                case .controlSocketListening: listening = true
                case .session(let latest):
                    snapshot = latest
                    // The first attempt was made once the session leaves `connecting` for any outcome.
                    switch latest.state {
                    case .connected, .waiting, .authRejected: attempted = true
                    case .starting, .waitingForAdapter, .connecting, .stopped: break
                    }
                case .shutdown:
                    self.send(.stopping(status: "stopping: finishing in-flight requests, closing the session"))
                    break loop
                }
                let status = await self.statusLine(snapshot)
                if !ready, listening, attempted {
                    ready = true
                    lastStatus = status
                    self.send(.ready(status: status))
                    self.logger.notice("told systemd the agent is ready", metadata: ["status": "\(status)"])
                } else if status != lastStatus {
                    lastStatus = status
                    self.send(.status(status))
                }
            }
            input.finish()
            tasks.cancelAll()
        }
    }

    /// Pets systemd if every loop answered the previous round's probe, else withholds the pet and says which loop
    /// is silent (`STATUS=` and a warning); then probes every loop for the next round. Returns whether it withheld.
    private func watchdogRound(wasWithheld: Bool) -> Bool {
        let silent = self.agent.liveness.silentLoops()
        defer { self.agent.liveness.probeAll() }
        guard !silent.isEmpty else {
            self.send(.watchdog)
            if wasWithheld { self.logger.notice("every loop answers again; watchdog petted") }
            return false
        }
        let names = silent.map { "\($0.name) (\(Int($0.silentFor.seconds)) s)" }.joined(separator: ", ")
        let line = "watchdog withheld: not answering: \(names); systemd restarts the agent after WatchdogSec"
        self.send(.status(line))
        self.logger.warning(
            "a loop does not answer: watchdog not petted",
            metadata: ["loops": "\(silent.map(\.name).joined(separator: ","))"]
        )
        return true
    }

    private func statusLine(_ snapshot: SessionStatus.Snapshot) async -> String {
        let statistics = try? await self.agent.outbox.statistics()
        return SystemdStatusLine.render(
            snapshot,
            pending: statistics?.pending,
            dead: statistics?.dead,
            secrets: [self.agent.configuration.dojo.apiKey.value]
        )
    }

    private func send(_ message: SystemdMessage) {
        if let failure = self.notifier.send(message) {
            self.logger.debug("could not notify systemd", metadata: ["reason": "\(failure)"])
        }
    }
}

/// The `STATUS=` line: what `systemctl status dojo-agent` shows under the unit, for an operator at a glance.
public enum SystemdStatusLine {
    /// For example `connected since 2026-12-01 22:14:03 +0000 · outbox 0 pending · last error: …`. Any of
    /// `secrets` in the text is replaced by `<redacted>` (an error must never carry the API key to the journal).
    public static func render(
        _ snapshot: SessionStatus.Snapshot,
        pending: Int?,
        dead: Int?,
        secrets: [String] = []
    ) -> String {
        var parts = ["\(snapshot.state)"]
        if let pending {
            parts.append("outbox \(pending) pending" + (dead.map { $0 > 0 ? ", \($0) dead" : "" } ?? ""))
        }
        // While waiting, the state already names the reason; once connected again the last error is history
        // worth showing.
        if case .connected = snapshot.state, let lastError = snapshot.lastError {
            parts.append("last error: \(lastError)")
        }
        var line = parts.joined(separator: " · ")
        for secret in secrets where secret.count >= 4 {
            line = line.replacingOccurrences(of: secret, with: "<redacted>")
        }
        return SystemdMessage.singleLine(line)
    }
}
