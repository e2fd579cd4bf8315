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

/// `dojo-bench session`: Dojo → POS request handling through the real transport, against baselines measured in
/// the same run.
///
/// A Hummingbird peer in this process plays Dojo and drives the load. The measured target runs in a child process
/// (`dojo-bench session-target`), so its CPU time and context switches (its own `getrusage`, every thread) are
/// the target's alone, not the load generator's. Targets, each on a fresh connection:
/// - **raw transport echo** (baseline): a bare transport client echoing every frame from the connection's own
///   thread (`WebSocketConnection.executor`), and the same echo from Swift's global executor for comparison;
/// - **agent + in-memory adapter**: a real `Agent` (dispatcher, entity ordering, replay cache) over a dictionary,
///   quiet and logging at info through the agent's logfmt backend;
/// - **agent + demo POS**: the same agent over the built-in demo POS (SQLite, one write transaction per update).
/// A second baseline, **raw SQLite prepared update**, runs in this process: one cached `UPDATE` of the demo POS's
/// party row per transaction, on a copy of the demo POS's file, with the demo POS's durability (WAL,
/// `synchronous = NORMAL`).
///
/// Each target gets a warm-up, a **pipelined** run (`count` requests, `window` in flight) and a **paced** run
/// (`rate` requests/s for `seconds`), every request with an id never used before (so none is answered from the
/// replay cache), and the bench checks that the adapter saw every one.
struct SessionBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "UpdatePartyV1 through the agent vs the raw transport echo and raw SQLite (ratios in the same run)."
    )

    @Option(help: "Requests in the pipelined run.") var count = 20_000
    @Option(help: "Requests in flight in the pipelined run.") var window = 64
    @Option(help: "Requests per second in the paced run.") var rate = 1000
    @Option(help: "Seconds of the paced run.") var seconds = 5
    @Option(help: "Entities (parties) the requests are spread over.") var parties = 256
    @Option(help: "Rows in the raw SQLite baseline.") var sqliteRows = 20_000
    @Flag(help: "Skip the demo POS (SQLite) target.") var skipDemo = false

    func run() async throws {
        var logger = Logger(label: "dojo.bench")
        logger.logLevel = .critical
        print(
            "session bench: \(self.count) pipelined (window \(self.window)), \(self.rate)/s paced for \(self.seconds) s,"
                + " \(self.parties) parties; \(MachineState.read())"
        )
        var rows: [(String, TargetResult)] = []
        let echo = try await self.measure(.echo, logger: logger)
        rows.append(("raw transport echo (baseline)", echo))
        rows.append(("raw echo, global executor", try await self.measure(.echoPool, logger: logger)))
        let memory = try await self.measure(.memory, logger: logger)
        rows.append(("agent + in-memory adapter", memory))
        rows.append(("  the same, logging at info", try await self.measure(.memory, logInfo: true, logger: logger)))
        var sqlite: Double?
        if !self.skipDemo {
            sqlite = try await SQLiteBaseline.cpuPerRow(rows: self.sqliteRows)
            rows.append(("agent + demo POS (SQLite)", try await self.measure(.demo, logger: logger)))
        }

        print("")
        print(
            "target                          pipelined req/s  CPU µs/req  ctx sw/req | paced p50 ms  p99 ms  +p99 vs echo"
                + "  CPU µs/req"
        )
        for (name, result) in rows {
            let (pipelined, paced) = (result.pipelined, result.paced)
            print(
                "\(name.padding(toLength: 31, withPad: " ", startingAt: 0))"
                    + " \(format(pipelined.throughput, 0, width: 15))  \(format(pipelined.cpuPerRequest, 1, width: 10))"
                    + "  \(format(pipelined.switchesPerRequest, 2, width: 10))"
                    + " | \(format(paced.p50, 2, width: 12))  \(format(paced.p99, 2, width: 6))"
                    + "  \(format(paced.p99 - echo.paced.p99, 2, width: 12))"
                    + "  \(format(paced.cpuPerRequest, 1, width: 10))"
            )
        }
        let echoCPU = echo.pipelined.cpuPerRequest
        print("")
        print("baselines: raw echo \(format(echoCPU, 1, width: 0)) µs CPU/message (pipelined)", terminator: "")
        if let sqlite {
            print("; raw SQLite prepared update \(format(sqlite, 1, width: 0)) µs CPU/row")
        } else {
            print("")
        }
        print(
            "in-memory: \(format(memory.pipelined.cpuPerRequest / echoCPU, 2, width: 0)) × echo CPU (goal ≤ 2),"
                + " \(format(memory.pipelined.switchesPerRequest, 2, width: 0)) context switches/request (goal ≤ 1),"
                + " paced +p99 \(format(memory.paced.p99 - echo.paced.p99, 2, width: 0)) ms (goal < 0.5)"
        )
        if let sqlite, let demo = rows.last?.1, !self.skipDemo {
            print(
                "demo POS:  \(format(demo.pipelined.cpuPerRequest / (echoCPU + sqlite), 2, width: 0)) × (echo + SQLite row)"
                    + " CPU (goal ≤ 1.5), \(format(demo.pipelined.switchesPerRequest, 2, width: 0)) context"
                    + " switches/request (goal ≤ 1), paced +p99 \(format(demo.paced.p99 - echo.paced.p99, 2, width: 0)) ms"
                    + " (goal < 0.5)"
            )
        }
        print("machine after: \(MachineState.read())")
    }

    struct Measurement: Sendable {
        var throughput: Double
        var p50: Double
        var p99: Double
        /// The target's CPU time (user + system, every thread) per request, in µs.
        var cpuPerRequest = 0.0
        /// The target's context switches (voluntary + involuntary, every thread) per request.
        var switchesPerRequest = 0.0
    }

    struct TargetResult {
        var pipelined: Measurement
        var paced: Measurement
    }

    /// Starts `kind` in a child process against a fresh peer and runs warm-up, pipelined and paced loads, each
    /// with fresh request ids, reading the child's usage around each timed run.
    private func measure(_ kind: SessionTarget.Kind, logInfo: Bool = false, logger: Logger) async throws -> TargetResult
    {
        var peerConfiguration = WebSocketPeer.Configuration()
        peerConfiguration.logger = logger
        return try await WebSocketPeer.withPeer(configuration: peerConfiguration) { peer in
            let child = try TargetProcess(
                kind: kind,
                url: peer.url(path: "/epos"),
                parties: self.parties,
                logInfo: logInfo
            )
            defer { child.stop() }
            let connection = try await Self.connection(from: peer, what: "the \(kind) target")
            let partyIDs =
                kind == .demo
                ? try await Self.createParties(connection, count: self.parties)
                : (0..<self.parties).map { "party-\($0)" }
            let frames: (String, Int) -> [(id: String, text: String)] = { prefix, count in
                Self.updateFrames(prefix: prefix, count: count, partyIDs: partyIDs)
            }
            _ = try await Self.drive(connection, frames: frames("w", 500), window: self.window, interval: nil)
            let pipelined = try await child.measured(requests: self.count) {
                try await Self.drive(connection, frames: frames("p", self.count), window: self.window, interval: nil)
            }
            let pacedCount = self.rate * self.seconds
            let paced = try await child.measured(requests: pacedCount) {
                try await Self.drive(
                    connection,
                    frames: frames("q", pacedCount),
                    window: Int.max,
                    interval: .nanoseconds(1_000_000_000 / self.rate)
                )
            }
            await connection.drop()
            return TargetResult(pipelined: pipelined, paced: paced)
        }
    }

    /// The next connection to `peer`, waited for at most ``failureBound``: a target that fails to start or
    /// to connect fails the run, naming what did not connect, instead of hanging it (the target's own errors are
    /// on standard error, which it shares with the bench).
    static func connection(from peer: WebSocketPeer, what: String) async throws -> PeerConnection {
        try await withDeadline(failureBound, waitingFor: "\(what) to connect") {
            guard let connection = await peer.nextConnection() else {
                throw ValidationError("the peer stopped before \(what) connected")
            }
            return connection
        }
    }

    /// How long a target may take to connect, and the fixed part of the bound on a run's answers: generous, a bound
    /// on failure, never part of a measurement.
    static let failureBound = Duration.seconds(60)

    /// Sends `frames` (at most `window` unanswered, or one per `interval`) and times each reply by its id.
    ///
    /// Bounded so a target that stops answering fails the run instead of hanging it: ``failureBound`` plus 10 ms a
    /// request, far beyond any real run (the slowest target answers a request in well under 1 ms).
    static func drive(
        _ connection: PeerConnection,
        frames: [(id: String, text: String)],
        window: Int,
        interval: Duration?
    ) async throws -> Measurement {
        let limit = failureBound + .milliseconds(10 * frames.count)
        return try await withDeadline(limit, waitingFor: "the target to answer \(frames.count) requests") {
            try await unboundedDrive(connection, frames: frames, window: window, interval: interval)
        }
    }

    private static func unboundedDrive(
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
                    // Every answer must be a success: an error reply would be a cheaper path than the one measured.
                    if text.contains("\"error\":{") { throw ValidationError("error reply \(text.prefix(200))") }
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
                try Task.checkCancellation()
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

    /// `count` update requests with ids `<prefix><n>` (unique within the run), round-robin over `partyIDs`.
    static func updateFrames(prefix: String, count: Int, partyIDs: [String]) -> [(id: String, text: String)] {
        (0..<count).map { index in Self.updateParty(id: "\(prefix)\(index)", party: partyIDs[index % partyIDs.count]) }
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
                let connection = try await Self.connection(from: peer, what: "the echo client")
                let result = try await body(connection)
                await connection.drop()
                try await group.waitForAll()
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
