public import DojoProtocol

/// One request on the control socket: a JSON object on one line with a `command` member and whatever else that
/// command takes, for example `{"command":"notify","eventType":"OrderUpdated","id":"42"}`.
public struct ControlRequest: Sendable, Hashable {
    /// The command name.
    public var command: String
    /// Every member of the request object (`command` included).
    public var fields: [String: JSONValue]

    public init(command: String, fields: [String: JSONValue] = [:]) {
        self.command = command
        var fields = fields
        fields["command"] = .string(command)
        self.fields = fields
    }

    /// Parses one request line.
    /// - Throws: ``ControlError`` (`badRequest`) naming what is wrong.
    public init(line: String) throws(ControlError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: line)
        } catch {
            throw ControlError(.badRequest, "the request is not valid JSON: \(error.message)")
        }
        guard let object = value.objectValue else {
            throw ControlError(.badRequest, "the request must be a JSON object, not \(value.kindDescription)")
        }
        guard let command = object["command"]?.stringValue, !command.isEmpty else {
            throw ControlError(.badRequest, "the request has no \"command\" string")
        }
        self.command = command
        self.fields = object
    }

    /// The request as one line of JSON (without the newline).
    public var line: String { JSONValue.object(self.fields).serialized() }
}

/// The answer to one request: `{"ok":true,…}` or `{"ok":false,"error":"…"}` on one line.
public struct ControlResponse: Sendable, Hashable {
    /// Whether the command succeeded.
    public var isOK: Bool
    /// Why it failed (one line, for the operator).
    public var error: String?
    /// Extra members of a successful answer (a command's result).
    public var fields: [String: JSONValue]

    /// A success, with optional extra members.
    public static func success(_ fields: [String: JSONValue] = [:]) -> ControlResponse {
        ControlResponse(isOK: true, error: nil, fields: fields)
    }

    /// A failure with a one-line reason.
    public static func failure(_ message: String) -> ControlResponse {
        ControlResponse(isOK: false, error: message, fields: [:])
    }

    /// Parses one response line.
    /// - Throws: ``ControlError`` (`badResponse`).
    public init(line: String) throws(ControlError) {
        guard let value = try? JSONValue(parsing: line), let object = value.objectValue,
            case .bool(let isOK)? = object["ok"]
        else {
            throw ControlError(.badResponse, "the agent sent an answer that is not a control response")
        }
        self.isOK = isOK
        self.error = object["error"]?.stringValue
        var fields = object
        fields["ok"] = nil
        fields["error"] = nil
        self.fields = fields
    }

    private init(isOK: Bool, error: String?, fields: [String: JSONValue]) {
        self.isOK = isOK
        self.error = error
        self.fields = fields
    }

    /// The response as one line of JSON (without the newline).
    public var line: String {
        var object = self.fields
        object["ok"] = .bool(self.isOK)
        if let error = self.error { object["error"] = .string(error) }
        return JSONValue.object(object).serialized()
    }
}

/// A command's implementation: gets the request, returns the answer (never throws: failures are answers).
public typealias ControlCommandHandler = @Sendable (ControlRequest) async -> ControlResponse

/// Why a control-socket exchange failed (on either side).
public struct ControlError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String {
            case agentNotRunning = "agent not running"
            case permissionDenied = "permission denied"
            case socketFailed = "socket failed"
            case alreadyRunning = "already running"
            case insecure = "insecure"
            case badRequest = "bad request"
            case badResponse = "bad response"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Nothing listens on the control socket: the agent is not running (or runs with another state
        /// directory).
        public static let agentNotRunning = Self(.agentNotRunning)
        /// The socket or its directory is not accessible to this user.
        public static let permissionDenied = Self(.permissionDenied)
        /// A socket call failed.
        public static let socketFailed = Self(.socketFailed)
        /// Another agent already listens on the control socket.
        public static let alreadyRunning = Self(.alreadyRunning)
        /// The state directory or socket path is not safe to use (writable by others, not a socket).
        public static let insecure = Self(.insecure)
        /// The request is malformed.
        public static let badRequest = Self(.badRequest)
        /// The answer is malformed, or the agent closed the connection without answering.
        public static let badResponse = Self(.badResponse)

        public var description: String { self.base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// What happened and what to do.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(self.code): \(self.message)" }
}
