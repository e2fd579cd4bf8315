public import DojoProtocol
import Foundation
import Logging
import NIOConcurrencyHelpers

/// Options of one request sent to the agent.
public struct CallOptions: Sendable {
    /// How long to wait for the answer; nil uses the simulator's `requestTimeout`.
    public var timeout: Duration?
    /// The JSON-RPC id; nil generates a fresh one (a UUID, as Dojo's look).
    public var id: RequestID?
    /// Send the same frame this many times with the same id (a duplicate-id fault). Answers are collected for
    /// ``duplicateWindow`` after the first.
    public var copies = 1
    /// How long to keep collecting answers to a duplicated id after the first one arrived.
    public var duplicateWindow: Duration = .milliseconds(500)
    /// Drop the connection right after sending: the request is in flight when the line goes (no answer).
    public var dropAfterSending = false

    /// The defaults: one copy, a fresh id, the simulator's timeout.
    public init() {}
}

extension DojoSimulator {
    /// Sends `request` to the connected agent and returns its answer.
    ///
    /// Waits up to the request timeout for a session if none is connected. Many calls may run concurrently on
    /// one session; answers are matched by id.
    ///
    /// - Throws: ``SimulatorError`` (`timedOut`, `notConnected`, `connectionLost`).
    public func call(_ request: DojoRequest, timeout: Duration? = nil) async throws -> ResponseFrame {
        var options = CallOptions()
        options.timeout = timeout
        let exchange = try await self.exchange(request, options: options)
        guard let response = exchange.response else {
            throw SimulatorError(.connectionLost, "no answer to \(exchange.id.text)")
        }
        return response
    }

    /// Sends `request` and returns the whole exchange: id, frame, every answer, latency.
    ///
    /// - Throws: ``SimulatorError`` (`timedOut`, `notConnected`, `connectionLost`).
    public func exchange(_ request: DojoRequest, options: CallOptions = .init()) async throws -> Exchange {
        let id = options.id ?? Self.makeRequestID()
        return try await self.exchange(
            frame: request.requestFrame(id: id),
            id: id,
            method: request.method.wireName,
            request: request,
            options: options
        )
    }

    /// Sends `requests` back to back on one session, in order and without waiting for answers, then collects
    /// every answer: how Dojo would fire several changes to one entity at once.
    ///
    /// - Returns: one result per request, in the order given.
    public func exchangeConcurrently(
        _ requests: [DojoRequest],
        timeout: Duration? = nil
    ) async throws -> [Result<Exchange, SimulatorError>] {
        let timeout = timeout ?? configuration.requestTimeout
        let session = try await self.awaitSession(timeout: timeout)
        try await self.pauseBeforeSending()
        var sent: [(id: RequestID, request: DojoRequest, frame: String, start: ContinuousClock.Instant)] = []
        for request in requests {
            let id = Self.makeRequestID()
            let frame = request.requestFrame(id: id)
            let start = ContinuousClock.now
            try await session.send(frame: frame, id: id, method: request.method.wireName)
            sent.append((id, request, frame, start))
        }
        return await withTaskGroup(of: (Int, Result<Exchange, SimulatorError>).self) { group in
            for (offset, entry) in sent.enumerated() {
                group.addTask {
                    do {
                        let responses = try await session.awaitResponses(to: entry.id, count: 1, timeout: timeout)
                        let exchange = Exchange(
                            id: entry.id,
                            request: entry.request,
                            frame: entry.frame,
                            responses: responses,
                            latency: ContinuousClock.now - entry.start,
                            session: session.number
                        )
                        return (offset, .success(exchange))
                    } catch let error as SimulatorError {
                        return (offset, .failure(error))
                    } catch {
                        return (offset, .failure(SimulatorError(.connectionLost, "\(error)")))
                    }
                }
            }
            var results = [Result<Exchange, SimulatorError>?](repeating: nil, count: sent.count)
            for await (offset, result) in group { results[offset] = result }
            return results.map { $0! }
        }
    }

