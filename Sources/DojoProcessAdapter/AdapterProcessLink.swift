import AgentSupport
import DojoProtocol

/// The agent's side of one running adapter process: its pending requests, the lines queued for its stdin, and the
/// channel through which requests tell the supervisor the process looks hung.
///
/// Invariants:
/// - A request id is allocated once per link and never reused; a response is delivered to at most one waiter.
/// - Every registered request is resumed exactly once: by its response, by its own cancellation, or by ``close``.
/// - After ``close`` no request registers, so nothing can wait on a dead process.
final class AdapterProcessLink: Sendable {
    /// What a call sees: the process's answer (a result or its error), or a thrown local failure.
    typealias Answer = ProcessMessage.Outcome

    /// Something the supervisor of this process must act on.
    enum ControlEvent: Sendable {
        /// A request (or a health ping) got no answer within its timeout.
        case hung(method: String, after: Duration)
        /// The agent is shutting down: say `shutdown`, close stdin, let the process exit.
        case shutdownRequested
        /// `initialize` ended: ready (`failure` nil), or unusable for this reason.
        case initializeFinished(failure: String?)
        /// The watchdog's liveness probe: the supervisor calls `answer` when it takes the event in turn.
        case probe(@Sendable () -> Void)
    }

    private struct Pending {
        var method: String
        var continuation: CheckedContinuation<Answer, any Error>
    }

    private struct State {
        var nextID: Int64 = 1
        var pending: [Int64: Pending] = [:]
        /// Requests cancelled before they registered (the cancellation handler ran first).
        var cancelledEarly: Set<Int64> = []
        /// Set once the process is gone (or going): new calls fail with it.
        var closedError: ProcessAdapterError?
        /// Set once stdin has been closed for shutdown: new calls fail.
        var inputClosed = false
    }

    /// The process's number since the adapter started (1 for the first process).
    let incarnation: Int
    /// Lines to write to the process's stdin, in order.
    let outgoingLines: AsyncStream<[UInt8]>
    /// Events for the supervisor.
    let controlEvents: AsyncStream<ControlEvent>

    private let outgoing: AsyncStream<[UInt8]>.Continuation
    private let control: AsyncStream<ControlEvent>.Continuation
    private let state = PThreadLock(State())

    init(incarnation: Int) {
        self.incarnation = incarnation
        (self.outgoingLines, self.outgoing) = AsyncStream.makeStream(of: [UInt8].self)
        (self.controlEvents, self.control) = AsyncStream.makeStream(of: ControlEvent.self)
    }

    /// Sends a request and waits for its answer, at most `timeout`.
    ///
    /// - Throws: ``ProcessAdapterError`` `.hung` after `timeout` (and reports ``ControlEvent/hung(method:after:)``),
    ///   the link's closing error if the process goes away first, or `CancellationError`.
    func call(
        _ method: String,
        params: JSONValue?,
        timeout: Duration,
        clock: any Clock<Duration>
    ) async throws -> Answer {
        let id = try allocateID()
        do {
            return try await withThrowingTaskGroup(of: Answer.self) { group in
                group.addTask { try await self.send(id: id, method: method, params: params) }
                group.addTask {
                    try await clock.sleep(for: timeout)
                    throw TimedOut()
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch is TimedOut {
            control.yield(.hung(method: method, after: timeout))
            throw ProcessAdapterError(
                .hung,
                "\(method) got no answer within \(formatDuration(timeout)); restarting the adapter process"
            )
        }
    }

    private struct TimedOut: Error {}

    private func allocateID() throws -> Int64 {
        try state.withLock { state in
            if let error = state.closedError { throw error }
            if state.inputClosed {
                throw ProcessAdapterError(.shuttingDown, "the adapter process is shutting down")
            }
            defer { state.nextID += 1 }
            return state.nextID
        }
    }

    private func send(id: Int64, method: String, params: JSONValue?) async throws -> Answer {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Answer, any Error>) in
                let refusal: (any Error)? = state.withLock { state in
                    if state.cancelledEarly.remove(id) != nil { return CancellationError() }
                    if let error = state.closedError { return error }
                    state.pending[id] = Pending(method: method, continuation: continuation)
                    return nil
                }
                if let refusal {
                    continuation.resume(throwing: refusal)
                } else {
                    outgoing.yield(ProcessMessage.requestLine(id: id, method: method, params: params))
                }
            }
        } onCancel: {
            let pending: Pending? = state.withLock { state in
                guard let pending = state.pending.removeValue(forKey: id) else {
                    state.cancelledEarly.insert(id)
                    return nil
                }
                return pending
            }
            pending?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Hands the process's answer (or a failure to read it) to the request waiting for it; `false` if none is
    /// (it timed out or was cancelled, or the id was never sent).
    @discardableResult
    func resume(id: Int64, with outcome: Result<Answer, ProcessAdapterError>) -> Bool {
        let pending = state.withLock { $0.pending.removeValue(forKey: id) }
        guard let pending else { return false }
        pending.continuation.resume(with: outcome.mapError { $0 as any Error })
        return true
    }

    /// The method of the pending request `id`, if any.
    func method(ofPending id: Int64) -> String? {
        state.withLock { $0.pending[id]?.method }
    }

    /// Queues a line for the process's stdin (answers to the process's own requests).
    func write(_ line: [UInt8]) {
        outgoing.yield(line)
    }

    /// Tells the supervisor something.
    func report(_ event: ControlEvent) {
        control.yield(event)
    }

    /// Refuses new requests and ends the stdin stream once what is queued is written (shutdown).
    func closeInput() {
        state.withLock { $0.inputClosed = true }
        outgoing.finish()
    }

    /// The process is gone: fails every pending request with `error`, refuses new ones, ends both streams.
    ///
    /// - Returns: the methods of the requests that were pending, for the log.
    @discardableResult
    func close(with error: ProcessAdapterError) -> [(id: Int64, method: String)] {
        let failed: [(Int64, Pending)] = state.withLock { state in
            guard state.closedError == nil else { return [] }
            state.closedError = error
            defer { state.pending.removeAll() }
            return state.pending.sorted { $0.key < $1.key }
        }
        outgoing.finish()
        control.finish()
        for (_, pending) in failed {
            pending.continuation.resume(throwing: error)
        }
        return failed.map { (id: $0.0, method: $0.1.method) }
    }
}
