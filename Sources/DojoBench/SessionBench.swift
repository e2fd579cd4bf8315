import ArgumentParser
import DemoPOS
import DojoAdapter
import DojoAgentCore
import DojoProtocol
import DojoSimulator
import Foundation
import Logging
import ServiceLifecycle
import Transport

/// `dojo-bench session`: Dojo → POS request handling through the real transport, against the raw transport echo
/// measured in the same run.
///
/// A Hummingbird peer plays Dojo. Baseline: it sends frames to a bare transport client that echoes them back.
/// Then the same frames, as `UpdatePartyV1` requests, go to a real `Agent` (dispatcher, entity ordering, replay
/// cache, idempotency store) serving an in-memory adapter, and to the built-in demo POS (SQLite). Two measures:
/// - **pipelined**: `count` requests with `window` in flight; requests/s and latency percentiles;
/// - **paced**: `rate` requests/s for `seconds`; latency percentiles, and what the agent adds over the echo.
struct SessionBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "Pipelined UpdatePartyV1 through the agent vs the raw transport echo (ratios in the same run)."
    )

    @Option(help: "Requests in the pipelined run.") var count = 20_000
    @Option(help: "Requests in flight in the pipelined run.") var window = 64
    @Option(help: "Requests per second in the paced run.") var rate = 1000
    @Option(help: "Seconds of the paced run.") var seconds = 5
    @Option(help: "Entities (parties) the requests are spread over.") var parties = 256
    @Flag(help: "Skip the demo POS (SQLite) target.") var skipDemo = false

    func run() async throws {
        var logger = Logger(label: "dojo.bench")
        logger.logLevel = .critical
        let total = max(self.count, self.rate * self.seconds)
        let frames = Self.updateFrames(count: total, partyIDs: (0..<self.parties).map { "party-\($0)" })
        print(
            "session bench: \(self.count) pipelined (window \(self.window)), \(self.rate)/s paced for \(self.seconds) s"
        )
        var rows: [(String, Measurement, Measurement)] = []

        let echo = try await Self.withEchoTarget(logger: logger) { connection in
            try await self.measure(connection, frames: frames)
        }
        rows.append(("raw transport echo (baseline)", echo.pipelined, echo.paced))

        let memory = try await Self.withAgentTarget(adapter: InMemoryParties(count: self.parties), logger: logger) {
            connection in
            try await self.measure(connection, frames: frames)
        }
        rows.append(("agent + in-memory adapter", memory.pipelined, memory.paced))

        if !self.skipDemo {
            let demo = try await Self.withAgentTarget(adapter: nil, logger: logger) { connection in
                let partyIDs = try await Self.createParties(connection, count: self.parties)
                return try await self.measure(connection, frames: Self.updateFrames(count: total, partyIDs: partyIDs))
            }
            rows.append(("agent + demo POS (SQLite)", demo.pipelined, demo.paced))
        }

        print("")
        print(
            "target                          pipelined req/s  vs echo   p50 ms  p99 ms | paced p50 ms  p99 ms  +p99 vs echo"
        )
        for (name, pipelined, paced) in rows {
            let ratio = pipelined.throughput / echo.pipelined.throughput
            let added = paced.p99 - echo.paced.p99
            print(
                "\(name.padding(toLength: 31, withPad: " ", startingAt: 0))"
                    + " \(format(pipelined.throughput, 0, width: 15))  \(format(ratio * 100, 0, width: 6))%"
                    + "  \(format(pipelined.p50, 2, width: 6))  \(format(pipelined.p99, 2, width: 6))"
                    + " | \(format(paced.p50, 2, width: 12))  \(format(paced.p99, 2, width: 6))"
                    + "  \(format(added, 2, width: 12))"
            )
        }
    }

    struct Measurement {
        var throughput: Double
        var p50: Double
        var p99: Double
    }

    /// Runs the pipelined and the paced measurement over one peer connection.
    private func measure(
        _ connection: PeerConnection,
        frames: [(id: String, text: String)]
    ) async throws -> (pipelined: Measurement, paced: Measurement) {
        // Warm up (first-use costs: metadata, SQLite pages, lws buffers).
        _ = try await Self.drive(connection, frames: Array(frames.prefix(500)), window: self.window, interval: nil)
        let pipelined = try await Self.drive(
            connection,
            frames: Array(frames.prefix(self.count)),
            window: self.window,
            interval: nil
        )
        let paced = try await Self.drive(
            connection,
            frames: Array(frames.prefix(self.rate * self.seconds)),
            window: Int.max,
            interval: .nanoseconds(1_000_000_000 / self.rate)
        )
        return (pipelined, paced)
    }

    /// Sends `frames` (at most `window` unanswered, or one per `interval`) and times each reply by its id.
    static func drive(
        _ connection: PeerConnection,
        frames: [(id: String, text: String)],
        window: Int,
        interval: Duration?
    ) async throws -> Measurement {
        let clock = ContinuousClock()
        let sentAt = Locked([String: ContinuousClock.Instant]())
        let credits = AsyncQueue<Void>()
        for _ in 0..<min(window, frames.count) { credits.push(()) }
        let started = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            group.addTask {
                var latencies: [Double] = []
                latencies.reserveCapacity(frames.count)
                for _ in 0..<frames.count {
                    guard case .text(let text) = await connection.receive() else {
                        throw ValidationError("the target closed the connection")
                    }
                    let id = replyID(text)
                    guard let sent = sentAt.withLock({ $0.removeValue(forKey: id) }) else {
                        throw ValidationError("unexpected reply \(text.prefix(80))")
                    }
                    latencies.append(
                        Double((clock.now - sent).components.attoseconds) / 1e15
                            + Double((clock.now - sent).components.seconds) * 1000
                    )
                    credits.push(())
                }
                return latencies
            }
            var next = started
            for frame in frames {
                if let interval {
                    next = next.advanced(by: interval)
                    try await clock.sleep(until: next)
                } else {
                    _ = await credits.next()
                }
                sentAt.withLock { $0[frame.id] = clock.now }
                try await connection.send(text: frame.text)
            }
            return try await group.next() ?? []
        }
        let elapsed = (clock.now - started)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let sorted = latencies.sorted()
        return Measurement(
            throughput: Double(frames.count) / seconds,
            p50: sorted[sorted.count / 2],
            p99: sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        )
    }

    /// The `"id"` of a reply (or of an echoed request): the value after the first `"id":"`.
    private static func replyID(_ text: String) -> String {
        guard let start = text.range(of: "\"id\":\"") else { return "" }
        let rest = text[start.upperBound...]
        return String(rest[..<(rest.firstIndex(of: "\"") ?? rest.endIndex)])
    }

    static func updateFrames(count: Int, partyIDs: [String]) -> [(id: String, text: String)] {
        (0..<count).map { index in Self.updateParty(id: "b\(index)", party: partyIDs[index % partyIDs.count]) }
    }

    static func updateParty(id: String, party: String) -> (id: String, text: String) {
        let text = """
            {"jsonrpc":"2.0","id":"\(id)","method":"UpdatePartyV1","params":{"id":"\(party)","dojoPartyId":"dojo-\(party)",\
            "startTime":"2024-08-12T09:30:00.000Z","status":"Ordered","tableIds":["table-1"],"covers":4,\
            "expectedEndTime":"2024-08-12T11:30:00.000Z","headers":{"dojoRequestingProduct":"Bookings"}}}
            """
        return (id, text)
    }

    /// The baseline: a bare transport client echoing every frame.
    static func withEchoTarget<Result: Sendable>(
        logger: Logger,
        tls: GeneratedTLS? = nil,
        _ body: (PeerConnection) async throws -> Result
    ) async throws -> Result {
        var peerConfiguration = WebSocketPeer.Configuration()
        peerConfiguration.logger = logger
        var clientConfiguration = WebSocketConfiguration()
        if let tls {
            peerConfiguration.tls = .init(certificateChain: tls.certificateChain, privateKey: tls.privateKey)
            clientConfiguration.tls = TLSConfiguration(caFile: tls.caFile)
        }
        let client = clientConfiguration
        return try await WebSocketPeer.withPeer(configuration: peerConfiguration) { peer in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let endpoint = try WebSocketEndpoint(url: peer.url())
                    try? await WebSocketClient.withConnection(
                        to: endpoint,
                        configuration: client,
                        logger: logger
                    ) { connection in
                        for try await message in connection.inbound { try await connection.send(message) }
                    }
                }
                guard let connection = await peer.nextConnection() else { throw ValidationError("no echo client") }
                let result = try await body(connection)
                await connection.drop()
                try await group.waitForAll()
                return result
            }
        }
    }

    /// A real agent serving `adapter` (nil: the built-in demo POS on a fresh SQLite file).
    static func withAgentTarget<Result: Sendable>(
        adapter: (any POSAdapter)?,
        logger: Logger,
        _ body: (PeerConnection) async throws -> Result
    ) async throws -> Result {
        var peerConfiguration = WebSocketPeer.Configuration()
        peerConfiguration.logger = logger
        return try await WebSocketPeer.withPeer(configuration: peerConfiguration) { peer in
            let state = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-bench-\(UUID())").path
            defer { try? FileManager.default.removeItem(atPath: state) }
            var configuration = AgentConfiguration()
            configuration.dojo.webSocketURL = peer.url(path: "/epos")
            configuration.dojo.apiKey = Secret("sk_sandbox_bench")
            configuration.dojo.softwareHouseID = "bench"
            configuration.dojo.registerCapabilities = false
            configuration.stateDirectory = state
            configuration.session.maxInFlight = 64
            // No adapter: the demo POS, as `dojo-agent run` builds it for `[adapter] kind = "demo"`.
            let agent = try Agent(configuration: configuration, logger: logger) { _ in
                try adapter ?? DemoPOS(path: configuration.demoDatabasePath, logger: logger)
            }
            let group = ServiceGroup(services: [agent], logger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                guard let connection = await peer.nextConnection() else {
                    throw ValidationError("agent did not connect")
                }
                let result = try await body(connection)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            }
        }
    }

    /// The demo POS assigns its own party ids: create the parties first, as Dojo would, and collect the ids.
    static func createParties(_ connection: PeerConnection, count: Int) async throws -> [String] {
        var ids: [String] = []
        for index in 0..<count {
            let text = """
                {"jsonrpc":"2.0","id":"seed\(index)","method":"CreatePartyV1","params":{"dojoPartyId":"dojo-seed-\(index)",\
                "startTime":"2024-08-12T09:30:00.000Z","tableIds":["table-1"],"headers":{}}}
                """
            try await connection.send(text: text)
            guard case .text(let reply) = await connection.receive(),
                case .result(let result) = try ResponseFrame(parsing: reply).outcome,
                case .string(let id) = result.objectValue?["id"]
            else { throw ValidationError("the demo POS did not create party \(index)") }
            ids.append(id)
        }
        return ids
    }
}

