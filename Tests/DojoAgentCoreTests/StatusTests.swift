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
            let session = response.fields["session"]
            #expect(session?["state"] == "connected")
            #expect(session?["description"]?.stringValue?.hasPrefix("connected since") == true)
            #expect(session?["connections"] == 1)
            #expect(response.fields["registration"]?["state"] == "disabled")
            #expect(response.fields["outbox"]?["pending"] == 0)
            #expect(response.fields["health"]?["state"] == "ok")
            // The request answered above is counted where its outcome was known.
            let methods = response.fields["requests"]?["methods"]?.arrayValue ?? []
            #expect(methods.first?["method"] == "SearchTablesV1")
            #expect(methods.first?["count"] == 1)
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
                let session = try #require(response.fields["session"]?.objectValue)
                #expect(session["state"] == "authRejected")
                #expect(session["handshakeRejections"] == 1)
                let description = try #require(session["description"]?.stringValue)
                #expect(description.hasPrefix("Dojo rejected the credentials (HTTP 401); check dojo.api_key"))
                #expect(response.fields["health"]?["state"] == "degraded")
                #expect(!response.line.contains("SECRET"))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}
