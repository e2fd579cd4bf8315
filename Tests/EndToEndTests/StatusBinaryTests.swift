import DojoProtocol
import DojoSimulator
import Foundation
import Testing

/// `dojo-agent status`, `status --watch` and the Prometheus endpoint as operators and monitoring use them: the real
/// agent binary with the demo POS against dojo-sim, asked through its real control socket and scraped over a real
/// TCP socket, the text parsed by Prometheus' own Python parser.
@Suite(.timeLimit(.minutes(2)))
struct StatusBinaryTests {
    struct Run: Sendable {
        var status: Int32
        var output: String
        var error: String
    }

    /// Runs `command` to its end and returns its exit status and output.
    /// `detached`: output to /dev/null, for a command that leaves a daemon behind holding its descriptors (the
    /// tmux server), whose pipes would never reach end of file.
    static func run(_ command: [String], detached: Bool = false) async throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = detached ? FileHandle.nullDevice : output
        process.standardError = detached ? FileHandle.nullDevice : error
        if detached {
            try? output.fileHandleForWriting.close()
            try? error.fileHandleForWriting.close()
        }
        process.standardInput = FileHandle.nullDevice
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { exited.continuation.yield($0.terminationStatus) }
        try process.run()
        async let out = Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
        async let err = Task.detached { error.fileHandleForReading.readDataToEndOfFile() }.value
        var iterator = exited.stream.makeAsyncIterator()
        let status = await iterator.next() ?? -1
        return Run(
            status: status,
            output: String(decoding: await out, as: UTF8.self),
            error: String(decoding: await err, as: UTF8.self)
        )
    }

    /// `status --json` once the control socket answers (it opens while the agent starts: exit 3 until then).
    static func status(_ agent: AgentProcess, json: Bool = true) async throws -> Run {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let run = try await Self.run(
                [agentBinary, "status", "--config", agent.configFile] + (json ? ["--json"] : [])
            )
            if run.status != 3 || ContinuousClock.now > deadline { return run }
            try await Task.sleep(for: .milliseconds(100))  // a bound on start-up, not the thing measured
        }
    }

    @Test func aConnectedAgentReportsItsStatusAndServesMetrics() async throws {
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            let launch = AgentLaunch(
                binary: agentBinary,
                adapter: .demo,
                settings: ["metrics.listen": "\"127.0.0.1:0\"", "dojo.register_capabilities": "false"]
            )
            try await AgentProcess.withAgent(launch, simulator: simulator) { agent in
                _ = try await simulator.awaitSession(timeout: .seconds(30))
                _ = try await simulator.call(.listAreas(ListAreasRequest()))
                _ = try await simulator.call(.listAreas(ListAreasRequest()))
                _ = try await simulator.call(.getReservation(GetReservationByIDRequest(reservationID: "no-such")))

                let run = try await Self.status(agent)
                #expect(run.status == 0, "\(run.error)\n\(run.output)\n\(agent.log)")
                let status = try JSONValue(parsing: run.output)
                #expect(status["schema"] == 1)
                #expect(status["health"]?["state"] == "ok")
                #expect(status["health"]?["problems"] == [])
                #expect(status["session"]?["state"] == "connected")
                #expect(status["adapter"]?["kind"] == "demo")
                #expect(status["outbox"]?["pending"] == 0)
                let methods = status["requests"]?["methods"]?.arrayValue ?? []
                let areas = methods.first { $0["method"] == "ListAreasV1" }
                #expect(areas?["count"] == 2)
                #expect(methods.first { $0["method"] == "GetReservationByIdV1" }?["errors"] == ["NotFound": 1])
                #expect(!run.output.contains(simulator.configuration.apiKey))
                let listen = try #require(status["metrics"]?["listen"]?.stringValue)

                let table = try await Self.status(agent, json: false)
                #expect(table.status == 0)
                let lines = table.output.split(separator: "\n")
                #expect(lines.contains { $0.hasPrefix("health ") && $0.hasSuffix(" ok") }, "\(table.output)")
                #expect(table.output.contains("ListAreasV1"))
                #expect(!table.output.contains(simulator.configuration.apiKey))

                let scrape = try await Self.run(["python3", "-c", Self.scraper, "http://\(listen)"])
                #expect(scrape.status == 0, "\(scrape.error)")
                let families = try JSONValue(parsing: scrape.output)
                func value(_ family: String, _ sample: String, _ labels: [String: String] = [:]) -> Double? {
                    let samples = families[family]?["samples"]?.arrayValue ?? []
                    let match = samples.compactMap(\.arrayValue).first { row in
                        row.count == 3 && row[0].stringValue == sample
                            && labels.allSatisfy { key, value in row[1][key]?.stringValue == value }
                    }
                    switch match?[2] {
                    case .double(let number)?: return number
                    case .integer(let number)?: return Double(number)
                    default: return nil
                    }
                }
                #expect(families["dojo_agent_requests"]?["type"] == "counter")
                #expect(families["dojo_agent_request_duration_seconds"]?["type"] == "histogram")
                #expect(value("dojo_agent_session_up", "dojo_agent_session_up") == 1)
                #expect(
                    value(
                        "dojo_agent_requests",
                        "dojo_agent_requests_total",
                        ["method": "ListAreasV1", "outcome": "ok"]
                    ) == 2
                )
                #expect(
                    value(
                        "dojo_agent_request_duration_seconds",
                        "dojo_agent_request_duration_seconds_count",
                        ["method": "ListAreasV1"]
                    ) == 2
                )
                #expect(value("dojo_agent_build_info", "dojo_agent_build_info", ["version": "0.1.0"]) == 1)
                #expect(value("dojo_agent_outbox_pending", "dojo_agent_outbox_pending") == 0)
                #expect(families["notFound"] == 404, "any other path is a 404")
            }
        }
    }

    /// Fetches `/metrics` and `/nope` from argv[1], parses the first with prometheus_client's text parser and
    /// prints `{family: {"type": …, "samples": [[name, labels, value], …]}, "notFound": status}`.
    static let scraper = """
        import json, sys, urllib.request, urllib.error
        try:
            from prometheus_client.parser import text_string_to_metric_families
        except ImportError:
            sys.exit("python3 prometheus_client is missing: run scripts/bootstrap")
        base = sys.argv[1]
        with urllib.request.urlopen(base + "/metrics", timeout=30) as response:
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4"), response.headers
            text = response.read().decode()
        out = {}
        for family in text_string_to_metric_families(text):
            out[family.name] = {"type": family.type, "samples": [[s.name, s.labels, s.value] for s in family.samples]}
        try:
            urllib.request.urlopen(base + "/nope", timeout=30)
            out["notFound"] = 200
        except urllib.error.HTTPError as error:
            out["notFound"] = error.code
        print(json.dumps(out))
        """

    @Test func anAgentThatCannotReachDojoIsDegraded() async throws {
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            // Nothing listens on port 9 of the loopback (discard, never served here): every connect is refused.
            let launch = AgentLaunch(
                binary: agentBinary,
                adapter: .demo,
                settings: ["dojo.ws_url": "\"ws://127.0.0.1:9/epos\"", "dojo.register_capabilities": "false"]
            )
            try await AgentProcess.withAgent(launch, simulator: simulator) { agent in
                let deadline = ContinuousClock.now + .seconds(30)
                var run = try await Self.status(agent)
                // Degraded from the start (not connected yet); wait for the first refused attempt to be on record.
                while !run.output.contains("\"lastDisconnect\":{"), ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    run = try await Self.status(agent)
                }
                #expect(run.status == 1, "\(run.error)")
                let status = try JSONValue(parsing: run.output)
                #expect(status["health"]?["state"] == "degraded")
                let problems = status["health"]?["problems"]?.arrayValue?.compactMap(\.stringValue) ?? []
                #expect(problems.contains { $0.hasPrefix("session: ") }, "\(problems)")
                #expect(status["session"]?["lastDisconnect"]?["reason"]?.stringValue?.isEmpty == false)
                let table = try await Self.status(agent, json: false)
                #expect(table.status == 1)
                #expect(table.output.contains("degraded:\n  - session: "), "\(table.output)")
            }
        }
    }

    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"),
            "tmux is not installed (scripts/bootstrap installs it)"
        )
    )
    func watchRedrawsInPlaceUnderTmuxAndLeavesTheTerminalClean() async throws {
        try await DojoSimulator.withSimulator(configuration: .endToEnd()) { simulator in
            let launch = AgentLaunch(binary: agentBinary, adapter: .demo)
            try await AgentProcess.withAgent(launch, simulator: simulator) { agent in
                _ = try await simulator.awaitSession(timeout: .seconds(30))
                _ = try await Self.status(agent)
                let name = "dojo-status-\(UUID().uuidString.prefix(8))"
                let socket = agent.directory + "/tmux.sock"
                // Through a python3 exec that closes every descriptor above 2 and clears the signal mask: Foundation's
                // Process learns of a child's end from a socket the child inherits, which the tmux server (forked
                // by the client) would hold open for ever; and a child inherits the blocked signals of the test
                // thread that spawned it, where tmux's server needs SIGCHLD and SIGTERM.
                let unmasked =
                    "import os, signal, sys; os.closerange(3, 65536); "
                    + "signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execvp(sys.argv[1], sys.argv[1:])"
                let tmux = ["python3", "-c", unmasked, "tmux", "-S", socket]
                // The pane's shell writes the command's exit status to a file: tmux itself learns a pane's status only
                // when it reaps the process, which it does not always do before the pane is seen dead. `trap : INT`
                // keeps the shell alive through Ctrl-C (a trapped signal is reset to default in the child).
                let exitFile = agent.directory + "/watch.exit"
                let command =
                    "trap : INT; \(agentBinary) status --watch --interval 0.2 --config \(agent.configFile); "
                    + "echo $? > \(exitFile)"
                let started = try await Self.run(
                    tmux + ["new-session", "-d", "-s", name, "-x", "100", "-y", "40", command],
                    detached: true
                )
                #expect(started.status == 0)
                defer { _ = try? Process.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: tmux + ["kill-server"]) }
                _ = try await Self.run(tmux + ["set-option", "-t", name, "remain-on-exit", "on"])
                func screen() async throws -> String {
                    try await Self.run(tmux + ["capture-pane", "-p", "-t", name]).output
                }
                // Two different refresh stamps, one screen each: it redraws, in place.
                let deadline = ContinuousClock.now + .seconds(30)
                var stamps = Set<String>()
                var last = ""
                while stamps.count < 2, ContinuousClock.now < deadline {
                    last = try await screen()
                    if let stamp = last.split(separator: "\n").first(where: { $0.hasPrefix("refreshed ") }) {
                        stamps.insert(String(stamp))
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(stamps.count >= 2, "\(last)")
                #expect(last.components(separatedBy: "refreshed ").count == 2, "one frame on screen:\n\(last)")
                #expect(last.contains("session"))
                #expect(last.contains("connected since"))

                _ = try await Self.run(tmux + ["send-keys", "-t", name, "C-c"])
                var ended: String?
                while ended == nil, ContinuousClock.now < deadline + .seconds(30) {
                    ended = (try? String(contentsOfFile: exitFile, encoding: .utf8)).flatMap {
                        $0.hasSuffix("\n") ? $0.trimmingCharacters(in: .whitespacesAndNewlines) : nil
                    }
                    if ended == nil { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(ended == "0", "status --watch's exit status after Ctrl-C")
                let after = try await screen()
                #expect(!after.contains("refreshed "), "the alternate screen is gone:\n\(after)")
                _ = try await Self.run(tmux + ["kill-server"])
            }
        }
    }
}
