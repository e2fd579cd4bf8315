import DojoAdapter
import DojoProtocol
import DojoSimulator
import Foundation
import Logging
import NIOConcurrencyHelpers
import ReferencePOS
import Transport

let testLogger: Logger = {
    var logger = Logger(label: "dojo.sim.tests")
    logger.logLevel = .critical
    return logger
}()

extension DojoSimulator.Configuration {
    /// A quiet simulator, as every test uses.
    static var testing: Self {
        var configuration = Self()
        configuration.logger = testLogger
        // A bound on failure, not a measurement: generous enough for a loaded 2-core machine.
        configuration.requestTimeout = .seconds(30)
        return configuration
    }
}

/// Stands in for dojo-agent in the simulator's own tests: the real libwebsockets client, answering Dojo's
/// requests through a `POSAdapter` and `respond(to:context:)`, reconnecting whenever the connection ends. Quirks
/// make it misbehave on purpose, to check the simulator notices.
final class StandInAgent: Sendable {
    enum Quirk: Sendable {
        /// Answer with an id that was never sent.
        case unknownID
        /// Leave `method` out of responses.
        case noMethodEcho
        /// Answer every request twice.
        case answerTwice
        /// Send Dojo a request instead of answering.
        case sendRequest
    }

    struct Options: Sendable {
        var apiKey = DojoSimulator.Configuration().apiKey
        var softwareHouseID = DojoSimulator.Configuration().softwareHouseID ?? "dojo-sim"
        var path = "/epos"
        var quirk: Quirk?
        var caFile: String?
        var pingInterval: Duration = .seconds(20)
        var pongTimeout: Duration = .seconds(10)
    }

    private struct State {
        var connectErrors: [WebSocketTransportError] = []
        var connections = 0
    }

    let simulator: DojoSimulator
    let adapter: any POSAdapter
    let options: Options
    private let state = NIOLockedValueBox(State())
    /// Every failed connection attempt, in order.
    let attempts = AsyncQueue<Result<Int, WebSocketTransportError>>()
    /// One element per connection attempt that connected or was refused (for `with` to wait on the first).
    private let attemptEnded = AsyncQueue<Void>()

    init(simulator: DojoSimulator, adapter: any POSAdapter, options: Options = .init()) {
        self.simulator = simulator
        self.adapter = adapter
        self.options = options
    }

    var connectErrors: [WebSocketTransportError] { state.withLockedValue { $0.connectErrors } }

    /// Runs the stand-in while `body` runs.
    static func with<Result: Sendable>(
        _ simulator: DojoSimulator,
        adapter: any POSAdapter = InMemoryPOS(),
        options: Options = .init(),
        _ body: (StandInAgent) async throws -> Result
    ) async throws -> Result {
        let agent = StandInAgent(simulator: simulator, adapter: adapter, options: options)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await agent.runUntilCancelled() }
            defer { group.cancelAll() }
            // The body starts once the first connection attempt has ended one way or the other: connected (so
            // Dojo's first call finds a session), or refused (for the tests of a refused handshake).
            _ = await agent.attemptEnded.next()
            return try await body(agent)
        }
    }

    private func runUntilCancelled() async {
        while !Task.isCancelled {
            do {
                let endpoint = try WebSocketEndpoint(
                    url: simulator.webSocketURL.replacingOccurrences(of: "/epos", with: options.path),
                    headers: [
                        ("Authorization", "Basic \(options.apiKey)"), ("software-house-id", options.softwareHouseID),
                    ]
                )
                var configuration = WebSocketConfiguration()
                configuration.tls = TLSConfiguration(caFile: options.caFile)
                configuration.pingInterval = options.pingInterval
                configuration.pongTimeout = options.pongTimeout
                try await WebSocketClient.withConnection(to: endpoint, configuration: configuration, logger: testLogger)
                {
                    connection in
                    let number = state.withLockedValue { state -> Int in
                        state.connections += 1
                        return state.connections
                    }
                    attempts.push(.success(number))
                    attemptEnded.push(())
                    try await serve(connection)
                }
            } catch let error as WebSocketTransportError {
                if error.code != .closedByPeer && error.code != .connectionLost && error.code != .peerUnresponsive {
                    state.withLockedValue { $0.connectErrors.append(error) }
                    attempts.push(.failure(error))
                }
                attemptEnded.push(())
            } catch {
                attemptEnded.push(())
            }
            // A stand-in's reconnect pause, not a wait for an event.
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    private func serve(_ connection: WebSocketConnection) async throws {
        if options.quirk == .sendRequest {
            try await connection.send(
                text: DojoRequest.listAreas(ListAreasRequest()).requestFrame(id: RequestID("agent-1"))
            )
        }
        for try await message in connection.inbound {
            guard case .text(let text) = message else { continue }
            for frame in await answer(text) { try await connection.send(text: frame) }
        }
    }

    private func answer(_ text: String) async -> [String] {
        switch IncomingMessage(frame: text) {
        case .notification:
            return []
        case .invalid(let invalid):
            return invalid.id == nil ? [] : [invalid.response.encoded()]
        case .request(let rpc):
            var response: ResponseFrame
            do {
                let request = try rpc.decode()
                let result = try await adapter.respond(
                    to: request,
                    context: RequestContext(requestID: rpc.id, request: request)
                )
                response = .success(result, id: rpc.id, method: rpc.method)
            } catch {
                response = .failure(DojoError.from(error).wireError, id: rpc.id, method: rpc.method)
            }
            switch options.quirk {
            case .unknownID?: response.id = RequestID("not-\(rpc.id.text)")
            case .noMethodEcho?: response.method = nil
            case .answerTwice?: return [response.encoded(), response.encoded()]
            default: break
            }
            return [response.encoded()]
        }
    }
}