/// Parties in a dictionary: the cheapest possible adapter, so the bench measures the agent, not the POS.
final class InMemoryParties: POSAdapter, @unchecked Sendable {
    // @unchecked Sendable: `parties` is only touched under `lock`.
    private let lock = NSLock()
    private var parties: [String: Party] = [:]

    init(count: Int) {
        for index in 0..<count {
            let id = "party-\(index)"
            self.parties[id] = Party(
                id: id,
                tableIDs: ["table-1"],
                status: "Seated",
                startTime: Timestamp(millisecondsSince1970: 0)
            )
        }
    }

    var capabilities: Set<Capability> { [.updateParty, .getPartyByID] }

    func updateParty(_ request: UpdatePartyRequest, context: RequestContext) async throws -> Party {
        try self.lock.withLock {
            guard let existing = self.parties[request.id] else { throw AdapterError.notFound("no party \(request.id)") }
            let updated = Party(
                id: request.id,
                name: request.name,
                covers: request.covers,
                tableIDs: request.tableIDs,
                status: request.status,
                startTime: request.startTime,
                expectedEndTime: request.expectedEndTime,
                endTime: request.endTime,
                reservationID: existing.reservationID
            )
            self.parties[request.id] = updated
            return updated
        }
    }
}

/// A value behind a lock (the bench's only shared state: send times by id).
private final class Locked<Value>: @unchecked Sendable {
    // @unchecked Sendable: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try self.lock.withLock { try body(&self.value) }
    }
}

private func format(_ value: Double, _ decimals: Int, width: Int) -> String {
    let text = String(format: "%.\(decimals)f", value)
    return String(repeating: " ", count: max(0, width - text.count)) + text
}
