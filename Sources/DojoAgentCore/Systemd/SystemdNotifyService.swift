import Foundation
public import Logging
public import ServiceLifecycle
import Transport

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
    }

    public func run() async throws {
        let (events, input) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
        self.agent.controlSocketReady.onComplete { input.yield(.controlSocketListening) }
        let sessionStatus = self.agent.sessionStatus
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                for await snapshot in sessionStatus.updates() { input.yield(.session(snapshot)) }
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
            loop: for await event in events {
                switch event {
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
