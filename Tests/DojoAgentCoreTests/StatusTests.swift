import AgentSupport
import DojoAgentCore
import DojoProtocol
import DojoSimulator
import Foundation
import ServiceLifecycle
import Testing
import Transport

/// `dojo-agent status` answers through the control socket; an auth rejection shows there, never the key.
@Suite(.timeLimit(.minutes(1)))
struct StatusTests {
    @Test func statusShowsAConnectedSession() async throws {
        let state = try temporaryDirectory()
        try await withAgent(adapter: TestAdapter(), stateDirectory: state) { _, dojo in
            _ = try await dojo.call(id: "s", method: "SearchTablesV1")
            let response = try await ControlClient(socketPath: state + "/control.sock").send(
                ControlRequest(command: "status")
            )
            #expect(response.isOK)
            #expect(response.fields["session"]?.stringValue?.hasPrefix("connected since") == true)
            #expect(response.fields["connections"] == .integer(1))
            #expect(response.fields["registration"] == .string("disabled"))
            #expect(response.fields["pending"] == .integer(0))
        }
    }

    @Test func authRejectionIsShownInStatusWithoutTheKey() async throws {
        try await WebSocketPeer.withPeer(configuration: .quiet) { peer in
            peer.rejectNextHandshake(status: 401, body: "unknown key")
            var configuration = AgentConfiguration()
            configuration.dojo.webSocketURL = peer.url(path: "/epos")
            configuration.dojo.apiBaseURL = peer.httpBaseURL
            configuration.dojo.registerCapabilities = false
            configuration.dojo.apiKey = Secret("sk_sandbox_SECRET")
            configuration.dojo.softwareHouseID = "acme-epos"
            configuration.stateDirectory = try temporaryDirectory()
            let agent = try Agent(configuration: configuration, adapter: TestAdapter(), logger: testLogger)
            let group = ServiceGroup(services: [agent], logger: testLogger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                for await snapshot in agent.sessionStatus.updates() {
                    if case .authRejected = snapshot.state { break }
                }
                await agent.controlSocketReady.wait()
                let response = try await ControlClient(socketPath: configuration.controlSocketPath)
                    .send(ControlRequest(command: "status"))
                let session = try #require(response.fields["session"]?.stringValue)
                #expect(session.hasPrefix("Dojo rejected the credentials (HTTP 401); check dojo.api_key"))
                #expect(!response.line.contains("SECRET"))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}
