import AgentSupport
import DojoAgentCore
import DojoProtocol
import DojoSimulator
import Foundation
import Testing
import Transport

#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` of a real `dojo-agent run` in the middle of a burst of notifies, several times over the same state
/// directory: afterwards, every event the agent acknowledged was delivered to the peer or is still pending.
///
/// With `notify` made to answer OK without storing some events, it fails and lists them.
@Suite(.timeLimit(.minutes(1)))
struct KillTests {
    @Test
    func noAcknowledgedEventIsLostWhenTheAgentIsKilledMidBurst() async throws {
        try await withTemporaryDirectory { directory in
            try await withRESTPeer { peer, rest in
                let state = "\(directory)/state"
                let configuration = "\(directory)/agent.conf"
                try """
                [dojo]
                ws_url = "\(peer.url())"
                api_base_url = "\(peer.httpBaseURL)"
                api_key = "sk_sandbox_kill"
                software_house_id = "kill-test"
                [adapter]
                kind = "demo"
                [agent]
                state_directory = "\(state)"
                log_level = "info"
                """.write(toFile: configuration, atomically: true, encoding: .utf8)

                var acknowledged = Set<String>()
                for round in 0..<5 {
                    let agent = try AgentProcess(configuration: configuration)
                    try await agent.waitUntilListening()
                    let socket = "\(state)/control.sock"
                    // Four senders at once; the agent is killed after a different number of acknowledgements each
                    // round, with notifies (and deliveries to the peer) still in flight.
                    let killAfter = 20 + round * 17
                    let counter = PThreadLockBox(0)
                    let acknowledgedThisRound = try await withThrowingTaskGroup(of: [String].self) { group in
                        for sender in 0..<4 {
                            group.addTask {
                                let client = ControlClient(socketPath: socket, timeoutSeconds: 5)
                                var mine: [String] = []
                                var index = 0
                                while true {
                                    let id = "order-\(round)-\(sender)-\(index)"
                                    index += 1
                                    let request = ControlRequest(
                                        command: "notify",
                                        fields: ["eventType": "OrderUpdated", "id": .string(id)]
                                    )
                                    guard let response = try? await client.send(request) else { break }
                                    guard response.isOK else { continue }
                                    mine.append(id)
                                    if counter.increment() == killAfter { agent.kill() }
                                }
                                return mine
                            }
                        }
                        var all: [String] = []
                        for try await ids in group { all += ids }
                        return all
                    }
                    await agent.waitForExit()
                    #expect(agent.wasKilled, "round \(round): the agent exited before it was killed")
                    #expect(acknowledgedThisRound.count >= killAfter)
                    acknowledged.formUnion(acknowledgedThisRound)
                }

                // Everything the peer received (the agent may have died before reading a 200: then it is pending).
                let delivered = Set(
                    rest.requests.pending.compactMap { request in
                        (try? JSONValue(parsing: request.body)).flatMap { try? PosEvent(json: $0, path: "$").entityID }
                    }
                )
                let outbox = try Outbox.open(path: "\(state)/outbox.sqlite", corruption: .fail, logger: testLogger)
                let pending = Set(try await outbox.pendingEntries().map(\.event.entityID))
                let lost = acknowledged.subtracting(delivered).subtracting(pending)
                #expect(acknowledged.count >= 5 * 20)
                #expect(lost.isEmpty, "acknowledged but neither delivered nor pending: \(lost.sorted())")
            }
        }
    }
}

/// A `dojo-agent run` child process whose stderr is watched for the control socket's "listening" line.
final class AgentProcess: Sendable {
    private let process: Process
    private let listening = AsyncQueue<Void>()
    private let exited = AsyncQueue<Void>()
    private let killed = PThreadLockBox(false)

    init(configuration: String) throws {
        let process = Process()
        // The agent dies with the test runner (setpriv sets its parent-death signal), pass or fail.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--pdeathsig", "KILL", "--", CLITests.binary, "run", "--config", configuration]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        self.process = process
        let listening = self.listening
        let exited = self.exited
        process.terminationHandler = { _ in exited.push(()) }
        try ChildSpawner.run { try process.run() }  // --pdeathsig follows the forking thread
        // The agent logs one line when the control socket accepts connections; read stderr on its own thread.
        Thread {
            var buffer = Data()
            while true {
                let chunk = errors.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                if String(decoding: buffer, as: UTF8.self).contains("control socket listening") {
                    listening.push(())
                    buffer.removeAll()
                }
            }
            listening.finish()
        }.start()
    }

    /// Returns once the control socket is up; throws if the agent ended first.
    func waitUntilListening() async throws {
        guard await self.listening.next() != nil else {
            throw ControlError(.agentNotRunning, "dojo-agent run ended before its control socket was listening")
        }
    }

    func kill() {
        self.killed.set(true)
        Glibc.kill(self.process.processIdentifier, SIGKILL)
    }

    var wasKilled: Bool {
        self.killed.get() && self.process.terminationReason == .uncaughtSignal
            && self.process.terminationStatus == SIGKILL
    }

    func waitForExit() async {
        _ = await self.exited.next()
    }
}

/// A tiny lock-protected value for the test's own bookkeeping.
final class PThreadLockBox<Value: Sendable>: Sendable {
    fileprivate let lock: PThreadLock<Value>
    init(_ value: Value) { self.lock = PThreadLock(value) }
    func get() -> Value { self.lock.withLock { $0 } }
    func set(_ value: Value) { self.lock.withLock { $0 = value } }
}

extension PThreadLockBox where Value == Int {
    /// Adds one and returns the new value.
    func increment() -> Int {
        self.lock.withLock {
            $0 += 1
            return $0
        }
    }
}
