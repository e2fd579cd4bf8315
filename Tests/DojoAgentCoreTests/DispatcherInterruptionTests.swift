import AgentSupport
import DojoAdapter
import DojoProtocol
import DojoSimulator
import Foundation
import Testing
import Transport

@testable import DojoAgentCore

/// A request whose session ends while the POS is still working on it (found by scripts/chaos: creates in flight
/// when Dojo dropped the link were later replayed "internal error in the POS adapter" to Dojo's retry).
@Suite(.timeLimit(.minutes(1)))
struct DispatcherInterruptionTests {
    /// Every frame the dispatcher sent, in order.
    private final class Sent: Sendable {
        private let frames = PThreadLock<[String]>([])
        func append(_ frame: String) { self.frames.withLock { $0.append(frame) } }
        var all: [String] { self.frames.withLock { $0 } }
    }

    @Test func aRequestCutOffWithItsSessionRunsAgainOnRetryInsteadOfReplayingAnError() async throws {
        let adapter = TestAdapter()
        adapter.hang("create-party dp-cut")
        let dispatcher = try makeDispatcher(adapter)
        let params = #"{"dojoPartyId":"dp-cut","startTime":"2024-08-12T09:30:00.000Z","tableIds":["t1"],"headers":{}}"#
        let request = frame(id: "retried-id", method: "CreatePartyV1", params: params)

        // Session 1: the create reaches the POS, then the session ends (its task is cancelled) before the POS answers.
        let (firstFrames, firstInput) = AsyncStream<String>.makeStream()
        let firstSent = Sent()
        let first = Task {
            try await dispatcher.serve(frames: firstFrames) { firstSent.append(String(decoding: $0, as: UTF8.self)) }
        }
        firstInput.yield(request)
        #expect(await adapter.started.next() == "create-party dp-cut")
        first.cancel()
        _ = await first.result
        #expect(firstSent.all.isEmpty, "no answer is made up for a call that was only interrupted")

        // Session 2: Dojo retries with the same id; the POS answers this time, and that is what Dojo gets.
        adapter.unhang("create-party dp-cut")
        let (secondFrames, secondInput) = AsyncStream<String>.makeStream()
        let answers = AsyncQueue<String>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await dispatcher.serve(frames: secondFrames) { answers.push(String(decoding: $0, as: UTF8.self)) }
            }
            secondInput.yield(request)
            let answer = try ResponseFrame(parsing: try #require(await answers.next()))
            #expect(answer.id?.text == "retried-id")
            #expect(answer.result?["status"]?.stringValue == "Seated", "\(answer.encoded())")
            secondInput.finish()
            try await group.waitForAll()
        }
        #expect(adapter.calls == ["create-party dp-cut", "create-party dp-cut"])
    }

    /// An adapter whose call ends in `CancellationError` (the agent cancelled it, as when the link drops with a
    /// create in flight) did not fail: Dojo is not answered "internal error" and the request stays re-runnable.
    @Test func aCancelledAdapterCallIsNotAnsweredAsAnAdapterFailure() async throws {
        struct Cancelling: POSAdapter {
            var capabilities: Set<Capability> { [.listAreas, .searchTables] }
            func listAreas(_ request: ListAreasRequest, context: RequestContext) async throws -> [Area] {
                throw CancellationError()
            }
            func searchTables(_ request: SearchTablesRequest, context: RequestContext) async throws -> Page<Table> {
                Page(data: [])
            }
        }
        let dispatcher = Dispatcher(
            adapter: Cancelling(),
            store: try AgentStore(path: try temporaryDirectory() + "/agent.sqlite"),
            configuration: .init(),
            clock: ContinuousClock(),
            logger: testLogger
        )
        let (frames, input) = AsyncStream<String>.makeStream()
        let answers = AsyncQueue<String>()
        let sent = Sent()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await dispatcher.serve(frames: frames) {
                    let text = String(decoding: $0, as: UTF8.self)
                    sent.append(text)
                    answers.push(text)
                }
            }
            input.yield(frame(id: "cancelled", method: "ListAreasV1"))
            input.yield(frame(id: "answered", method: "SearchTablesV1"))
            let answer = try ResponseFrame(parsing: try #require(await answers.next()))
            #expect(answer.id?.text == "answered")
            input.finish()
            try await group.waitForAll()
        }
        #expect(sent.all.count == 1, "\(sent.all)")
    }
}

/// A dispatcher over `adapter` with a fresh agent store and the default limits.
func makeDispatcher(_ adapter: TestAdapter) throws -> Dispatcher<ContinuousClock> {
    Dispatcher(
        adapter: adapter,
        store: try AgentStore(path: try temporaryDirectory() + "/agent.sqlite"),
        configuration: .init(),
        clock: ContinuousClock(),
        logger: testLogger
    )
}
