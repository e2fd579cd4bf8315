import DojoAdapter
import DojoAgentCore
import DojoProtocol
import DojoSimulator
import Foundation
import Logging
import ReferencePOS
import ServiceLifecycle
import Testing
import Transport

let quietLogger: Logger = {
    var logger = Logger(label: "dojo.e2e")
    logger.logLevel = .critical
    return logger
}()

/// The repository's `Scenarios/` directory.
let scenariosDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Scenarios").path

func scenarios(_ names: String...) throws -> [Scenario] {
    try names.flatMap { try Scenario.load(file: "\(scenariosDirectory)/\($0)") }
}

/// The built `dojo-agent`, beside this test bundle in the build directory.
let agentBinary: String = {
    let here = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    return here.appendingPathComponent("dojo-agent").path
}()

extension DojoSimulator.Configuration {
    /// A quiet simulator, plain or with generated TLS.
    static func endToEnd(tls: Bool = false) -> Self {
        var configuration = Self()
        configuration.logger = quietLogger
        // How long Dojo waits for an answer or a session: a bound on failure for a loaded machine.
        configuration.requestTimeout = .seconds(30)
        if tls { configuration.tls = .generated }
        return configuration
    }
}

/// The agent embedded in this process, as a Swift POS embeds it (`Agent(configuration:adapter:logger:)`):
/// the real session, dispatcher, store and libwebsockets transport, serving `adapter`, pointed at `simulator`.
func withEmbeddedAgent<Result: Sendable>(
    _ simulator: DojoSimulator,
    adapter: any POSAdapter = InMemoryPOS(),
    configure: (inout AgentConfiguration) -> Void = { _ in },
    _ body: (Agent) async throws -> Result
) async throws -> Result {
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-e2e-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: state) }
    // Through `load`, as an embedding POS would: it derives the transport's TLS settings from dojo.ca_file.
    var overrides = [
        "dojo.ws_url": simulator.webSocketURL,
        "dojo.api_base_url": simulator.apiBaseURL,
        "dojo.api_key": simulator.configuration.apiKey,
        "dojo.software_house_id": simulator.configuration.softwareHouseID ?? "dojo-sim",
        "agent.state_directory": state,
        // Short enough for the dead-link faults, long enough that a loaded machine's late pong is no fault.
        "websocket.ping_interval": "2s",
        "websocket.pong_timeout": "5s",
    ]
    if let caFile = simulator.caFile { overrides["dojo.ca_file"] = caFile }
    var configuration = try AgentConfiguration.load(
        file: nil,
        environment: [:],
        overrides: overrides,
        requireCredentials: true
    ).configuration
    configure(&configuration)
    let agent = try Agent(configuration: configuration, adapter: adapter, logger: quietLogger)
    let group = ServiceGroup(services: [agent], logger: quietLogger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let result = try await body(agent)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

/// Runs `scenarios` and records every failed step as a test issue (with the report).
@discardableResult
func expectPassing(
    _ scenarios: [Scenario],
    on simulator: DojoSimulator,
    options: ScenarioRunner.Options = .init(),
    sourceLocation: SourceLocation = #_sourceLocation
) async -> ScenarioReport {
    let report = await ScenarioRunner(simulator: simulator, options: options).run(scenarios)
    let passed = report.passed
    #expect(passed, "\(report.rendered(story: true))", sourceLocation: sourceLocation)
    return report
}
