public import DojoProtocol

/// A WebSocket handshake the simulator received, with its verdict. Secrets are never kept: the
/// `Authorization` header is reduced to whether it matched.
public struct HandshakeRecord: Sendable, Hashable {
    /// The verdict on a handshake.
    public enum Outcome: Sendable, Hashable {
        /// Upgraded to a WebSocket session.
        case accepted
        /// Refused with this HTTP status; `reason` says why (a fault, a bad path, bad credentials).
        case rejected(status: Int, reason: String)
    }

    /// The request target.
    public var path: String
    /// The `software-house-id` header, if sent.
    public var softwareHouseID: String?
    /// The `reseller-id` header, if sent.
    public var resellerID: String?
    /// Whether `Authorization` was exactly `Basic <configured key>`.
    public var authorizationMatched: Bool
    /// The verdict.
    public var outcome: Outcome

    /// Whether the handshake was refused.
    public var isRejected: Bool {
        if case .rejected = outcome { return true }
        return false
    }
}

/// One `POST /epos/events` the simulator received, and what it answered.
public struct RecordedEvent: Sendable, Hashable, CustomStringConvertible {
    /// The decoded event; nil when the body was invalid.
    public var event: PosEvent?
    /// The body as received.
    public var body: String
    /// The HTTP status the simulator answered.
    public var status: Int
    /// Why the request was refused by validation (`nil` when it was valid, including injected failures).
    public var problem: String?
    /// Whether the status came from an injected fault (500, 429, 400 on purpose).
    public var injected: Bool
    /// The `version` header, if sent.
    public var version: String?

    /// Whether the simulator accepted the event (answered 2xx).
    public var isAccepted: Bool { (200..<300).contains(status) }

    /// `PartyUpdated(p-1) → 200`.
    public var description: String {
        "\(event?.description ?? "invalid event") → \(status)\(injected ? " (injected)" : "")"
    }
}

/// What the simulator did after accepting a POS event: fetched the entity back over the socket, as Dojo does.
public struct FetchRecord: Sendable, Hashable, CustomStringConvertible {
    /// The result of the fetch.
    public enum Outcome: Sendable, Hashable {
        /// The POS returned the entity.
        case entity(DojoResult)
        /// The POS answered `NotFound`: Dojo records the entity as deleted.
        case deleted
        /// Anything else: another error type, an invalid result, no answer, no session.
        case failed(String)
    }

    /// The event that triggered the fetch.
    public var event: PosEvent
    /// The fetch request's method.
    public var method: DojoMethod
    /// The whole response, when one arrived.
    public var response: ResponseFrame?
    /// The outcome.
    public var outcome: Outcome
    /// Time from sending the request to its response.
    public var latency: Duration

    /// `GetPartyByIdV1(p-1) → entity`.
    public var description: String {
        let verdict =
            switch outcome {
            case .entity: "entity"
            case .deleted: "deleted (NotFound)"
            case .failed(let reason): "failed: \(reason)"
            }
        return "\(method.wireName)(\(event.entityID)) → \(verdict)"
    }
}

/// One `PUT /epos/integrations/ws` the simulator received.
public struct RegistrationRecord: Sendable, Hashable {
    /// The registered set (nil when the body was invalid).
    public var registration: CapabilityRegistration?
    /// The HTTP status answered.
    public var status: Int
    /// Why it was refused, when it was.
    public var problem: String?
}

/// Something the agent did that Dojo would not expect: a frame that is not a response, a response to an id
/// never sent, an invalid REST call. The simulator records these instead of ignoring them; a scenario run fails
/// if any is recorded.
public struct SimulatorFailure: Sendable, Hashable, CustomStringConvertible {
    /// The session it happened on, if any.
    public var session: Int?
    /// What happened.
    public var message: String

    /// Creates a failure record.
    public init(session: Int?, message: String) {
        self.session = session
        self.message = message
    }

    /// `session 2: response with unknown id "x"`.
    public var description: String {
        session.map { "session \($0): \(message)" } ?? message
    }
}

/// One request the simulator sent and what came back.
public struct Exchange: Sendable, Hashable {
    /// The JSON-RPC id used.
    public var id: RequestID
    /// The typed request (nil for a raw frame).
    public var request: DojoRequest?
    /// The frame sent.
    public var frame: String
    /// Every response with this id, in arrival order (more than one only when the id was sent several times).
    public var responses: [ResponseFrame]
    /// Time from the first send to the first response.
    public var latency: Duration
    /// The session it went over.
    public var session: Int

    /// The first response.
    public var response: ResponseFrame? { responses.first }
}

/// An answer the simulator gives to `POST /epos/events` instead of 200: a fault to inject.
public struct EventResponse: Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status (500, 429, 400…).
    public var status: Int
    /// A `Retry-After` header value in seconds.
    public var retryAfter: Int?

    /// Creates a fault answer.
    public init(status: Int, retryAfter: Int? = nil) {
        self.status = status
        self.retryAfter = retryAfter
    }

    /// Parses `500`, `429:2` (status and Retry-After seconds).
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let status = Int(parts[0]), (100...599).contains(status) else {
            return nil
        }
        var retryAfter: Int?
        if parts.count == 2 {
            guard let seconds = Int(parts[1]), seconds >= 0 else { return nil }
            retryAfter = seconds
        }
        self.init(status: status, retryAfter: retryAfter)
    }

    /// `429 (Retry-After: 2)`.
    public var description: String {
        retryAfter.map { "\(status) (Retry-After: \($0))" } ?? "\(status)"
    }
}
