import AgentSupport
import DojoAgentCore
import DojoSimulator
import Foundation
import Testing
import Transport

/// The NOTIFY_SOCKET client: the pure message builder, the environment systemd sets, and the datagram sender
/// against a socket the test listens on (a path and an abstract `@` name).
@Suite(.timeLimit(.minutes(1)))
struct SystemdNotifyTests {
    @Test func messagesAreNewlineSeparatedAssignments() {
        #expect(SystemdMessage.ready().description == "READY=1\n")
        #expect(SystemdMessage.ready(status: "connected").description == "READY=1\nSTATUS=connected\n")
        #expect(SystemdMessage.stopping().description == "STOPPING=1\n")
        #expect(SystemdMessage.watchdog.description == "WATCHDOG=1\n")
        #expect(
            SystemdMessage.reloading(monotonicMicroseconds: 1_234_567).description
                == "RELOADING=1\nMONOTONIC_USEC=1234567\n"
        )
        #expect(SystemdMessage.extendTimeout(microseconds: 30_000_000).description == "EXTEND_TIMEOUT_USEC=30000000\n")
    }

    @Test func aStatusValueIsOneLine() {
        let message = SystemdMessage.status("lost\nREADY=1\r\tagain\u{0}")
        #expect(message.description == "STATUS=lost READY=1  again \n")
        let long = SystemdMessage.status(String(repeating: "é", count: 2000)).description
        #expect(long.utf8.count <= "STATUS=\n".utf8.count + 1024)
        #expect(long.hasSuffix("…\n"))
    }

    @Test func theEnvironmentIsReadAsSdWatchdogEnabledDoes() {
        let none = SystemdEnvironment(environment: [:], pid: 42)
        #expect(none.notifySocket == nil && none.watchdogPeriod == nil)
        let mine = SystemdEnvironment(
            environment: ["NOTIFY_SOCKET": "@sd", "WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "42"],
            pid: 42
        )
        #expect(mine.notifySocket == "@sd")
        #expect(mine.watchdogPeriod == .seconds(20))
        let anyPid = SystemdEnvironment(environment: ["WATCHDOG_USEC": "1000000"], pid: 42)
        #expect(anyPid.watchdogPeriod == .seconds(1))
        // Inherited by a child that is not the service's main process: not ours to pet.
        let other = SystemdEnvironment(environment: ["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "7"], pid: 42)
        #expect(other.watchdogPeriod == nil)
        #expect(SystemdEnvironment(environment: ["WATCHDOG_USEC": "0"], pid: 42).watchdogPeriod == nil)
        #expect(SystemdEnvironment(environment: ["NOTIFY_SOCKET": ""], pid: 42).notifySocket == nil)
    }

    @Test(arguments: [true, false])
    func datagramsArriveInOrder(abstract: Bool) async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let listener =
            try abstract ? NotifySocketListener.abstract() : NotifySocketListener(address: directory + "/notify")
        let notifier = SystemdNotifier(environment: SystemdEnvironment(notifySocket: listener.address))
        #expect(notifier.isEnabled)
        #expect(notifier.send(.status("connecting")) == nil)
        #expect(notifier.send(.ready(status: "connected")) == nil)
        #expect(notifier.send(.stopping()) == nil)
        _ = try await listener.await("STOPPING=1", timeout: .seconds(30))
        #expect(listener.datagrams.all == ["STATUS=connecting\n", "READY=1\nSTATUS=connected\n", "STOPPING=1\n"])
        await listener.close()
    }

    @Test func withoutASocketNothingIsSentAndNothingFails() {
        let notifier = SystemdNotifier(environment: SystemdEnvironment())
        #expect(!notifier.isEnabled)
        #expect(notifier.send(.ready()) == nil)
        let missing = SystemdNotifier(environment: SystemdEnvironment(notifySocket: "/nonexistent/notify"))
        #expect(missing.send(.ready())?.contains("/nonexistent/notify") == true)
    }

    @Test func theStatusLineSaysWhatTheSessionDoesAndNeverTheKey() {
        let since = Date(timeIntervalSince1970: 1_800_000_000)
        let connected = SessionStatus.Snapshot(
            state: .connected(since: since),
            connections: 2,
            lastError: "handshake refused for key sk_live_SECRET"
        )
        let line = SystemdStatusLine.render(connected, pending: 3, dead: 1, secrets: ["sk_live_SECRET"])
        #expect(line.hasPrefix("connected since "))
        #expect(line.contains("outbox 3 pending, 1 dead"))
        #expect(line.contains("last error: handshake refused for key <redacted>"))
        #expect(!line.contains("SECRET"))
        let waiting = SessionStatus.Snapshot(
            state: .waiting(until: since, reason: "connection refused"),
            connections: 0,
            lastError: "connection refused"
        )
        let down = SystemdStatusLine.render(waiting, pending: 0, dead: 0)
        #expect(down.hasPrefix("disconnected (connection refused)"))
        #expect(!down.contains("last error"))
    }
}

/// The watchdog's liveness rounds: a loop is silent once it has not answered the previous round's probe.
@Suite struct LivenessTests {
    @Test func aLoopThatDoesNotAnswerIsSilentUntilItDoes() {
        let liveness = Liveness()
        let held = PendingAnswers()
        liveness.register("prompt") { $0() }
        liveness.register("slow") { held.add($0) }
        #expect(liveness.silentLoops().isEmpty)
        liveness.probeAll()
        #expect(liveness.silentLoops().map(\.name) == ["slow"])
        // Asked again while silent (a probe may have been lost): only an answer to the latest round counts.
        liveness.probeAll()
        #expect(held.count == 2)
        held.answerFirst()
        #expect(liveness.silentLoops().map(\.name) == ["slow"])
        held.answerAll()
        #expect(liveness.silentLoops().isEmpty)
        liveness.unregister("slow")
        liveness.probeAll()
        #expect(liveness.silentLoops().isEmpty)
        #expect(liveness.names == ["prompt"])
        #expect(!liveness.wedge("nonexistent"))
    }
}

final class PendingAnswers: Sendable {
    private let answers = PThreadLock<[@Sendable () -> Void]>([])
    func add(_ answer: @escaping @Sendable () -> Void) { self.answers.withLock { $0.append(answer) } }
    var count: Int { self.answers.withLock { $0.count } }
    func answerFirst() {
        self.answers.withLock { $0.first }?()
    }
    func answerAll() {
        let waiting = self.answers.withLock { answers in
            defer { answers = [] }
            return answers
        }
        for answer in waiting { answer() }
    }
}

/// What a SIGHUP reload applies live and what it says needs a restart.
@Suite struct ConfigurationReloadTests {
    @Test func theLogLevelIsLiveAndEverythingElseNeedsARestart() throws {
        func load(_ overrides: [String: String]) throws -> AgentConfiguration.Resolved {
            try AgentConfiguration.load(file: nil, environment: [:], overrides: overrides, requireCredentials: false)
        }
        let old = try load(["agent.log_level": "info", "dojo.api_key": "key-one"])
        let same = ConfigurationReload(from: old, to: old)
        #expect(same.live.isEmpty && same.needsRestart.isEmpty)
        let new = try load(["agent.log_level": "debug", "outbox.drain_rate": "5", "dojo.api_key": "key-two"])
        let plan = ConfigurationReload(from: old, to: new)
        #expect(plan.live == ["agent.log_level"])
        #expect(plan.needsRestart == ["dojo.api_key", "outbox.drain_rate"])
    }
}
