import DojoAgentCore
import DojoProtocol
import DojoSimulator
import Foundation
import Logging
import ServiceLifecycle
import Testing

let testLogger: Logger = {
    var logger = Logger(label: "agent-tests")
    logger.logLevel = .critical
    return logger
}()

func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-agent-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

extension WebSocketPeer.Configuration {
    static var quiet: Self {
        var configuration = Self()
        configuration.logger = testLogger
        return configuration
    }
}

/// Runs a real agent (real libwebsockets transport, real SQLite store) against a real peer standing in for Dojo,
/// and hands the test the peer's side of the session.
func withAgent<Result: Sendable>(
    adapter: TestAdapter,
    stateDirectory: String? = nil,
    configure: (inout AgentConfiguration) -> Void = { _ in },
    _ body: (WebSocketPeer, PeerConnection) async throws -> Result
) async throws -> Result {
    try await WebSocketPeer.withPeer(configuration: .quiet) { peer in
        var configuration = AgentConfiguration()
        configuration.dojo.webSocketURL = peer.url(path: "/epos")
        configuration.dojo.apiKey = Secret("sk_sandbox_test")
        configuration.dojo.softwareHouseID = "acme-epos"
        configuration.dojo.apiBaseURL = peer.httpBaseURL
        configuration.dojo.registerCapabilities = false
        configuration.stateDirectory = try stateDirectory ?? temporaryDirectory()
        configure(&configuration)
        let agent = try Agent(configuration: configuration, adapter: adapter, logger: testLogger)
        let group = ServiceGroup(services: [agent], logger: testLogger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                let connection = try #require(await peer.nextConnection())
                let result = try await body(peer, connection)
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
}

/// A request frame as Dojo sends it.
func frame(id: String, method: String, params: String = "{\"headers\":{}}") -> String {
    "{\"jsonrpc\":\"2.0\",\"id\":\"\(id)\",\"method\":\"\(method)\",\"params\":\(params)}"
}

let reservationParams = """
    {"dojoReservationId":"dojo-res-1","name":"Martin B.","covers":4,"startTime":"2024-08-12T09:30:00.000Z",
     "endTime":"2024-08-12T11:00:00.000Z","tableIds":["t1"],"headers":{}}
    """

extension PeerConnection {
    /// Sends a request and waits for the next response.
    func call(id: String, method: String, params: String = "{\"headers\":{}}") async throws -> ResponseFrame {
        try await self.send(text: frame(id: id, method: method, params: params))
        return try await self.response()
    }

    func response() async throws -> ResponseFrame {
        try ResponseFrame(parsing: try await self.receiveText())
    }

    /// Collects `count` responses, keyed by id (they may arrive in any order).
    func responses(_ count: Int) async throws -> [String: ResponseFrame] {
        var byID: [String: ResponseFrame] = [:]
        for _ in 0..<count {
            let response = try await self.response()
            byID[response.id?.text ?? "null"] = response
        }
        return byID
    }
}

extension ResponseFrame {
    var result: JSONValue? {
        if case .result(let value) = self.outcome { return value }
        return nil
    }

    var error: DojoError? {
        if case .error(let error) = self.outcome { return error }
        return nil
    }
}
