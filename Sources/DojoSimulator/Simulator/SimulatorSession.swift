public import DojoProtocol
import NIOConcurrencyHelpers

/// One WebSocket connection from the agent, as the simulator serves it: the requests sent on it, their
/// responses (correlated by id), and the controls to break it.
///
/// Every frame the agent sends is checked: it must be a JSON-RPC response to an id this session sent and has
/// not yet seen answered, with `jsonrpc: "2.0"` and the request's `method` echoed. Anything else is recorded as
/// a ``SimulatorFailure``.
public final class SimulatorSession: Sendable, CustomStringConvertible {
    /// Outstanding ids: the method sent, and how many answers are still allowed.
    private struct Outstanding {
        var method: String?
        var remaining: Int
    }

    private struct State {
        var outstanding: [String: Outstanding] = [:]
        var answered: Set<String> = []
        var abandoned: Set<String> = []
        var isOpen = true
        var framesReceived = 0
    }

    /// 1 for the first connection the simulator accepted, then 2, 3…
    public let number: Int
    /// The handshake that opened it (`Authorization` included: never print it).
    public let handshake: PeerHandshake
    let connection: PeerConnection
    /// Every accepted response on this session, in arrival order.
    public let responses = Journal<ResponseFrame>()
    private let state = NIOLockedValueBox(State())
    /// Signalled once `serve` has read the last frame and marked the session closed.
    private let ended = PeerSignal()
    private let report: @Sendable (SimulatorFailure) -> Void
    private let nullIDResponseAllowed: @Sendable () -> Bool

    init(
        number: Int,
        connection: PeerConnection,
        report: @escaping @Sendable (SimulatorFailure) -> Void,
        nullIDResponseAllowed: @escaping @Sendable () -> Bool
    ) {
        self.number = number
        self.handshake = connection.handshake
        self.connection = connection
        self.report = report
        self.nullIDResponseAllowed = nullIDResponseAllowed
    }

    /// Whether the connection is still open (as far as the simulator knows).
    public var isOpen: Bool { self.state.withLockedValue { $0.isOpen } }

    /// How many frames the agent sent on this session.
    public var framesReceived: Int { self.state.withLockedValue { $0.framesReceived } }

    /// `session 2`.
    public var description: String { "session \(number)" }

    // MARK: - Sending

    /// Registers `id` as sent (allowing `answers` responses), then writes `frame`.
    func send(frame: String, id: RequestID?, method: String?, answers: Int = 1) async throws {
        if let id {
            self.state.withLockedValue { state in
                var entry = state.outstanding[id.text] ?? Outstanding(method: method, remaining: 0)
                entry.remaining += answers
                state.outstanding[id.text] = entry
                state.answered.remove(id.text)
            }
        }
        do {
            try await self.connection.send(text: frame)
        } catch {
            throw SimulatorError(.connectionLost, "\(self) ended before the request could be sent")
        }
    }

    /// Waits for `count` responses to `id` (fewer if `timeout` passes first and at least one came); throws when
    /// none came in time or the session ended first.
    func awaitResponses(to id: RequestID, count: Int, timeout: Duration) async throws -> [ResponseFrame] {
        let collected = NIOLockedValueBox<[ResponseFrame]>([])
        let responses = self.responses
        do {
            try await withDeadline(timeout, waitingFor: "the response to \(id.text)") {
                var from = 0
                while collected.withLockedValue({ $0.count }) < count {
                    let found = try await responses.first(from: from) { $0.id == id }
                    collected.withLockedValue { $0.append(found.element) }
                    from = found.index + 1
                }
            }
        } catch let error as SimulatorError where error.code == .timedOut {
            let got = collected.withLockedValue { $0 }
            if got.isEmpty {
                self.abandon(id)
                throw error
            }
            self.abandon(id)
            return got
        } catch let error as SimulatorError where error.code == .connectionLost {
            let got = collected.withLockedValue { $0 }
            if !got.isEmpty { return got }
            throw SimulatorError(.connectionLost, "\(self) ended before \(id.text) was answered")
        }
        return collected.withLockedValue { $0 }
    }

    /// Stops expecting answers to `id`: a later one is tolerated (Dojo would ignore it) but not awaited.
    private func abandon(_ id: RequestID) {
        self.state.withLockedValue { state in
            state.outstanding[id.text] = nil
            state.abandoned.insert(id.text)
        }
    }

