import ArgumentParser
import Foundation
import Logging
import Transport

/// `dojo-transport-check`: protocol-conformance runs of the WebSocket transport against external peers.
@main
struct TransportCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dojo-transport-check",
        abstract: "Conformance runs of the libwebsockets transport against external WebSocket test servers.",
        subcommands: [Autobahn.self]
    )
}

/// Drives the Autobahn|Testsuite fuzzing server's client cases: for each case, connect to `/runCase`, echo every
/// message back unchanged until the server closes, then ask it to write its reports. `scripts/autobahn` starts
/// the server and prints the summary.
struct Autobahn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Autobahn client test cases (echo client).")

    @Option(help: "The fuzzing server's base URL.")
    var server = "ws://127.0.0.1:9001"

    @Option(help: "The agent name the reports are filed under.")
    var agent = "dojo-agent"

    @Option(help: "Run only the cases numbered from this one (1-based).")
    var from = 1

    func run() async throws {
        var logger = Logger(label: "dojo.transport.autobahn")
        logger.logLevel = .warning
        var configuration = WebSocketConfiguration()
        configuration.maxMessageSize = 64 << 20  // case 9.x sends up to 16 MiB
        configuration.handshakeTimeout = .seconds(5)
        configuration.pingInterval = .seconds(300)
        configuration.closeTimeout = .seconds(2)

        let count = try await self.caseCount(configuration: configuration, logger: logger)
        print("autobahn: \(count) cases")
        for number in self.from...max(count, self.from) where number <= count {
            let endpoint = try WebSocketEndpoint(url: "\(self.server)/runCase?case=\(number)&agent=\(self.agent)")
            do {
                try await WebSocketClient.withConnection(to: endpoint, configuration: configuration, logger: logger) {
                    connection in
                    for try await message in connection.inbound { try await connection.send(message) }
                }
            } catch {
                // The server closing (cleanly or by failing the connection) ends every case; the report judges it.
                logger.debug("case ended", metadata: ["case": "\(number)", "reason": "\(error)"])
            }
            if number % 50 == 0 { print("autobahn: \(number)/\(count)") }
        }
        let reports = try WebSocketEndpoint(url: "\(self.server)/updateReports?agent=\(self.agent)")
        try? await WebSocketClient.withConnection(to: reports, configuration: configuration, logger: logger) {
            connection in
            for try await _ in connection.inbound {}
        }
        print("autobahn: done")
    }

    private func caseCount(configuration: WebSocketConfiguration, logger: Logger) async throws -> Int {
        let endpoint = try WebSocketEndpoint(url: "\(self.server)/getCaseCount")
        var count = 0
        do {
            try await WebSocketClient.withConnection(to: endpoint, configuration: configuration, logger: logger) {
                connection in
                for try await message in connection.inbound {
                    if case .text(let text) = message { count = Int(text) ?? 0 }
                }
            }
        } catch let error as WebSocketTransportError where error.code == .closedByPeer {
            // The server closes after sending the count.
        }
        guard count > 0 else { throw ValidationError("the fuzzing server at \(self.server) reported no cases") }
        return count
    }
}
