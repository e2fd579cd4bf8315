public import DojoProtocol

/// A scripted conversation with the agent: steps run in order, each one request (or fault, or POS-side change)
/// with its expected outcome. Written in YAML; see `Docs/simulator.md` for the format.
public struct Scenario: Sendable {
    /// A short title.
    public var name: String
    /// What the scenario shows, for the report.
    public var summary: String?
    /// Where it was read from (for messages).
    public var file: String?
    /// Initial variables (overridable by the runner's).
    public var variables: [String: JSONValue]
    /// The steps, in order.
    public var steps: [ScenarioStep]

    /// Creates a scenario.
    public init(
        name: String,
        summary: String? = nil,
        file: String? = nil,
        variables: [String: JSONValue] = [:],
        steps: [ScenarioStep]
    ) {
        self.name = name
        self.summary = summary
        self.file = file
        self.variables = variables
        self.steps = steps
    }
}

/// One step: what to do, what must follow, and what to remember for later steps.
public struct ScenarioStep: Sendable {
    /// What the step does.
    public enum Action: Sendable {
        /// Send a request (params may use `${variables}`).
        case call(ScenarioCall)
        /// Send several requests back to back without waiting, then check every answer.
        case concurrent([ScenarioCall])
        /// Send a raw frame (malformed on purpose); its answer, when it has a readable id, is checked.
        case send(frame: String)
        /// Make the POS report a change (through the runner's POS driver), then check the event and the
        /// fetch-back.
        case notify(eventType: PosEventType, id: String)
        /// Wait for a POS event the POS sends by itself, then check it and the fetch-back.
        case awaitEvent(eventType: PosEventType, id: String?)
        /// Inject a fault.
        case fault(ScenarioFault)
        /// Wait for the agent's capability registration.
        case awaitRegistration
    }

    /// A short title (the report's line).
    public var name: String
    /// The line in the file where the step starts.
    public var line: Int?
    /// What it does.
    public var action: Action
    /// What must follow.
    public var expect: ScenarioExpectation
    /// Variables to capture: name → path (`result.id`, `result.data[0].id`, `fetched.status`).
    public var captures: [(name: String, path: ValuePath)]
    /// How long the step may wait; nil uses the runner's default.
    public var timeout: Duration?
    /// Skip the step unless all these variables are set (for example a next-page cursor).
    public var skipUnless: [String]

    /// Creates a step.
    public init(
        name: String,
        line: Int? = nil,
        action: Action,
        expect: ScenarioExpectation = .init(),
        captures: [(name: String, path: ValuePath)] = [],
        timeout: Duration? = nil,
        skipUnless: [String] = []
    ) {
        self.name = name
        self.line = line
        self.action = action
        self.expect = expect
        self.captures = captures
        self.timeout = timeout
        self.skipUnless = skipUnless
    }
}

/// One request of a step.
public struct ScenarioCall: Sendable {
    /// The wire method (`CreateReservationV1`).
    public var method: DojoMethod
    /// The params, with `${variables}` still in them.
    public var params: JSONValue
    /// Send it this many times with one id (a duplicate-id fault).
    public var copies: Int
    /// Drop the connection right after sending (a drop mid-request).
    public var dropAfterSending: Bool
    /// What the answer must be (for the items of a `concurrent` step; a `call` step uses the step's).
    public var expect: ScenarioExpectation
    /// Variables to capture from this item's answer (items of a `concurrent` step).
    public var captures: [(name: String, path: ValuePath)]

    /// Creates a call.
    public init(
        method: DojoMethod,
        params: JSONValue,
        copies: Int = 1,
        dropAfterSending: Bool = false,
        expect: ScenarioExpectation = .init(),
        captures: [(name: String, path: ValuePath)] = []
    ) {
        self.method = method
        self.params = params
        self.copies = copies
        self.dropAfterSending = dropAfterSending
        self.expect = expect
        self.captures = captures
    }
}

/// A fault a step injects.
public enum ScenarioFault: Sendable, Hashable {
    /// Refuse the next handshake with this status.
    case rejectNextHandshake(Int)
    /// Drop the connection (no close frame).
    case drop
    /// Close the connection with this code.
    case close(UInt16)
    /// Stop answering pings on the current connection.
    case stopAnsweringPings
    /// Wait this long before each request from now on.
    case requestDelay(Duration)
    /// Answer the next POS events with these instead of 200.
    case eventResponses([EventResponse])
    /// Wait this long before answering each REST call.
    case eventResponseDelay(Duration)
    /// Send every request twice with the same id from now on (or stop).
    case duplicateRequests(Bool)
}

/// What must follow a step. Every field is optional; an empty expectation on a call means "any success".
public struct ScenarioExpectation: Sendable {
    /// The answer is a result matching this pattern.
    public var result: JSONValue?
    /// The answer is an error matching this pattern (a bare string matches `errorType`).
    public var error: JSONValue?
    /// How many answers a duplicated id gets (default: at least one, all identical).
    public var answers: JSONValue?
    /// The agent reconnects (a new session) after the step.
    public var reconnect: Bool?
    /// A handshake is refused with this status after the step started.
    public var handshakeRejected: Int?
    /// The HTTP statuses the simulator gave the event's delivery attempts, in order (faults included).
    public var attempts: [Int]?
    /// The fetch-back: `result`/`error` patterns, or `deleted: true`.
    public var fetched: FetchExpectation?

    /// No expectation.
    public init() {}
}

/// What Dojo's fetch-back of an entity must find.
public struct FetchExpectation: Sendable {
    /// The entity matches this pattern.
    public var result: JSONValue?
    /// The POS answered NotFound (the entity is deleted).
    public var deleted: Bool?
    /// An error matching this pattern.
    public var error: JSONValue?

    /// No expectation beyond "a fetch happened".
    public init(result: JSONValue? = nil, deleted: Bool? = nil, error: JSONValue? = nil) {
        self.result = result
        self.deleted = deleted
        self.error = error
    }
}