    /// Sends a raw frame (malformed on purpose, or hand-written).
    ///
    /// If an id can be read from the frame, waits for the answer to it and returns the exchange; otherwise
    /// returns nil once the frame is sent, and allows one `"id": null` error answer to arrive.
    ///
    /// - Throws: ``SimulatorError`` (`timedOut`, `notConnected`, `connectionLost`).
    @discardableResult
    public func send(frame: String, timeout: Duration? = nil) async throws -> Exchange? {
        let id: RequestID?
        let method: String?
        switch IncomingMessage(frame: frame) {
        case .request(let request):
            id = request.id
            method = request.method
        case .invalid(let invalid):
            id = invalid.id
            method = invalid.method
        case .notification:
            id = nil
            method = nil
        }
        var options = CallOptions()
        options.timeout = timeout
        guard let id else {
            let session = try await self.awaitSession(timeout: timeout)
            self.state.withLockedValue { $0.malformedWithoutID += 1 }
            try await session.send(frame: frame, id: nil, method: nil)
            return nil
        }
        return try await self.exchange(frame: frame, id: id, method: method, request: nil, options: options)
    }

    /// Frames Dojo should never send, for `malformedOnConnect`: each must leave the session up.
    static let malformedFrames: [String] = [
        "this is not JSON",
        #"{"jsonrpc":"2.0","id":"sim-malformed-1","method":"CreateReservationV1","params":{"name":42}}"#,
        #"{"jsonrpc":"2.0","id":"sim-malformed-2","method":"NoSuchMethodV1","params":{"headers":{}}}"#,
        #"[{"jsonrpc":"2.0","id":"sim-malformed-3","method":"ListAreasV1"}]"#,
    ]

    func sendMalformedFrames(on session: SimulatorSession) async {
        for frame in Self.malformedFrames {
            do {
                try await self.send(frame: frame)
            } catch {
                self.record(
                    SimulatorFailure(session: session.number, message: "malformed frame not answered: \(error)")
                )
            }
        }
    }

    /// A fresh request id, shaped like Dojo's (a lower-case UUID).
    static func makeRequestID() -> RequestID {
        RequestID(UUID().uuidString.lowercased())
    }

    private func pauseBeforeSending() async throws {
        let delay = self.state.withLockedValue { $0.faults.requestDelay }
        if delay > .zero { try await Task.sleep(for: delay) }
    }

    private func exchange(
        frame: String,
        id: RequestID,
        method: String?,
        request: DojoRequest?,
        options: CallOptions
    ) async throws -> Exchange {
        let timeout = options.timeout ?? configuration.requestTimeout
        let session = try await self.awaitSession(timeout: timeout)
        try await self.pauseBeforeSending()
        let (duplicate, dropNow) = self.state.withLockedValue { state -> (Bool, Bool) in
            // Raw frames (malformed on purpose) are not counted: the drop fault targets Dojo's real requests.
            guard request != nil else { return (false, false) }
            state.requestsSent += 1
            let drop = state.faults.dropDuringRequest == state.requestsSent
            if drop { state.faults.dropDuringRequest = nil }
            return (state.faults.duplicateRequests, drop)
        }
        let copies = max(options.copies, duplicate ? 2 : 1)
        let start = ContinuousClock.now
        for _ in 0..<copies {
            try await session.send(frame: frame, id: id, method: method)
        }
        if options.dropAfterSending || dropNow {
            await session.drop()
            return Exchange(
                id: id,
                request: request,
                frame: frame,
                responses: [],
                latency: .zero,
                session: session.number
            )
        }
        var responses = try await session.awaitResponses(to: id, count: 1, timeout: timeout)
        let latency = ContinuousClock.now - start
        if copies > 1 {
            responses = try await session.awaitResponses(to: id, count: copies, timeout: options.duplicateWindow)
            if duplicate, options.copies == 1, responses.count > 1, Set(responses).count > 1 {
                self.record(
                    SimulatorFailure(
                        session: session.number,
                        message: "the agent answered the two copies of \(id.text) differently"
                    )
                )
            }
        }
        return Exchange(
            id: id,
            request: request,
            frame: frame,
            responses: responses,
            latency: latency,
            session: session.number
        )
    }
}
