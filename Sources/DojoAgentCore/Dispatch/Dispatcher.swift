import AgentSupport
import DojoAdapter
import DojoProtocol
import Logging

/// Serves the JSON-RPC requests Dojo sends over one session: decodes each frame, runs requests concurrently but
/// in arrival order per entity, calls the adapter within a deadline, and answers every request exactly once.
///
/// Invariants:
/// - Bad input never ends the session: a frame that is not JSON, a bad envelope, an unknown method or invalid
///   params gets an `InvalidRequest` reply naming the field and the reason (when an id can be recovered) and a
///   log line; the reader moves on.
/// - Requests whose entity keys intersect run in arrival order (`EntitySequencer`); at most `maxInFlight` run at
///   once — beyond that the reader stops reading and the transport's flow control pushes back on Dojo.
/// - Dojo hears back within `requestTimeout`: a slower adapter call is answered with `UnexpectedError` at the
///   deadline (and logged as slow) and cancelled; the entity stays locked until the adapter returns, so order
///   still holds. (An embedded adapter that ignores cancellation keeps its entity locked: a vendor bug the log
///   names. The process adapter kills and restarts a hung process, which fails the call.)
/// - A repeated JSON-RPC id within the replay window is answered with the stored response, never run twice. A
///   request interrupted because its session ended before the POS answered stores nothing: its retry runs again.
/// - A repeated `CreateReservationV1`/`CreatePartyV1` (same Dojo id) returns the entity already created
///   (`AgentStore`), and a Dojo event id already handled is acknowledged without calling the adapter again.
/// - Vendor error details never reach Dojo (`DojoError.from`); they go to the local log.
final class Dispatcher<C: Clock>: Sendable where C.Duration == Duration {
    /// Limits (from `[session]`).
    public struct Configuration: Sendable {
        public var requestTimeout: Duration = .seconds(10)
        public var maxInFlight = 32
        public var replayWindow: Duration = .seconds(600)
        /// Where each answered request is counted (`status`, metrics); nil counts nothing.
        public var statistics: RequestStatistics?

        public init() {}
    }

    let adapter: any POSAdapter
    let store: AgentStore
    let configuration: Configuration
    let clock: C
    let logger: Logger
    private let replay: ReplayCache<C.Instant>
    private let sequencer = EntitySequencer()

    init(adapter: any POSAdapter, store: AgentStore, configuration: Configuration, clock: C, logger: Logger) {
        self.adapter = adapter
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.replay = ReplayCache(window: configuration.replayWindow)
    }

