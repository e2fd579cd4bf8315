import NIOConcurrencyHelpers

/// An append-only, awaitable record: producers append from any thread; any number of tasks await the first
/// element (from some index on) that matches a predicate.
///
/// The simulator keeps everything it saw in journals (events, fetches, handshakes, responses), so tests and the
/// scenario runner await what happened instead of sleeping, and can still read the whole history afterwards.
public final class Journal<Element: Sendable>: Sendable {
    private struct Waiter {
        let from: Int
        let predicate: @Sendable (Element) -> Bool
        let continuation: CheckedContinuation<(index: Int, element: Element), any Error>
    }

    private struct State {
        var elements: [Element] = []
        var waiters: [UInt64: Waiter] = [:]
        var cancelledEarly: Set<UInt64> = []
        var nextWaiter: UInt64 = 0
        var finished: (any Error)?
    }

    private let state = NIOLockedValueBox(State())

    /// Creates an empty journal.
    public init() {}

    /// Every element so far, in order.
    public var all: [Element] { self.state.withLockedValue { $0.elements } }

    /// How many elements have been appended.
    public var count: Int { self.state.withLockedValue { $0.elements.count } }

    /// Appends an element and wakes every waiter it satisfies. Ignored once finished.
    public func append(_ element: Element) {
        let ready = self.state.withLockedValue { state -> [(Waiter, Int)] in
            guard state.finished == nil else { return [] }
            state.elements.append(element)
            let index = state.elements.count - 1
            var ready: [(Waiter, Int)] = []
            for (id, waiter) in state.waiters where waiter.from <= index && waiter.predicate(element) {
                state.waiters[id] = nil
                ready.append((waiter, index))
            }
            return ready
        }
        for (waiter, index) in ready { waiter.continuation.resume(returning: (index, element)) }
    }

    /// Ends the journal: current and future waiters that find nothing throw `error`.
    public func finish(throwing error: any Error) {
        let waiters = self.state.withLockedValue { state -> [Waiter] in
            guard state.finished == nil else { return [] }
            state.finished = error
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: error) }
    }

    /// The first element at `index` or later that matches `predicate`, waiting for one if needed.
    ///
    /// - Throws: `CancellationError` when the task is cancelled (a deadline), or the journal's finishing error.
    public func first(
        from index: Int = 0,
        where predicate: @escaping @Sendable (Element) -> Bool
    ) async throws -> (index: Int, element: Element) {
        let id = self.state.withLockedValue { state -> UInt64 in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let immediate = self.state.withLockedValue {
                    state -> Result<(index: Int, element: Element), any Error>? in
                    if index < state.elements.count {
                        for position in index..<state.elements.count where predicate(state.elements[position]) {
                            return .success((position, state.elements[position]))
                        }
                    }
                    if let error = state.finished { return .failure(error) }
                    if state.cancelledEarly.remove(id) != nil { return .failure(CancellationError()) }
                    state.waiters[id] = Waiter(from: index, predicate: predicate, continuation: continuation)
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = self.state.withLockedValue { state -> Waiter? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                // Cancelled before the waiter was registered: leave a mark so registration fails at once.
                state.cancelledEarly.insert(id)
                return nil
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }
}
