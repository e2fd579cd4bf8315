import ArgumentParser
import DojoAdapter
import DojoAgentTesting
import DojoProtocol
import DojoSimulator
import Foundation

/// Everything `dojo-sim check` is asked to do, beyond how to start the agent.
struct SelfCheckRequest {
    var adapter: AgentLaunch.Adapter
    var scenarios: [Scenario]
    var inputs: CheckInputs
    var variables: [String: JSONValue]
    var reportFile: String?
    /// Also print the conformance checks and scenario steps one by one.
    var details: Bool
    var story: Bool
}

/// The capabilities that book or seat and so need a table id.
let tableNeedingCapabilities: Set<Capability> = [
    .createReservation, .getReservationByID, .updateReservation, .deleteReservationByID, .searchReservations,
    .createParty, .getPartyByID, .updateParty, .deletePartyByID, .searchParties,
]

extension AgentOptions {
    /// The self-certification: the conformance checks through the agent, the timing checks, then the
    /// scenarios; prints the capability matrix and returns the exit status.
    func runSelfCheck(_ request: SelfCheckRequest) async throws -> CheckVerdict.Exit {
        guard let connectWait = Duration(parsing: connectTimeout) else {
            throw ValidationError("--connect-timeout: expected a duration such as 30s")
        }
        let launch = AgentLaunch(
            binary: agentBinary ?? AgentLaunch.defaultBinary(),
            adapter: request.adapter,
            settings: try settingsDictionary()
        )
        return try await DojoSimulator.withSimulator(configuration: simulatorConfiguration()) { simulator in
            try await AgentProcess.withAgent(launch, simulator: simulator, keep: keep) { agent in
                if keep { printError("dojo-sim: the agent's files are in \(agent.directory)") }
                guard await awaitConnection(simulator, agent: agent, timeout: connectWait) else {
                    let why =
                        agent.exitStatus.map { "exited with status \($0) before connecting" }
                        ?? "did not connect within \(connectTimeout)"
                    printError("dojo-sim: the agent \(why). Its log:")
                    printError(agent.log.split(separator: "\n").suffix(30).joined(separator: "\n"))
                    return .setup
                }
                guard (try? await simulator.awaitRegistration(timeout: .seconds(30))) != nil,
                    let declared = simulator.registeredCapabilities
                else {
                    printError(
                        "dojo-sim: the agent did not register its capabilities (PUT /epos/integrations/ws); "
                            + "its log:\n" + agent.log.split(separator: "\n").suffix(30).joined(separator: "\n")
                    )
                    return .setup
                }
                return await check(request, declared: declared, simulator: simulator, agent: agent)
            }
        }
    }

    private func check(
        _ request: SelfCheckRequest,
        declared: Set<Capability>,
        simulator: DojoSimulator,
        agent: AgentProcess
    ) async -> CheckVerdict.Exit {
        var notes: [String] = []
        var notCheckable: [Capability: String] = [:]
        let booking = declared.intersection(tableNeedingCapabilities)
        if !declared.contains(.searchTables), request.inputs.tableIDs.isEmpty, !booking.isEmpty {
            let note = "SearchTables is not declared: pass --table-id to check reservation steps"
            notes.append(note)
            for capability in booking { notCheckable[capability] = "needs a table id (see the note)" }
        }
        say("dojo-sim check: the agent registered \(declared.count) capabilities; checking them")

        let log = RelayLog()
        var options = AdapterConformanceSuite.Options(
            tableIDs: request.inputs.tableIDs.isEmpty ? nil : request.inputs.tableIDs,
            areaID: request.inputs.areaID
        )
        options.checkStarted = { log.begin($0) }
        let relay = RelayAdapter(simulator: simulator, capabilities: declared, log: log)
        let conformance = await AdapterConformanceSuite(adapter: relay, options: options).run()
        if request.details { say(conformance.description) }

        var tableIDs = request.inputs.tableIDs
        if tableIDs.isEmpty, declared.contains(.searchTables),
            let page = try? await relay.searchTables(
                SearchTablesRequest(cursor: Cursor(limit: 3)),
                context: RequestContext(requestID: RequestID("dojo-sim-check-tables"), method: .searchTables)
            )
        {
            tableIDs = page.data.map(\.id)
        }
        if tableIDs.isEmpty, declared.contains(.searchTables), notes.isEmpty, !booking.isEmpty {
            let note = "SearchTables listed no table: pass --table-id to check reservation steps"
            notes.append(note)
            for capability in booking { notCheckable[capability] = "needs a table id (see the note)" }
        }
        let timing = await TimingChecks(simulator: simulator, agent: agent, declared: declared, tableIDs: tableIDs)
            .run()
        if request.details {
            for result in timing.results {
                say(result.failure.map { "FAIL \(result.name): \($0.reason)" } ?? "PASS \(result.name)")
            }
        }
        if notes.isEmpty { notes += timing.notes }  // the missing table id is said once

        var variables = request.variables
        for (name, value) in request.inputs.scenarioVariables where variables[name] == nil {
            variables[name] = .string(value)
        }
        var scenarioOptions = ScenarioRunner.Options(posDriver: agent.notifyDriver, variables: variables)
        scenarioOptions.reconnectTimeout = .seconds(30)
        let scenarioReport = await ScenarioRunner(simulator: simulator, options: scenarioOptions).run(request.scenarios)
        if request.details { say(scenarioReport.rendered(story: request.story)) }

        let verdict = CheckVerdict.build(
            declared: declared,
            conformance: conformance,
            relayLog: log,
            scenarios: request.scenarios,
            scenarioReport: scenarioReport,
            extraChecks: timing.results.map { ($0.capability, $0.name, $0.failure) },
            notes: notes,
            notCheckable: notCheckable
        )
        say("")
        say(verdict.rendered)
        if let file = request.reportFile {
            do {
                try verdict.write(to: file)
                say("dojo-sim check: wrote \(file) and \(CheckVerdict.markdownPath(for: file))")
            } catch {
                printError("dojo-sim: cannot write \(file): \(error)")
            }
        }
        if verdict.exit == .failed {
            printError("\ndojo-sim: the last lines of the agent's log (\(agent.logFile)):")
            printError(agent.log.split(separator: "\n").suffix(20).joined(separator: "\n"))
        }
        return verdict.exit
    }
}
