import AgentSupport
import DojoSimulator
import Testing

@testable import DojoAgentCore

/// The dispatcher's requests in flight: a task each, bounded, cancellable one by one or all together.
@Suite(.timeLimit(.minutes(1)))
struct InFlightRequestsTests {
    @Test func theReaderWaitsForASlotWhileTheLimitIsRunning() async {
        let requests = InFlightRequests(limit: 2)
        let events = AsyncQueue<String>()
        let gates = [Completion(), Completion()]
        for index in 0..<2 {
            requests.start(executor: nil) { _ in
                events.push("started \(index)")
                await gates[index].wait()
                events.push("finished \(index)")
            }
        }
        #expect(Set([await events.next(), await events.next()]) == ["started 0", "started 1"])
        let reader = Task {
            await requests.waitForSlot()
            events.push("slot")
        }
        gates[1].complete()
        // The slot opens only when a request has ended: "slot" can never come before "finished 1".
        #expect(await events.next() == "finished 1")
        #expect(await events.next() == "slot")
        await reader.value
        gates[0].complete()
        await requests.waitUntilEmpty()
        #expect(await events.next() == "finished 0")
    }

    @Test func cancelAllCancelsWhatRunsAndWhatStartsLater() async {
        let requests = InFlightRequests(limit: 4)
        let outcomes = AsyncQueue<Bool>()
        requests.start(executor: nil) { _ in
            try? await Task.sleep(for: .seconds(3600))
            outcomes.push(Task.isCancelled)
        }
        requests.cancelAll()
        #expect(await outcomes.next() == true)
        requests.start(executor: nil) { _ in outcomes.push(Task.isCancelled) }
        #expect(await outcomes.next() == true)
        await requests.waitUntilEmpty()
        // And a reader waiting for a slot is let go, so that it can stop reading.
        await requests.waitForSlot()
    }

    @Test func oneRequestIsCancelledAloneAndAnsweredOnce() async {
        let requests = InFlightRequests(limit: 4)
        let outcomes = AsyncQueue<String>()
        let neighbour = Completion()
        requests.start(executor: nil) { handle in
            #expect(handle.claimAnswer())
            #expect(!handle.claimAnswer(), "a request is answered exactly once")
            handle.cancel()
            outcomes.push("first cancelled: \(Task.isCancelled)")
        }
        #expect(await outcomes.next() == "first cancelled: true")
        requests.start(executor: nil) { _ in
            await neighbour.wait()
            outcomes.push("neighbour cancelled: \(Task.isCancelled)")
        }
        neighbour.complete()
        #expect(await outcomes.next() == "neighbour cancelled: false")
        await requests.waitUntilEmpty()
    }
}
