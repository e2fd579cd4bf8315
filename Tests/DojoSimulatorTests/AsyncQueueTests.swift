import DojoSimulator
import Testing

/// The queue every simulator wait goes through: a wait must end when its task is cancelled, or a deadline around
/// it (``withDeadline(_:waitingFor:_:)``) could never fire: the deadline's task group waits for its children.
@Suite(.timeLimit(.minutes(1)))
struct AsyncQueueTests {
    /// Whether the cancellation lands before or after the wait parks, the wait returns nil, and an element
    /// pushed afterwards is still there for the next consumer.
    @Test func aCancelledWaitEndsAndLosesNothing() async {
        let queue = AsyncQueue<Int>()
        let waiting = Task { await queue.next() }
        waiting.cancel()
        #expect(await waiting.value == nil)
        queue.push(7)
        #expect(await queue.next() == 7)
    }

    /// A wait already cancelled still takes an element that is there: nothing queued is dropped.
    @Test func aCancelledTaskStillTakesAQueuedElement() async {
        let queue = AsyncQueue<Int>()
        queue.push(3)
        let taken = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await queue.next()
        }
        #expect(await taken.value == 3)
    }

    /// The bench's and the chaos tool's bound on "the target connects": before waits were cancellable this hung.
    @Test func aDeadlineEndsAWaitOnAnEmptyQueue() async {
        let queue = AsyncQueue<Int>()
        await #expect(throws: SimulatorError.self) {
            try await withDeadline(.milliseconds(20), waitingFor: "an element") { await queue.next() }
        }
    }
}
