import DojoProtocol
import DojoSimulator
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One misbehaviour of the process adapter and what the agent made of it.
struct AdapterCase: Sendable {
    var mode: String
    var passed = true
    /// What Dojo got for the request that triggered the misbehaviour.
    var triggerAnswer = ""
    var triggerLatency: Duration = .zero
    /// How long until a request succeeded again.
    var recovery: Duration = .zero
    /// Answers that were not the truth: a success with the wrong entity, or a refusal naming a false cause.
    var falseAnswers: [String: Int] = [:]
    /// Errors with a true cause while the adapter was down, by message.
    var trueErrors: [String: Int] = [:]
    /// "… is not implemented by this POS" for a declared capability while no adapter process was initialised:
    /// false, and a false "not implemented" before the adapter is ready (the readiness rule), counted apart.
    var notImplementedBeforeReady = 0
    var launches = 0
    var logLines: [String] = []
    var notes: [String] = []
}

struct AdapterReport: Sendable {
    var cases: [AdapterCase] = []
    var simulatorFailures: [String] = []
}

/// Adapter-side chaos: for each misbehaviour, a fresh agent with `misbehaving-adapter.py`, a trigger, and Dojo's
/// requests until the adapter serves again. Every answer is classified true or false.
func runAdapterChaos(binary: String, work: String, adapterScript: String) async throws -> AdapterReport {
    var report = AdapterReport()
    try await DojoSimulator.withSimulator(configuration: chaosSimulatorConfiguration()) { simulator in
        var previous: SimulatorSession?
        for mode in ["crash", "hang", "garbage", "bigline", "exit-at-start", "ignore-shutdown"] {
            let directory = work + "/adapter-\(mode)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let stateFile = directory + "/launches"
            let agent = ChaosAgent(binary: binary, directory: directory)
            // The 10 MB line is about framing, not speed: the debug build takes 1–3 s to read it on a loaded
            // machine, so that case keeps the default hang_timeout (30 s) instead of the run's 3 s.
            try agent.configure(
                for: simulator,
                adapter: .process(["/usr/bin/env", "python3", adapterScript, mode, stateFile]),
                settings: mode == "bigline" ? ["adapter": ["hang_timeout": toml("30s")]] : [:]
            )
            try agent.start()
            var result = AdapterCase(mode: mode)
            do {
                let session = try await simulator.awaitSession(after: previous, timeout: .seconds(60))
                previous = session
                // Dojo sends requests the moment the socket is up, as it does after every agent restart.
                let ready = try await untilServed(simulator, into: &result, bound: .seconds(60))
                if mode == "exit-at-start" { result.recovery = ready }
                switch mode {
                case "crash", "hang", "garbage", "bigline":
                    let before = agent.footprint
                    let start = ContinuousClock.now
                    let answer = try await simulator.call(
                        .getParty(GetPartyByIDRequest(partyID: "trigger")),
                        timeout: .seconds(20)
                    )
                    result.triggerLatency = ContinuousClock.now - start
                    result.triggerAnswer = describe(answer)
                    let expectsSuccess = mode == "garbage" || mode == "bigline"
                    if case .result = answer.outcome, !expectsSuccess {
                        result.falseAnswers["a success although the adapter never answered", default: 0] += 1
                    }
                    if case .error(let error) = answer.outcome {
                        if expectsSuccess {
                            result.falseAnswers["an error although the adapter answered: \(error)", default: 0] += 1
                        } else if error.errorType != .unexpectedError {
                            result.falseAnswers["\(error)", default: 0] += 1
                        }
                    }
                    result.recovery = try await untilServed(simulator, into: &result, bound: .seconds(60))
                    if mode == "bigline", let before, let after = agent.footprint {
                        result.notes.append("agent \(before) before the 10 MB line, \(after) after")
                    }
                case "ignore-shutdown":
                    let adapters = agent.pid.map(childProcesses(of:)) ?? []
                    let stopped = await agent.stop(grace: .seconds(30))
                    result.notes.append(
                        "agent stopped in \(seconds(stopped.took)) (exit \(stopped.status.map(String.init) ?? "?"))"
                    )
                    if stopped.killed { result.falseAnswers["the agent did not stop within 30 s", default: 0] += 1 }
                    let left = adapters.filter(isAlive)
                    if !left.isEmpty {
                        result.falseAnswers["adapter process \(left) outlived the agent", default: 0] += 1
                        for pid in left { kill(pid, SIGKILL) }
                    } else {
                        result.notes.append("adapter process \(adapters) gone after the agent stopped")
                    }
                default:
                    break
                }
            } catch {
                result.passed = false
                result.notes.append("\(error)")
            }
            let adapters = agent.pid.map(childProcesses(of:)) ?? []
            await agent.stop()
            for pid in adapters where isAlive(pid) { kill(pid, SIGKILL) }
            result.launches =
                ((try? String(contentsOfFile: stateFile, encoding: .utf8)) ?? "").split(separator: "\n").count
            result.logLines = agent.log.split(separator: "\n").filter {
                ($0.contains(" level=warning ") || $0.contains(" level=error ") || $0.contains(" level=critical "))
                    && ($0.contains("adapter") || $0.contains("process"))
            }.prefix(4).map { String($0.prefix(400)) }
            if !result.falseAnswers.isEmpty { result.passed = false }
            say("  \(mode): \(result.passed ? "ok" : "FAILED"), recovered in \(seconds(result.recovery))")
            report.cases.append(result)
        }
        report.simulatorFailures = simulator.failures.all.map(\.description)
    }
    return report
}

/// Sends `GetPartyByIdV1 p-1` (which exists) until the true answer comes, classifying every other answer, paced
/// at 10 per second as a retrying Dojo would be; returns how long it took.
private func untilServed(
    _ simulator: DojoSimulator,
    into result: inout AdapterCase,
    bound: Duration
) async throws
    -> Duration
{
    let start = ContinuousClock.now
    while ContinuousClock.now - start < bound {
        let answer = try await simulator.call(.getParty(GetPartyByIDRequest(partyID: "p-1")), timeout: .seconds(20))
        switch answer.outcome {
        case .result(let json):
            if case .party(let party) = try? DojoResult(json: json, for: .getParty), party.id == "p-1" {
                return ContinuousClock.now - start
            }
            result.falseAnswers["a wrong party: \(describe(answer))", default: 0] += 1
        case .error(let error):
            let message = error.debugMessage ?? ""
            if error.errorType == .unexpectedError, message.hasSuffix("is not implemented by this POS") {
                result.notImplementedBeforeReady += 1
            } else if error.errorType != .unexpectedError {
                result.falseAnswers["\(error)", default: 0] += 1
            } else {
                result.trueErrors["\(error)", default: 0] += 1
            }
        }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw ChaosFailure("the adapter did not serve again within \(bound)")
}

private func describe(_ response: ResponseFrame) -> String {
    switch response.outcome {
    case .result: "result"
    case .error(let error): "\(error)"
    }
}
