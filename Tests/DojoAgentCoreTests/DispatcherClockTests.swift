import DojoAdapter
import DojoProtocol
import DojoSimulator
import Testing

@testable import DojoAgentCore

/// The dispatcher driven directly, with its clock injected: deadlines and the replay window move only when the
/// test advances the clock, so nothing waits real time and no outcome depends on the machine's speed.
/// (`SessionTests.slowAdapterIsAnsweredWithUnexpectedErrorAtTheDeadline` keeps one real-clock deadline end to end.)
@Suite(.timeLimit(.minutes(1)))
struct DispatcherClockTests {
    private static let timeout = Duration.seconds(10)

    /// Serves `body`'s frames on a dispatcher over `adapter` and `clock`; every answer lands in the queue.
    private func withDispatcher(
        _ adapter: TestAdapter,
        clock: ManualClock,
        _ body: (AsyncStream<String>.Continuation, AsyncQueue<String>) async throws -> Void
    ) async throws {
        var configuration = Dispatcher<ManualClock>.Configuration()
        configuration.requestTimeout = Self.timeout
        let dispatcher = Dispatcher(
            adapter: adapter,
            store: try AgentStore(path: try temporaryDirectory() + "/agent.sqlite"),
            configuration: configuration,
            clock: clock,
            logger: testLogger
        )
        let (frames, input) = AsyncStream<String>.makeStream()
        let answers = AsyncQueue<String>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await dispatcher.serve(frames: frames) { answers.push(String(decoding: $0, as: UTF8.self)) }
            }
            try await body(input, answers)
            // serve returns only once every call has returned: this also proves a timed-out call was cancelled.
            input.finish()
            try await group.waitForAll()
        }
    }

    private func answer(_ answers: AsyncQueue<String>) async throws -> ResponseFrame {
        try ResponseFrame(parsing: try #require(await answers.next()))
    }

    private static let notFoundProbe = frame(
        id: "probe",
        method: "GetReservationByIdV1",
        params: #"{"reservationId":"other","headers":{}}"#
    )

    @Test func aSlowCallIsAnsweredAtTheDeadlineAndNotAMomentBefore() async throws {
        let adapter = TestAdapter()
        adapter.hang("search-tables")
        let clock = ManualClock()
        try await self.withDispatcher(adapter, clock: clock) { input, answers in
            input.yield(frame(id: "slow", method: "SearchTablesV1"))
            #expect(await adapter.started.next() == "search-tables")

            clock.advance(by: Self.timeout - .milliseconds(1))
            // A prompt request on another entity is answered; the slow one, a millisecond short of its deadline, not.
            input.yield(Self.notFoundProbe)
            let probe = try await self.answer(answers)
            #expect(probe.id?.text == "probe")
            #expect(probe.error?.errorType == .notFound)

            clock.advance(by: .milliseconds(1))
            let slow = try await self.answer(answers)
            #expect(slow.id?.text == "slow")
            #expect(slow.error?.errorType == .unexpectedError)
            #expect(slow.error?.debugMessage == "the POS did not answer within \(Self.timeout)")
        }
        #expect(adapter.calls == ["search-tables", "get-reservation other"])
    }

    @Test func theEntityStaysOrderedUntilTheTimedOutCallHasReturned() async throws {
        let adapter = TestAdapter()
        adapter.hang("get-reservation r1")
        let clock = ManualClock()
        let get: (String) -> String = { id in
            frame(id: id, method: "GetReservationByIdV1", params: #"{"reservationId":"r1","headers":{}}"#)
        }
        try await self.withDispatcher(adapter, clock: clock) { input, answers in
            input.yield(get("first"))
            #expect(await adapter.started.next() == "get-reservation r1")
            input.yield(get("second"))
            input.yield(Self.notFoundProbe)
            #expect(try await self.answer(answers).id?.text == "probe")
            #expect(adapter.calls == ["get-reservation r1", "get-reservation other"], "second waits for first")

            // The second call will return at once; the first hangs until the deadline cancels it.
            adapter.unhang("get-reservation r1")
            clock.advance(by: Self.timeout)
            let first = try await self.answer(answers)
            #expect(first.id?.text == "first")
            #expect(first.error?.errorType == .unexpectedError)
            let second = try await self.answer(answers)
            #expect(second.id?.text == "second")
            #expect(second.error?.errorType == .notFound)
        }
        #expect(adapter.calls == ["get-reservation r1", "get-reservation other", "get-reservation r1"])
    }

    @Test func aRepeatInsideTheReplayWindowIsReplayedAndAfterItRunsAgain() async throws {
        let adapter = TestAdapter()
        let clock = ManualClock()
        let window = Dispatcher<ManualClock>.Configuration().replayWindow
        try await self.withDispatcher(adapter, clock: clock) { input, answers in
            input.yield(frame(id: "same", method: "SearchTablesV1"))
            let first = try await self.answer(answers)

            clock.advance(by: window - .seconds(1))
            input.yield(frame(id: "same", method: "SearchTablesV1"))
            #expect(try await self.answer(answers) == first)
            #expect(adapter.calls == ["search-tables"], "replayed, not run again")

            clock.advance(by: .seconds(2))
            input.yield(frame(id: "same", method: "SearchTablesV1"))
            #expect(try await self.answer(answers).id?.text == "same")
            #expect(adapter.calls == ["search-tables", "search-tables"], "the window has passed: a new request")
        }
    }
}
