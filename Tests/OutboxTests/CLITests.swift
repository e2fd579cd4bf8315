import DojoAgentCore
import DojoProtocol
import DojoSimulator
import Foundation
import Testing

/// The operator commands as operators run them: the real `dojo-agent` binary in a child process, against a real
/// outbox file in a temporary state directory.
@Suite(.timeLimit(.minutes(1)))
struct CLITests {
    struct Run: Sendable {
        var status: Int32
        var output: String
        var error: String
    }

    /// `.build/<triple>/debug/dojo-agent`, beside the test bundle.
    static let binary: String = {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return runner.appendingPathComponent("dojo-agent").path
    }()

    static let emptyConfiguration: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-tests-empty.conf").path
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        return path
    }()

    static func run(_ arguments: [String]) async throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        // An empty configuration file: never pick up $DOJO_AGENT_CONFIG or a machine's /etc/dojo-agent/agent.conf.
        process.arguments = arguments + ["--config", Self.emptyConfiguration]
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        return await onThread {
            let out = output.fileHandleForReading.readDataToEndOfFile()
            let err = error.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Run(
                status: process.terminationStatus,
                output: String(decoding: out, as: UTF8.self),
                error: String(decoding: err, as: UTF8.self)
            )
        }
    }

    @Test
    func notifyFailsClearlyWhenTheAgentIsNotRunning() async throws {
        try await withTemporaryDirectory { directory in
            let run = try await Self.run(["notify", "OrderUpdated", "42", "--state-directory", directory])
            #expect(run.status == 69)
            #expect(
                run.error
                    == "dojo-agent: the agent is not running: nothing listens on \(directory)/control.sock (No such file or directory)\n"
            )
        }
    }

    @Test
    func statusExitsThreeWhenTheAgentIsNotRunning() async throws {
        try await withTemporaryDirectory { directory in
            for json in [false, true] {
                let run = try await Self.run(["status", "--state-directory", directory] + (json ? ["--json"] : []))
                #expect(run.status == 3, "LSB: program is not running")
                #expect(run.output.isEmpty)
                #expect(run.error.hasPrefix("dojo-agent: the agent is not running"))
            }
        }
    }

    @Test
    func queueListJSONHasEveryEventWithItsFullID() async throws {
        try await withTemporaryDirectory { directory in
            let outbox = try Outbox.open(path: "\(directory)/outbox.sqlite", logger: testLogger)
            let long = String(repeating: "x", count: 90) + "-end"
            try await outbox.publish(contentsOf: [event(.orderUpdated, long), event(.partyUpdated, "p\"1")])
            let rows = try await outbox.pendingEntries()
            try await outbox.deadLetter(rows[1], status: 400, reason: "HTTP 400: refused", responseBody: "bad")
            let run = try await Self.run(["queue", "list", "--json", "--state-directory", directory])
            #expect(run.status == 0, "\(run.error)")
            let document = try JSONValue(parsing: run.output)
            #expect(document["schema"] == 1)
            let pending = try #require(document["pending"]?.arrayValue)
            #expect(pending.count == 1)
            #expect(pending[0]["entityId"] == .string(long), "never clipped")
            #expect(pending[0]["type"] == "OrderUpdated")
            #expect(pending[0]["attempts"] == 0)
            #expect(pending[0]["lastError"] == .null)
            let dead = try #require(document["dead"]?.arrayValue)
            #expect(dead.count == 1)
            #expect(dead[0]["entityId"] == "p\"1")
            #expect(dead[0]["status"] == 400)
            #expect(dead[0]["reason"] == "HTTP 400: refused")
            #expect(dead[0]["deadAt"]?.stringValue?.hasSuffix("Z") == true)
        }
    }

    @Test
    func notifyRefusesABadTypeWithoutTheAgent() async throws {
        let run = try await Self.run(["notify", "TableUpdated", "42", "--state-directory", "/nonexistent"])
        #expect(run.status == 65)
        #expect(
            run.error
                == "dojo-agent: unknown POS event type \"TableUpdated\"; expected one of OrderUpdated, PartyUpdated, ReservationUpdated\n"
        )
    }

    @Test
    func notifyHandsTheEventToTheRunningAgent() async throws {
        try await withTemporaryDirectory { directory in
            let outbox = try Outbox.open(path: "\(directory)/outbox.sqlite", logger: testLogger)
            let listening = AsyncQueue<Void>()
            let server = ControlServer(
                socketPath: "\(directory)/control.sock",
                handlers: ["notify": ControlCommands.notify(outbox: outbox)],
                logger: testLogger,
                onListening: { listening.push(()) }
            )
            try await whileRunning({ try await server.run() }) {
                await listening.next()
                let run = try await Self.run(["notify", "ReservationUpdated", "res-1", "--state-directory", directory])
                #expect(run.status == 0)
                #expect(run.error.isEmpty)
                #expect(try await outbox.pendingEntries().map(\.event) == [event(.reservationUpdated, "res-1")])
            }
        }
    }

    @Test
    func queueCommandsWorkOnTheDatabaseWhileAnotherProcessWritesIt() async throws {
        try await withTemporaryDirectory { directory in
            // The "agent": an outbox open in this process, publishing while the commands run.
            let outbox = try Outbox.open(path: "\(directory)/outbox.sqlite", logger: testLogger)
            try await outbox.publish(contentsOf: [
                event(.orderUpdated, "o1"), event(.partyUpdated, "p1"), event(.orderUpdated, "o2"),
            ])
            let rows = try await outbox.pendingEntries()
            try await outbox.reschedule(rows[0], at: Date().addingTimeInterval(600), error: "HTTP 503 unavailable")
            try await outbox.deadLetter(
                rows[1],
                status: 400,
                reason: "HTTP 400 bad: Dojo refused the event; not retried",
                responseBody: "bad"
            )
            try await outbox.deadLetter(
                rows[2],
                status: 404,
                reason: "HTTP 404: Dojo refused the event; not retried",
                responseBody: nil
            )

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for index in 0..<200 { try await outbox.publish(event(.reservationUpdated, "busy-\(index)")) }
                }
                let list = try await Self.run(["queue", "list", "--state-directory", directory])
                #expect(list.status == 0, "\(list.error)")
                #expect(list.output.contains("dead: 2"))
                let lines = list.output.split(separator: "\n").map(String.init)
                #expect(
                    lines.contains {
                        $0.hasPrefix("1 ") && $0.contains("OrderUpdated") && $0.contains("o1")
                            && $0.contains("HTTP 503 unavailable") && $0.contains("in 9m")
                    }
                )
                #expect(
                    lines.contains {
                        $0.hasPrefix("2 ") && $0.contains("PartyUpdated") && $0.contains("400")
                            && $0.contains("HTTP 400 bad")
                    }
                )

                let retry = try await Self.run(["queue", "retry", "2", "--state-directory", directory])
                #expect(retry.status == 0, "\(retry.error)")
                #expect(retry.output == "event 2 is due now\n")
                let missing = try await Self.run(["queue", "retry", "999", "--state-directory", directory])
                #expect(missing.status == 65)
                #expect(missing.error == "dojo-agent: no pending or dead event has id 999\n")
                try await group.waitForAll()
            }
            #expect(try await outbox.deadLetters().map(\.entityID) == ["o2"])
            #expect(
                try await outbox.pendingEntries().contains {
                    $0.event == event(.partyUpdated, "p1") && $0.attempts == 0
                }
            )

            let all = try await Self.run(["queue", "retry", "--all-dead", "--state-directory", directory])
            #expect(all.output == "1 dead-lettered event moved back to pending\n")
            let again = try #require(try await outbox.pendingEntries().first { $0.event == event(.orderUpdated, "o2") })
            try await outbox.deadLetter(again, status: 410, reason: "HTTP 410", responseBody: nil)
            let purge = try await Self.run(["queue", "purge", "--dead", "--state-directory", directory])
            #expect(purge.output == "1 dead-lettered event deleted\n")
            #expect(try await outbox.statistics().dead == 0)
            #expect(try await outbox.statistics().pending == 202)
            let bare = try await Self.run(["queue", "purge", "--state-directory", directory])
            #expect(bare.status != 0)
            #expect(bare.error.contains("say what to purge: --dead"))
        }
    }
}
