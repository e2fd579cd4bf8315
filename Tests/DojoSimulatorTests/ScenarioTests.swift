import DojoProtocol
import DojoSimulator
import Foundation
import Testing

/// The repository's `Scenarios/` directory.
let scenariosDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Scenarios").path

func shippedScenarios(_ names: [String]) throws -> [Scenario] {
    try names.flatMap { try Scenario.load(file: "\(scenariosDirectory)/\($0)") }
}

/// A POS driver standing in for `dojo-agent notify` plus the agent's outbox: it posts the event to the simulator
/// and retries on 5xx/429 (honouring Retry-After), giving up on other 4xx, as the agent does.
func postingDriver(_ simulator: DojoSimulator) -> ClosurePOSDriver {
    ClosurePOSDriver { event in
        for _ in 0..<10 {
            let response = try await HTTPTestClient.send(
                "POST",
                port: simulator.port,
                path: "/epos/events",
                headers: HTTPTestClient.agentHeaders(),
                body: event.body
            )
            if response.status == 200 || (400..<500).contains(response.status) && response.status != 429 { return }
            // The stand-in's retry pause (the real agent uses its backoff); not a wait for an event.
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

@Suite struct ValuePatternTests {
    @Test(
        arguments: [
            (#"{"id":"r-1","covers":4,"tableIds":["t1"]}"#, #"{"covers":4}"#, nil),
            (#"{"id":"r-1","covers":4}"#, #"{"covers":5}"#, "result.covers: expected 5, got 4"),
            (#"{"covers":4.0}"#, #"{"covers":4}"#, nil),
            (#"{"a":1}"#, #"{"b":"$absent"}"#, nil),
            (#"{"a":1}"#, #"{"a":"$absent"}"#, "result.a: expected absent, got 1"),
            (#"{"a":1}"#, #"{"b":"$present"}"#, "result.b: expected a value, but it is absent"),
            (#"{"t":["a","b"]}"#, #"{"t":["a"]}"#, "result.t: expected 1 elements, got 2"),
            (#"{"d":[{"id":"x"},{"id":"y"}]}"#, #"{"d":{"$contains":{"id":"y"}}}"#, nil),
            (
                #"{"d":[{"id":"x"}]}"#, #"{"d":{"$contains":{"id":"y"}}}"#,
                #"result.d: expected to contain {"id":"y"}, got [{"id":"x"}]"#
            ),
            (
                #"{"d":[{"id":"x"}]}"#, #"{"d":{"$notContains":{"id":"x"}}}"#,
                #"result.d: expected not to contain {"id":"x"}, got [{"id":"x"}]"#
            ),
            (#"{"d":[1,2,3]}"#, #"{"d":{"$length":3,"$containsAll":[3,1]}}"#, nil),
            (#"{"d":[1,2]}"#, #"{"d":{"$minLength":3}}"#, "result.d: expected at least 3 elements, got 2"),
            (
                #"{"d":[1,2,2]}"#, #"{"d":{"$containsOnce":2}}"#,
                "result.d: expected exactly one element matching 2, found 2"
            ),
            (#"{"d":[{"n":1},{"n":2}]}"#, #"{"d":{"$each":{"n":{"$oneOf":[1,2]}}}}"#, nil),
            (
                #"{"d":[{"n":1},{"n":3}]}"#, #"{"d":{"$each":{"n":{"$oneOf":[1,2]}}}}"#,
                "result.d[1].n: expected one of [1,2], got 3"
            ),
            (#"{"m":"no reservation r-1"}"#, #"{"m":{"$contains":"r-1"}}"#, nil),
            (#"{"id":"a"}"#, #"{"id":{"$not":"a"}}"#, #"result.id: expected anything but "a", got "a""#),
        ] as [(String, String, String?)]
    )
    func patternsMatchAndExplainMismatches(actual: String, pattern: String, expected: String?) throws {
        let problem = ValuePattern.mismatch(
            try JSONValue(parsing: actual),
            against: try JSONValue(parsing: pattern),
            at: "result"
        )
        #expect(problem == expected)
    }

    @Test func interpolationKeepsTypesForWholeReferencesAndSplicesText() throws {
        var variables = ScenarioVariables(["n": 4, "id": "r-1"])
        #expect(try variables.interpolate(string: "${n}") == .integer(4))
        #expect(try variables.interpolate(string: "x-${id}-${n}") == .string("x-r-1-4"))
        variables.markUnset("after", .absent(step: "first page", path: "result.after"))
        #expect(throws: MissingVariable.self) { try variables.interpolate(string: "${after}") }
        do {
            _ = try variables.interpolate(string: "${after}")
        } catch {
            #expect(error.description == "variable after is not set: result.after was absent in step \"first page\"")
            #expect(!error.causesSkip)
        }
    }

    @Test func pathsResolveMembersAndIndexes() throws {
        let path = try ValuePath(parsing: "result.data[1].id")
        #expect(path.root == "result")
        #expect(path.description == "result.data[1].id")
        let json = try JSONValue(parsing: #"{"data":[{"id":"a"},{"id":"b"}]}"#)
        #expect(path.resolve(in: json) == "b")
        #expect(try ValuePath(parsing: "result.data[5].id").resolve(in: json) == nil)
        #expect(throws: SimulatorError.self) { try ValuePath(parsing: ".x") }
    }
}

@Suite struct ScenarioParserTests {
    @Test func everyShippedScenarioParses() throws {
        let files = try FileManager.default.subpathsOfDirectory(atPath: scenariosDirectory).filter {
            $0.hasSuffix(".yaml")
        }
        #expect(files.count >= 7)
        for file in files {
            let scenarios = try Scenario.load(file: "\(scenariosDirectory)/\(file)")
            #expect(scenarios.allSatisfy { !$0.steps.isEmpty }, "\(file)")
        }
    }

    @Test(arguments: [
        ("name: x\nsteps:\n  - call: NoSuchV1\n", "<scenario>:3: unknown method NoSuchV1"),
        ("name: x\nsteps:\n  - call: ListAreasV1\n    expcet: {}\n", "<scenario>:3: unknown key \"expcet\" in a step"),
        ("name: x\nsteps:\n  - name: nothing\n", "<scenario>:3: step 1 needs exactly one of"),
        ("name: x\nsteps:\n  - fault: explode\n", "<scenario>:3: unknown fault explode"),
        ("steps: []\n", "<scenario>:1: a scenario needs a name"),
        (
            "name: x\nsteps:\n  - call: ListAreasV1\n    capture: { a: \".x\" }\n",
            "<scenario>:4: path \".x\" starts with a dot"
        ),
        ("name: x\nsteps:\n  - call: ListAreasV1\n    timeout: soon\n", "<scenario>:4: expected a duration"),
    ])
    func mistakesAreReportedWithTheirLine(yaml: String, message: String) {
        do {
            _ = try Scenario.parse(yaml: yaml)
            Issue.record("parsed without error")
        } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
    }

    @Test func scalarsKeepTheirYAMLMeaning() throws {
        let yaml = """
            name: kinds
            steps:
              - call: CreatePartyV1
                params: { dojoPartyId: "007", covers: 4, tableIds: [t1], startTime: 2024-08-12T09:30:00.000Z, status: "true", hostNotes: yes }
            """
        let step = try #require(try Scenario.parse(yaml: yaml).first?.steps.first)
        guard case .call(let call) = step.action else {
            Issue.record("not a call")
            return
        }
        #expect(call.params["dojoPartyId"] == "007")
        #expect(call.params["covers"] == 4)
        #expect(call.params["startTime"] == "2024-08-12T09:30:00.000Z")
        #expect(call.params["status"] == "true")
        #expect(call.params["hostNotes"] == "yes")
        #expect(call.params["headers"] == .object([:]))
    }
}

/// The shipped scenarios against the stand-in agent and its in-memory POS.
@Suite(.timeLimit(.minutes(1)))
struct ScenarioRunnerTests {
    @Test func theShippedBookingsScenariosPass() async throws {
        let scenarios = try shippedScenarios([
            "bookings-flow.yaml", "walk-in.yaml", "cancellation.yaml", "searches.yaml", "pos-events.yaml",
        ])
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator) { _ in
                let runner = ScenarioRunner(simulator: simulator, options: .init(posDriver: postingDriver(simulator)))
                let report = await runner.run(scenarios)
                let passed = report.passed
                #expect(passed, "\(report.rendered())")
                #expect(report.count(.failed) == 0)
                #expect(report.count(.skipped) == 0)
                #expect(report.count(.passed) == scenarios.reduce(0) { $0 + $1.steps.count })
            }
        }
    }

    @Test func theRobustnessScenarioPassesAgainstACorrectAgent() async throws {
        let scenarios = try shippedScenarios(["faults/robustness.yaml"])
        var options = StandInAgent.Options()
        options.pingInterval = .milliseconds(500)
        options.pongTimeout = .seconds(5)  // generous: a loaded CI machine can delay a pong
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator, options: options) { _ in
                var runnerOptions = ScenarioRunner.Options(posDriver: postingDriver(simulator))
                runnerOptions.reconnectTimeout = .seconds(30)
                let report = await ScenarioRunner(simulator: simulator, options: runnerOptions).run(scenarios)
                let passed = report.passed
                #expect(passed, "\(report.rendered())")
                #expect(report.count(.skipped) == 0)
            }
        }
    }

    @Test func aWrongExpectationFailsThatStepWithTheReasonAndDependentsAreSkipped() async throws {
        let yaml = """
            name: wrong on purpose
            steps:
              - name: create
                call: CreateReservationV1
                params: { dojoReservationId: d-1, name: Ann, covers: 2, startTime: 2024-08-12T09:30:00.000Z, endTime: 2024-08-12T10:30:00.000Z, tableIds: [t1] }
                expect: { result: { covers: 3 } }
                capture: { id: result.id }
              - name: read back
                call: GetReservationByIdV1
                params: { reservationId: "${id}" }
              - name: areas
                call: ListAreasV1
                expect: { error: NotFound }
              - name: cursor from nowhere
                call: SearchTablesV1
                params: { cursor: { after: "${never}" } }
            """
        let scenarios = try Scenario.parse(yaml: yaml, file: "wrong.yaml")
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator) { _ in
                let report = await ScenarioRunner(simulator: simulator).run(scenarios)
                let steps = report.scenarios[0].steps
                #expect(steps.map(\.status) == [.failed, .skipped, .failed, .failed])
                #expect(steps[0].reason == "result.covers: expected 3, got 2")
                #expect(steps[1].reason == "variable id is not set: step \"create\" was skipped")
                #expect(
                    steps[2].reason
                        == #"expected error "NotFound", got a result [{"id":"a1","name":"Downstairs"},{"id":"a2","name":"Terrace"}]"#
                )
                #expect(steps[3].reason == "variable never is not defined")
                #expect(!report.passed)
                let text = report.rendered()
                #expect(text.contains("  FAIL create"))
                #expect(text.contains("       line 3: result.covers: expected 3, got 2"))
                #expect(
                    text.hasSuffix(
                        "0 passed, 3 failed, 1 skipped (1 scenario in \(report.scenarios[0].duration.reportText))"
                    )
                )
            }
        }
    }

    @Test func stepsForUnregisteredCapabilitiesAreSkippedAndFailuresInAStepFailIt() async throws {
        let yaml = """
            name: registration
            steps:
              - call: ListAreasV1
              - call: SearchTablesV1
            """
        let scenarios = try Scenario.parse(yaml: yaml)
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            _ = try await HTTPTestClient.send(
                "PUT",
                port: simulator.port,
                path: "/epos/integrations/ws",
                headers: HTTPTestClient.agentHeaders(),
                body: CapabilityRegistration([.listAreas]).body
            )
            try await StandInAgent.with(simulator, options: .init(quirk: .noMethodEcho)) { _ in
                let report = await ScenarioRunner(simulator: simulator).run(scenarios)
                let steps = report.scenarios[0].steps
                #expect(steps.map(\.status) == [.failed, .skipped])
                #expect(steps[0].reason?.hasPrefix("the simulator recorded: session 1: response ") == true)
                #expect(
                    steps[1].reason == "the agent did not register SearchTables, so Dojo would not send SearchTablesV1"
                )
                #expect(report.registeredCapabilities == [.listAreas])
            }
        }
    }

    @Test func theStoryTellsWhatDojoSentAndWhatCameBack() async throws {
        let scenarios = try shippedScenarios(["walk-in.yaml"])
        try await DojoSimulator.withSimulator(configuration: .testing) { simulator in
            try await StandInAgent.with(simulator) { _ in
                let report = await ScenarioRunner(simulator: simulator).run(scenarios)
                let seated = report.scenarios[0].steps[1]
                try #require(seated.story.count == 2, "\(report.rendered(story: true))")
                #expect(seated.story[0].hasPrefix("Dojo → POS CreatePartyV1: Walk-in "))
                #expect(seated.story[0].hasSuffix(", 2 covers seated 12:05 at t1, walk-in"))
                #expect(seated.story[1].hasPrefix("POS → Dojo party p-1: Seated, 2 covers at t1"))
                let json = report.jsonValue
                #expect(json["passed"] == true, "\(report.rendered())")
                #expect(json["scenarios"]?.arrayValue?.first?["steps"]?.arrayValue?.count == 7)
            }
        }
    }
}

extension Duration {
    /// The report's rendering of a duration (mirrors the simulator's).
    var reportText: String {
        let value = Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
        if value < 1000 { return "\((value * 10).rounded() / 10) ms" }
        return "\((value / 10).rounded() / 100) s"
    }
}