    /// Reads frames until `frames` ends, handling each; returns once every request read has been answered (or
    /// could not be, because the connection is gone).
    /// - Parameters:
    ///   - frames: the text frames from Dojo, in arrival order.
    ///   - executor: where the reading, the requests and the adapter calls run: the connection's own service
    ///     thread (`WebSocketConnection.executor`), so a request is read, served and answered without a hand-off
    ///     to another thread. Nil: the global concurrent executor.
    ///   - send: writes one response frame, JSON text as UTF-8 bytes (valid UTF-8: written by `JSONWriter`, never
    ///     turned into a `String` and back); it may throw when the connection has ended.
    func serve<Frames: AsyncSequence>(
        frames: Frames,
        executor: (any TaskExecutor)? = nil,
        send: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws where Frames.Element == String {
        try await withTaskExecutorPreference(executor) {
            try await self.serve(frames: frames, preferring: executor, send: send)
        }
    }

    private func serve<Frames: AsyncSequence>(
        frames: Frames,
        preferring executor: (any TaskExecutor)?,
        send: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws where Frames.Element == String {
        // One sweeper serves every deadline of this session (no timer per request); it stops with the session.
        let deadlines = DeadlineQueue(clock: self.clock)
        let requests = InFlightRequests(limit: self.configuration.maxInFlight)
        try await withThrowingTaskGroup(of: Void.self) { session in
            session.addTask { await deadlines.run() }
            defer { session.cancelAll() }
            do {
                try await withTaskCancellationHandler {
                    for try await frame in frames {
                        let request: Admitted
                        switch self.admit(frame: frame) {
                        case .request(let admitted):
                            request = admitted
                        case .reply(let reply):
                            await self.deliver(reply, send: send, logger: RequestLog(base: self.logger))
                            continue
                        case .ignore:
                            continue
                        }
                        await requests.waitForSlot()
                        requests.start(executor: executor) { handle in
                            await self.process(request, handle: handle, deadlines: deadlines, send: send)
                        }
                    }
                } onCancel: {
                    requests.cancelAll()
                }
            } catch {
                // The frames ended in an error (the connection is gone): nobody can be answered any more.
                requests.cancelAll()
                await requests.waitUntilEmpty()
                throw error
            }
            await requests.waitUntilEmpty()
        }
    }

    /// A request accepted for processing, with its place in the per-entity order.
    struct Admitted: Sendable {
        var rpc: RPCRequest
        var decoded: Result<DojoRequest, DojoProtocolError>
        var ticket: EntitySequencer.Ticket
        var arrived: C.Instant
    }

    private enum Admission {
        case request(Admitted)
        case reply([UInt8])
        case ignore
    }

    /// Classifies one frame on the reader (in arrival order): a request to run concurrently, an immediate error
    /// reply (an unreadable frame whose id could be recovered), or nothing to answer.
    private func admit(frame: String) -> Admission {
        switch IncomingMessage(frame: frame) {
        case .request(let rpc):
            let decoded: Result<DojoRequest, DojoProtocolError>
            do {
                decoded = .success(try DojoRequest(method: rpc.method, params: rpc.params))
            } catch {
                decoded = .failure(error)
            }
            let keys = (try? decoded.get())?.entityKeys ?? []
            return .request(
                Admitted(rpc: rpc, decoded: decoded, ticket: self.sequencer.arrive(keys: keys), arrived: self.clock.now)
            )
        case .notification(let notification):
            self.logger.warning(
                "ignored a JSON-RPC notification from Dojo (no id, so nothing to answer)",
                metadata: ["rpc.method": .quoted(notification.method)]
            )
            return .ignore
        case .invalid(let invalid):
            self.logger.warning(
                "unreadable frame from Dojo",
                metadata: ["rpc.id": invalid.id.map { .quoted($0.text) } ?? "none", "reason": .quoted(invalid.reason)]
            )
            // The frame itself is a payload (it may carry a guest's details): at trace only.
            self.logger.trace("unreadable frame's text", metadata: ["frame.excerpt": .quoted(frame)])
            // Only answer when the id could be recovered: an `"id": null` reply correlates with nothing.
            return invalid.id == nil ? .ignore : .reply(invalid.response.encodedBytes())
        }
    }

    private func process(
        _ admitted: Admitted,
        handle: InFlightRequests.Handle,
        deadlines: DeadlineQueue<C>,
        send: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async {
        let rpc = admitted.rpc
        let logger = RequestLog(base: self.logger, id: rpc.id.text, method: rpc.method)

        var ticket = admitted.ticket
        lookingUp: while true {
            let (lookup, mismatch) = self.replay.begin(id: rpc.id.text, method: rpc.method, now: self.clock.now)
            if mismatch {
                logger.log(.warning, "Dojo reused a JSON-RPC id for a different method; handling it as a new request")
            }
            switch lookup {
            case .answered(let stored):
                self.sequencer.finish(ticket)
                logger.log(
                    .info,
                    "repeated request answered from the stored response",
                    metadata: ["outcome": "replayed"]
                )
                await self.deliver(stored, send: send, logger: logger)
                return
            case .inFlight(let signal):
                self.sequencer.finish(ticket)
                await signal.wait()
                if let stored = self.replay.storedResponse(for: rpc.id.text) {
                    logger.log(
                        .info,
                        "repeated request answered with the first one's response",
                        metadata: ["outcome": "replayed"]
                    )
                    await self.deliver(stored, send: send, logger: logger)
                    return
                }
                // The first one was abandoned (its connection ended before the POS answered): this one runs it,
                // after whatever arrived for its entities meanwhile.
                ticket = self.sequencer.arrive(keys: (try? admitted.decoded.get())?.entityKeys ?? [])
            case .new:
                break lookingUp
            }
        }

        await ticket.waitForTurn()
        // The connection ended (or the agent is stopping) before the POS answered: nobody can be answered and there
        // is no true answer to keep, so the id is forgotten and Dojo's retry runs the request again, instead of
        // being replayed an "internal error" for a call that was only interrupted.
        let abandon: @Sendable () -> Void = {
            guard handle.claimAnswer() else { return }
            self.replay.abandon(id: rpc.id.text)
            logger.log(
                .warning,
                "request abandoned: the session ended before the POS answered; Dojo's retry will run it again",
                metadata: ["outcome": "abandoned"]
            )
        }
        // Returns false when the request had already been answered (the deadline or the call came first).
        let respond: @Sendable (ResponseFrame, String) async -> Bool = { frame, outcome in
            guard handle.claimAnswer() else { return false }
            let encoded = frame.encodedBytes()
            self.replay.complete(id: rpc.id.text, method: rpc.method, response: encoded, now: self.clock.now)
            let elapsed = admitted.arrived.duration(to: self.clock.now)
            self.configuration.statistics?.record(method: rpc.method, outcome: outcome, duration: elapsed)
            logger.log(
                .info,
                "request handled",
                metadata: [
                    "entity": .quoted((try? admitted.decoded.get())?.entityKeys.first.map { "\($0)" } ?? "-"),
                    "outcome": "\(outcome)", "duration_ms": "\(milliseconds(elapsed))",
                ]
            )
            await self.deliver(encoded, send: send, logger: logger)
            return true
        }

        switch admitted.decoded {
        case .failure(let error):
            if error.code == .unknownMethod {
                logger.log(
                    .error,
                    "Dojo sent a method this agent does not implement; it should only route registered capabilities",
                    metadata: ["reason": .quoted(error.message)]
                )
            } else {
                logger.log(.warning, "invalid request from Dojo", metadata: ["reason": .quoted(error.message)])
            }
            let mapped = DojoError.from(error)
            _ = await respond(
                .failure(mapped.wireError, id: rpc.id, method: rpc.method),
                "\(mapped.wireError.errorType)"
            )
        case .success(let request):
            await self.run(
                request,
                rpc: rpc,
                logger: logger,
                handle: handle,
                deadlines: deadlines,
                respond: respond,
                abandon: abandon
            )
        }
        self.sequencer.finish(ticket)
    }

    /// Calls the adapter, racing the deadline. Returns only when the adapter call has returned (so the entity's
    /// order holds), but answers Dojo at the deadline if the adapter is slower: the session's `DeadlineQueue`
    /// answers `UnexpectedError` and cancels the request's task, which the adapter sees as cancellation.
    private func run(
        _ request: DojoRequest,
        rpc: RPCRequest,
        logger: RequestLog,
        handle: InFlightRequests.Handle,
        deadlines: DeadlineQueue<C>,
        respond: @escaping @Sendable (ResponseFrame, String) async -> Bool,
        abandon: @escaping @Sendable () -> Void
    ) async {
        let context = RequestContext(requestID: rpc.id, request: request)
        let timeout = self.configuration.requestTimeout
        let started = self.clock.now
        let deadline = deadlines.add(deadline: started.advanced(by: timeout)) {
            logger.log(
                .warning,
                "adapter call is slow: answered Dojo with UnexpectedError at the deadline",
                metadata: ["timeout": "\(timeout)"]
            )
            let answered = await respond(
                .failure(
                    DojoError(errorType: .unexpectedError, debugMessage: "the POS did not answer within \(timeout)"),
                    id: rpc.id,
                    method: rpc.method
                ),
                "timeout"
            )
            // Ask the adapter to stop (cooperative adapters return promptly); the entity stays ordered until it has
            // returned. Not when the call answered first: that would cancel the sending of its answer.
            if answered { handle.cancel() }
        }
        let frame: ResponseFrame
        let outcome: String
        do {
            let result = try await self.call(request, context: context, logger: logger)
            frame = .success(result, id: rpc.id, method: rpc.method)
            outcome = "ok"
        } catch let error where Task.isCancelled || error is CancellationError {
            // The agent cancelled the call (the link dropped, the agent is stopping, the deadline passed): the
            // adapter did not fail, so no "adapter call failed". Left unanswered (abandon logs it), Dojo's retry
            // runs it.
            abandon()
            self.finishDeadline(deadline, in: deadlines, started: started, logger: logger)
            return
        } catch {
            let mapped = DojoError.from(error)
            if let detail = mapped.localDetail {
                logger.log(.error, "adapter call failed", metadata: ["error": .quoted(detail)])
            }
            frame = .failure(mapped.wireError, id: rpc.id, method: rpc.method)
            outcome = "\(mapped.wireError.errorType)"
        }
        // The deadline's entry goes before the answer is sent, so a deadline passing during the send cannot cancel
        // it (and the answer is claimed first in any case).
        self.finishDeadline(deadline, in: deadlines, started: started, logger: logger)
        _ = await respond(frame, outcome)
    }

    private func finishDeadline(
        _ deadline: DeadlineQueue<C>.Token,
        in deadlines: DeadlineQueue<C>,
        started: C.Instant,
        logger: RequestLog
    ) {
        if !deadlines.remove(deadline) {
            logger.log(
                .warning,
                "slow adapter call finished after the deadline",
                metadata: ["duration_ms": "\(milliseconds(started.duration(to: self.clock.now)))"]
            )
        }
    }

    /// The adapter call, with the agent's own idempotency for creates and Dojo events.
    private func call(_ request: DojoRequest, context: RequestContext, logger: RequestLog) async throws -> DojoResult {
        switch request {
        case .createReservation(let create):
            return try await self.createOnce(
                .reservation,
                dojoID: create.dojoReservationID,
                request: request,
                context: context,
                logger: logger,
                fetch: { posID in
                    guard self.adapter.capabilities.contains(.getReservationByID) else { return nil }
                    return try await .reservation(
                        self.adapter.getReservation(
                            GetReservationByIDRequest(reservationID: posID, headers: create.headers),
                            context: context
                        )
                    )
                }
            )
        case .createParty(let create):
            return try await self.createOnce(
                .party,
                dojoID: create.dojoPartyID,
                request: request,
                context: context,
                logger: logger,
                fetch: { posID in
                    guard self.adapter.capabilities.contains(.getPartyByID) else { return nil }
                    return try await .party(
                        self.adapter.getParty(
                            GetPartyByIDRequest(partyID: posID, headers: create.headers),
                            context: context
                        )
                    )
                }
            )
        case .handleEvent(let event):
            if try await self.store.hasHandledEvent(id: event.id) {
                logger.log(
                    .info,
                    "Dojo event already handled; acknowledged again",
                    metadata: ["event.id": .quoted(event.id)]
                )
                return .empty
            }
            let result = try await self.adapter.respond(to: request, context: context)
            try await self.store.recordHandledEvent(id: event.id)
            return result
        default:
            return try await self.adapter.respond(to: request, context: context)
        }
    }

    /// Creates an entity once per Dojo id: a repeat returns the entity already created (fetched fresh when the
    /// adapter can, else the stored result); if the POS has since deleted it, it is created again.
    private func createOnce(
        _ kind: AgentStore.EntityKind,
        dojoID: String,
        request: DojoRequest,
        context: RequestContext,
        logger: RequestLog,
        fetch: (String) async throws -> DojoResult?
    ) async throws -> DojoResult {
        if let existing = try await self.store.mapping(kind, dojoID: dojoID) {
            do {
                let current = try await fetch(existing.posID)
                let result = try current ?? DojoResult(json: JSONValue(parsing: existing.result), for: request.method)
                logger.log(
                    .info,
                    "repeated create: returning the entity already created",
                    metadata: ["dojo.id": .quoted(dojoID), "pos.id": .quoted(existing.posID)]
                )
                return result
            } catch let error as AdapterError where error.code.errorType == .notFound {
                logger.log(.info, "repeated create of an entity the POS has deleted: creating it again")
            }
        }
        let result = try await self.adapter.respond(to: request, context: context)
        let posID: String? =
            switch result {
            case .reservation(let reservation): reservation.id
            case .party(let party): party.id
            default: nil
            }
        if let posID {
            try await self.store.recordMapping(
                kind,
                dojoID: dojoID,
                mapping: AgentStore.Mapping(posID: posID, result: result.jsonValue.serialized())
            )
        }
        return result
    }

    private func deliver(_ frame: [UInt8], send: @Sendable ([UInt8]) async throws -> Void, logger: RequestLog) async {
        do {
            try await send(frame)
        } catch {
            logger.log(
                .warning,
                "could not send the response: the connection ended; Dojo will see no answer",
                metadata: ["error": .quoted(describing: error)]
            )
        }
    }
}

private func milliseconds(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
}
