import ArgumentParser
import DemoPOS
import DojoAdapter
import DojoAgentCore
import DojoProtocol
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Transport

/// `dojo-bench session-target` (hidden): the process `dojo-bench session` measures. It connects to the bench's
/// peer as a bare transport echo, or as a real `Agent` serving an in-memory adapter or the demo POS, and answers
/// `usage` lines on standard input with its own resource usage, so the bench reads the CPU time and the context
/// switches of the target alone (every thread, including ones that ended), not of the load generator.
///
/// Reply to `usage`: `usage <user µs> <system µs> <voluntary switches> <involuntary switches> <adapter calls>
/// <max RSS KiB>`.
struct SessionTarget: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session-target",
        abstract: "The measured process of `dojo-bench session` (started by it).",
        shouldDisplay: false
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        /// Echoes every message from a task on the connection's own thread (`WebSocketConnection.executor`): the
        /// cheapest use of the transport, and the baseline.
        case echo
        /// The same echo from a task on the global concurrent executor (a thread hand-off each way), to show what
        /// the connection's executor saves.
        case echoPool = "echo-pool"
        case memory
        case demo
    }

    @Option(help: "What to run: echo, memory or demo.") var target: Kind
    @Option(help: "The peer's WebSocket URL.") var url: String
    @Option(help: "Parties the in-memory adapter holds.") var parties = 256

    func run() async throws {
        var logger = Logger(label: "dojo.bench.target")
        logger.logLevel = .critical
        let calls = CallCounter()
        Self.answerUsageRequests(calls: calls)
        switch self.target {
        case .echo, .echoPool:
            let endpoint = try WebSocketEndpoint(url: self.url)
            let onConnectionThread = self.target == .echo
            try? await WebSocketClient.withConnection(to: endpoint, configuration: .init(), logger: logger) {
                connection in
                try await withTaskExecutorPreference(onConnectionThread ? connection.executor : nil) {
                    for try await message in connection.inbound {
                        calls.add()
                        try await connection.send(message)
                    }
                }
            }
        case .memory, .demo:
            let state = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-bench-\(UUID())").path
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: state) }
            let adapter: any POSAdapter =
                self.target == .memory
                ? InMemoryParties(count: self.parties, calls: calls)
                : CountingPartyAdapter(
                    base: try DemoPOS(path: state + "/demo-pos.sqlite", logger: logger),
                    calls: calls
                )
            var configuration = AgentConfiguration()
            configuration.dojo.webSocketURL = self.url
            configuration.dojo.apiKey = Secret("sk_sandbox_bench")
            configuration.dojo.softwareHouseID = "bench"
            configuration.dojo.registerCapabilities = false
            configuration.stateDirectory = state
            configuration.session.maxInFlight = 64
            let agent = try Agent(configuration: configuration, adapter: adapter, logger: logger)
            try await ServiceGroup(services: [agent], logger: logger).run()
        }
    }

    /// Answers each `usage` line on standard input from a thread of its own; exits the process at end of input
    /// (the bench closed the pipe: the measurement is over).
    private static func answerUsageRequests(calls: CallCounter) {
        let thread = Thread {
            while let line = readLine() {
                guard line == "usage" else { continue }
                var usage = rusage()
                getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
                let user = Int(usage.ru_utime.tv_sec) * 1_000_000 + Int(usage.ru_utime.tv_usec)
                let system = Int(usage.ru_stime.tv_sec) * 1_000_000 + Int(usage.ru_stime.tv_usec)
                let line =
                    "usage \(user) \(system) \(usage.ru_nvcsw) \(usage.ru_nivcsw) \(calls.value) \(usage.ru_maxrss)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
            Foundation.exit(0)
        }
        thread.start()
    }
}

/// Counts adapter calls (or echoed messages), so the bench can check that every request reached the adapter.
final class CallCounter: Sendable {
    private let count = Mutex(0)

    func add() { self.count.withLock { $0 += 1 } }
    var value: Int { self.count.withLock { $0 } }
}

/// The demo POS's party methods, counted: the bench's demo target.
final class CountingPartyAdapter: POSAdapter {
    let base: DemoPOS
    let calls: CallCounter

    init(base: DemoPOS, calls: CallCounter) {
        self.base = base
        self.calls = calls
    }

    var capabilities: Set<Capability> { [.createParty, .updateParty, .getPartyByID] }

    func createParty(_ request: CreatePartyRequest, context: RequestContext) async throws -> Party {
        self.calls.add()
        return try await self.base.createParty(request, context: context)
    }

    func updateParty(_ request: UpdatePartyRequest, context: RequestContext) async throws -> Party {
        self.calls.add()
        return try await self.base.updateParty(request, context: context)
    }

    func getParty(_ request: GetPartyByIDRequest, context: RequestContext) async throws -> Party {
        try await self.base.getParty(request, context: context)
    }
}

/// Parties in a dictionary: the cheapest possible adapter, so the bench measures the agent, not the POS.
final class InMemoryParties: POSAdapter {
    private let parties = Mutex([String: Party]())
    let calls: CallCounter

    init(count: Int, calls: CallCounter) {
        self.calls = calls
        self.parties.withLock { parties in
            for index in 0..<count {
                let id = "party-\(index)"
                parties[id] = Party(
                    id: id,
                    tableIDs: ["table-1"],
                    status: "Seated",
                    startTime: Timestamp(millisecondsSince1970: 0)
                )
            }
        }
    }

    var capabilities: Set<Capability> { [.updateParty, .getPartyByID] }

    func updateParty(_ request: UpdatePartyRequest, context: RequestContext) async throws -> Party {
        self.calls.add()
        return try self.parties.withLock { parties in
            guard let existing = parties[request.id] else { throw AdapterError.notFound("no party \(request.id)") }
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
            parties[request.id] = updated
            return updated
        }
    }
}
