import AgentSupport
import DojoProtocol

/// Runs requests about the same entity in arrival order, and unrelated requests concurrently.
///
/// The rule (Docs/protocol.md §6): two requests are serialised when their entity-key sets intersect. On arrival
/// (called in frame order, from the one reader), a request takes the current tail of each of its keys and becomes
/// the new tail of those keys; it then waits for every tail it took. A request only ever waits for requests that
/// arrived before it, so no cycle (no deadlock) can form, and an update can never overtake its create.
final class EntitySequencer: Sendable {
    /// One request's place in the order.
    struct Ticket: Sendable {
        fileprivate let predecessors: [Completion]
        fileprivate let done: Completion
        fileprivate let keys: [EntityKey]

        /// Waits until every earlier request sharing a key has finished.
        func waitForTurn() async {
            for predecessor in self.predecessors { await predecessor.wait() }
        }
    }

    private let tails = PThreadLock([EntityKey: Completion]())

    /// Registers a request; must be called in arrival order.
    func arrive(keys: [EntityKey]) -> Ticket {
        let done = Completion()
        let predecessors: [Completion] = self.tails.withLock { tails in
            var predecessors: [Completion] = []
            for key in keys {
                if let tail = tails[key], !predecessors.contains(where: { $0 === tail }) { predecessors.append(tail) }
                tails[key] = done
            }
            return predecessors
        }
        return Ticket(predecessors: predecessors, done: done, keys: keys)
    }

    /// Marks the request finished, releasing its successors.
    func finish(_ ticket: Ticket) {
        self.tails.withLock { tails in
            // Forget keys nobody queued behind, so the map holds only entities with work in flight.
            for key in ticket.keys where tails[key] === ticket.done { tails[key] = nil }
        }
        ticket.done.complete()
    }

    /// Entities with requests in flight (for tests and status).
    var activeKeyCount: Int { self.tails.withLock { $0.count } }
}
