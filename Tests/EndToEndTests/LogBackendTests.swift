import DojoSimulator
import Foundation
import Testing

/// The real agent binary's log backends (Docs/operations.md, "Logs"): JSON lines with `agent.log_format = "json"`,
/// and journald's native protocol when `JOURNAL_STREAM` names its stderr, each key a journal field. (logfmt, the
/// default, is what every other agent of the suite writes: `scripts/check-logs` parses all of them.)
@Suite(.timeLimit(.minutes(2)))
struct LogBackendTests {
    @Test func jsonLinesCarryOneLinePerRequestWithTheStableKeys() async throws {
        let flow = try scenarios("bookings-flow.yaml")
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            let launch = AgentLaunch(binary: agentBinary, adapter: .demo, settings: ["agent.log_format": "\"json\""])
            let log = try await AgentProcess.withAgent(launch, simulator: simulator) { agent in
                try await simulator.awaitSession(timeout: .seconds(30))
                await expectPassing(flow, on: simulator, options: .init(posDriver: agent.notifyDriver))
                await agent.stop(grace: .seconds(10))
                return agent.log
            }
            let records = try log.split(separator: "\n").map { line in
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
                return try #require(object as? [String: Any], "not a JSON object: \(line)")
            }
            for record in records {
                for key in ["ts", "level", "component", "msg"] { #expect(record[key] is String, "\(key) in \(record)") }
            }
            #expect(!log.contains(simulator.configuration.apiKey))
            let create = try #require(
                records.first {
                    $0["msg"] as? String == "request handled" && $0["rpc.method"] as? String == "CreateReservationV1"
                }
            )
            #expect(create["level"] as? String == "info")
            #expect(create["component"] as? String == "dojo.agent.dispatch")
            #expect(create["outcome"] as? String == "ok")
            #expect((create["entity"] as? String)?.hasPrefix("dojoReservation:dojo-res-") == true)
            #expect(Int(create["duration_ms"] as? String ?? "") != nil)
            #expect(create["rpc.id"] is String)
            #expect(
                records.contains {
                    $0["msg"] as? String == "session to Dojo open" && $0["level"] as? String == "notice"
                }
            )
        }
    }

    @Test func underJournaldEveryKeyIsAJournalField() async throws {
        let flow = try scenarios("bookings-flow.yaml")
        let journal = try JournalStandIn()
        defer { journal.close() }
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            var launch = AgentLaunch(binary: agentBinary, adapter: .demo)
            launch.journalSocket = journal.path
            try await AgentProcess.withAgent(launch, simulator: simulator) { agent in
                try await simulator.awaitSession(timeout: .seconds(30))
                await expectPassing(flow, on: simulator, options: .init(posDriver: agent.notifyDriver))
                let entries = try journal.receive {
                    $0["MESSAGE"] == "request handled" && $0["RPC_METHOD"] == "CreateReservationV1"
                }
                let create = try #require(entries.last)
                #expect(create["PRIORITY"] == "6")
                #expect(create["SYSLOG_IDENTIFIER"] == "dojo-agent")
                #expect(create["COMPONENT"] == "dojo.agent.dispatch")
                #expect(create["OUTCOME"] == "ok")
                #expect(create["ENTITY"]?.hasPrefix("dojoReservation:dojo-res-") == true)
                #expect(create["RPC_ID"] != nil && create["DURATION_MS"] != nil)
                let open = try #require(entries.first { $0["MESSAGE"] == "session to Dojo open" })
                #expect(open["PRIORITY"] == "5")
                for entry in entries {
                    #expect(!entry.values.contains { $0.contains(simulator.configuration.apiKey) })
                }
                // journald got every line; stderr (the journal's stream) none.
                #expect(!agent.log.contains("request handled"), "\(agent.log)")
            }
        }
    }
}
