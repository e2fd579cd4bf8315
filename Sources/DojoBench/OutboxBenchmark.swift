import ArgumentParser
import DojoAgentCore
import DojoProtocol
import DojoSimulator
import Foundation
import GRDB
import Logging
import Transport

/// `dojo-bench outbox`: durable publishes per second (one per transaction, and batched) beside the raw SQLite
/// commit rate of the same disk, and delivered events per second to the test peer over TLS beside bare HTTPS
/// requests from the same client to the same peer.
struct OutboxBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Durable publish rate vs raw SQLite commits; delivery rate vs bare HTTPS requests."
    )

    @Option(help: "Directory for the databases (on the disk to measure). Default: a new temporary directory.")
    var directory: String?

    @Option(help: "Single-transaction commits per measurement.")
    var commits = 2000

    @Option(help: "Events for the batched publish measurement.")
    var batchedEvents = 20000

    @Option(help: "Events in a batch.")
    var batchSize = 50

    @Option(help: "Events delivered over TLS per configuration.")
    var deliveries = 1000

    @Option(help: "Requests in flight during delivery (outbox.max_in_flight).")
    var inFlight = 4

    @Option(help: "Directory with ca.pem, server.pem and server.key for the TLS peer.")
    var tlsFixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/TransportTests/Fixtures/tls").path

    func run() async throws {
        var logger = Logger(label: "dojo.bench")
        logger.logLevel = .error
        let directory =
            self.directory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "dojo-bench-\(UUID().uuidString.prefix(8))"
            )
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { if self.directory == nil { try? FileManager.default.removeItem(atPath: directory) } }
        print("outbox benchmark (databases in \(directory))")

        // Baseline: the same disk, the same SQLite settings, the smallest possible transaction. Measured before and
        // after the single publishes and averaged, because a shared machine's fsync rate drifts within seconds.
        let rawBefore = try self.rawCommitRate(path: "\(directory)/raw-1.sqlite")
        let outbox = try Outbox.open(path: "\(directory)/outbox.sqlite", logger: logger)
        let single = try await self.measure(count: self.commits) { index in
            try await outbox.publish(try PosEvent(type: .orderUpdated, entityID: "single-\(index)"))
        }
        let blocking = try self.measureBlocking(count: self.commits) { index in
            try outbox.publishSynchronously(try PosEvent(type: .reservationUpdated, entityID: "sync-\(index)"))
        }
        let rawAfter = try self.rawCommitRate(path: "\(directory)/raw-2.sqlite")
        let raw = (rawBefore + rawAfter) / 2
        print(String(format: "  (raw commits before: %.0f /s, after: %.0f /s)", rawBefore, rawAfter))
        Self.report("raw SQLite commits (WAL, synchronous=FULL, 1 insert each)", raw, nil)
        Self.report("durable publishes, one per transaction", single, raw)
        Self.report("durable publishes, blocking API (publishSynchronously)", blocking, raw)
        let coalesced = try await self.measure(count: self.commits) { index in
            try await outbox.publish(try PosEvent(type: .orderUpdated, entityID: "single-\(index % 50)"))
        }
        Self.report("durable publishes coalescing into 50 pending rows", coalesced, raw)
        let batchSize = self.batchSize
        let perBatch = try await self.measure(count: self.batchedEvents / batchSize) { batch in
            let events = try (0..<batchSize).map { try PosEvent(type: .partyUpdated, entityID: "b\(batch)-\($0)") }
            try await outbox.publish(contentsOf: events)
        }
        Self.report("durable publishes, batches of \(batchSize)", perBatch * Double(batchSize), raw)

        try await self.delivery(path: "\(directory)/delivery.sqlite", logger: logger)
    }

    private static func report(_ what: String, _ rate: Double, _ baseline: Double?) {
        let padded = what.padding(toLength: 66, withPad: " ", startingAt: 0)
        let ratio = baseline.map { String(format: "  (%.2f × baseline)", rate / $0) } ?? "  (baseline)"
        print(String(format: "  %@ %9.0f /s", padded, rate) + ratio)
    }

    private func rawCommitRate(path: String) throws -> Double {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let database = try DatabaseQueue(path: path, configuration: configuration)
        try database.write { db in try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT NOT NULL)") }
        let start = ContinuousClock.now
        for index in 0..<self.commits {
            try database.write { db in
                try db.execute(sql: "INSERT INTO t (x) VALUES (?)", arguments: ["OrderUpdated/\(index)"])
            }
        }
        return Double(self.commits) / (ContinuousClock.now - start).seconds
    }

    private func measureBlocking(count: Int, _ body: (Int) throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        for index in 0..<count { try body(index) }
        return Double(count) / (ContinuousClock.now - start).seconds
    }

    private func measure(count: Int, _ body: (Int) async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        for index in 0..<count { try await body(index) }
        return Double(count) / (ContinuousClock.now - start).seconds
    }

    /// Delivered events/s through the publisher over TLS, beside bare HTTPS POSTs with the same concurrency from
    /// the same client to the same peer (what the network and the peer allow).
    private func delivery(path: String, logger: Logger) async throws {
        let outbox = try Outbox.open(path: path, logger: logger)
        let rest = RecordingRESTEndpoint()
        var peer = WebSocketPeer.Configuration()
        peer.tls = .init(
            certificateChain: "\(self.tlsFixtures)/server.pem",
            privateKey: "\(self.tlsFixtures)/server.key"
        )
        peer.routes = rest.install
        var quiet = Logger(label: "dojo.bench.peer")
        quiet.logLevel = .critical
        peer.logger = quiet
        let deliveries = self.deliveries
        let inFlight = self.inFlight
        let caFile = "\(self.tlsFixtures)/ca.pem"
        try await WebSocketPeer.withPeer(configuration: peer) { peer in
            for reuse in [false, true] {
                do {
                    try await self.deliver(
                        outbox: outbox,
                        peer: peer,
                        reuse: reuse,
                        deliveries: deliveries,
                        inFlight: inFlight,
                        caFile: caFile,
                        logger: logger
                    )
                } catch {
                    print("  connection reuse \(reuse ? "on" : "off"): failed: \(error)")
                }
            }
        }
    }

    private func deliver(
        outbox: Outbox,
        peer: WebSocketPeer,
        reuse: Bool,
        deliveries: Int,
        inFlight: Int,
        caFile: String,
        logger: Logger
    ) async throws {
        var http = HTTPClientConfiguration()
        http.tls = TLSConfiguration(caFile: caFile)
        http.maxConcurrentRequests = inFlight
        http.reuseConnections = reuse
        try await HTTPClient.withClient(configuration: http, logger: logger) { client in
            let body = Array(try PosEvent(type: .orderUpdated, entityID: "baseline").body.utf8)
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<inFlight {
                    group.addTask {
                        for _ in stride(from: worker, to: deliveries, by: inFlight) {
                            _ = try await client.execute(
                                HTTPRequest(method: .post, url: peer.httpBaseURL + "/epos/events", body: body)
                            )
                        }
                    }
                }
                try await group.waitForAll()
            }
            let bare = Double(deliveries) / (ContinuousClock.now - start).seconds
            let bareConnections = client.statistics.connections

            try await outbox.publish(
                contentsOf: try (0..<deliveries).map { try PosEvent(type: .orderUpdated, entityID: "d\(reuse)-\($0)") }
            )
            let (delivered, sink) = AsyncStream.makeStream(of: Void.self)
            var configuration = Publisher.Configuration()
            configuration.maxInFlight = inFlight
            configuration.drainRate = 0
            let publisher = Publisher(
                outbox: outbox,
                http: client,
                api: DojoAPIConfiguration(baseURL: peer.httpBaseURL, apiKey: "sk_bench", softwareHouseID: "bench"),
                configuration: configuration,
                logger: logger,
                observer: { event in if case .delivered = event { sink.yield() } }
            )
            let publishStart = ContinuousClock.now
            await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await publisher.run() }
                var count = 0
                for await _ in delivered {
                    count += 1
                    if count == deliveries { break }
                }
                group.cancelAll()
            }
            let rate = Double(deliveries) / (ContinuousClock.now - publishStart).seconds
            let label = "connection reuse \(reuse ? "on" : "off"), \(inFlight) in flight"
            Self.report("bare HTTPS POSTs to the peer, \(label)", bare, nil)
            Self.report("events delivered from the outbox, \(label)", rate, bare)
            print("    TCP connections: \(bareConnections) for \(deliveries) bare requests")
        }
    }
}

extension Duration {
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