    // MARK: - Faults

    /// Closes the TCP connection without a close frame, as a crashed or cut-off Dojo would.
    public func drop() async {
        self.markClosed()
        await self.connection.drop()
    }

    /// Starts a close handshake with `code`.
    public func close(code: UInt16, reason: String = "") async throws {
        try await self.connection.close(code: code, reason: reason)
    }

    /// Stops answering the agent's pings (everything else still flows), so the agent's liveness check must
    /// notice and reconnect.
    public func stopAnsweringPings() {
        self.connection.ignorePings()
    }

    /// Becomes a black hole: nothing is read or answered, the TCP connection stays open.
    public func stopAnswering() {
        self.connection.stopAnswering()
    }

    /// Waits until the session has ended: its connection is gone and the simulator has read its last frame, so
    /// `isOpen` is false. (Waiting for the connection alone raced the session's reader, which marks it closed.)
    public func awaitEnd() async {
        await self.ended.wait()
    }

    /// Waits until the connection has ended; the close frame the agent sent, if it sent one.
    public func awaitCloseFrame() async -> PeerCloseFrame? {
        await self.connection.closeFrame()
    }

    // MARK: - Receiving

    /// Reads every frame until the connection ends; run by the simulator for each session.
    func serve() async {
        while let message = await self.connection.receive() {
            self.state.withLockedValue { $0.framesReceived += 1 }
            switch message {
            case .binary(let bytes):
                self.fail("the agent sent a binary message (\(bytes.count) bytes); Dojo speaks text frames only")
            case .text(let text):
                self.handle(text)
            }
        }
        self.markClosed()
        self.responses.finish(throwing: SimulatorError(.connectionLost, "\(self) ended"))
    }

    private func markClosed() {
        self.state.withLockedValue { $0.isOpen = false }
        self.ended.signal()
    }

    private func fail(_ message: String) {
        self.report(SimulatorFailure(session: self.number, message: message))
    }

    private func handle(_ text: String) {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: text)
        } catch {
            self.fail("the agent sent a frame that is not JSON (\(error.message)): \(excerpt(text))")
            return
        }
        if let object = document.objectValue, object["method"] != nil, object["result"] == nil,
            object["error"] == nil
        {
            let method = object["method"]?.stringValue ?? "?"
            self.fail("the agent sent a request (\(method)); Dojo only sends requests on this socket")
            return
        }
        let response: ResponseFrame
        do {
            response = try ResponseFrame(parsing: text)
        } catch {
            self.fail("the agent sent an invalid response (\(error.message)): \(excerpt(text))")
            return
        }
        if document["jsonrpc"]?.stringValue != "2.0" {
            self.fail("response \(response.id?.text ?? "null") lacks \"jsonrpc\": \"2.0\"")
        }
        guard let id = response.id else {
            if !self.nullIDResponseAllowed() {
                self.fail("the agent sent an error with \"id\": null without having received a malformed frame")
            }
            self.responses.append(response)
            return
        }
        enum Verdict {
            case expected(method: String?)
            case late
            case duplicate
            case unknown
        }
        let verdict = self.state.withLockedValue { state -> Verdict in
            if var entry = state.outstanding[id.text] {
                entry.remaining -= 1
                state.outstanding[id.text] = entry.remaining > 0 ? entry : nil
                state.answered.insert(id.text)
                return .expected(method: entry.method)
            }
            if state.abandoned.contains(id.text) { return .late }
            if state.answered.contains(id.text) { return .duplicate }
            return .unknown
        }
        switch verdict {
        case .expected(let method):
            if let method, response.method != method {
                let echoed = response.method.map { "\"\($0)\"" } ?? "no method"
                self.fail("response \(id.text) echoes \(echoed); Dojo's schema requires \"method\": \"\(method)\"")
            }
            self.responses.append(response)
        case .late:
            // Dojo gave up waiting; the answer is not an error of the agent's, only late.
            break
        case .duplicate:
            self.fail("the agent answered \(id.text) more than once")
        case .unknown:
            self.fail("response with unknown id \(id.text) (never sent on this session)")
        }
    }
}

/// The first 120 characters of a frame, for failure messages.
func excerpt(_ text: String) -> String {
    let limit = 120
    return text.count <= limit ? text : String(text.prefix(limit)) + "…"
}
