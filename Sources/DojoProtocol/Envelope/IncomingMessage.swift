/// One WebSocket text frame from Dojo, classified: a request to answer, a notification, or an invalid frame.
///
/// Parsing never throws: every frame becomes exactly one case, so the caller's loop has one place to decide
/// what to send back. The envelope is checked tolerantly: `jsonrpc` may be missing or any string, `id` may be a
/// string or a number, `params` is kept as raw JSON and validated later by ``DojoRequest``.
public enum IncomingMessage: Hashable, Sendable {
    /// A request with an id: answer it.
    case request(RPCRequest)
    /// A message without an id: JSON-RPC says it gets no answer. Dojo's spec defines the shape but no method
    /// uses it.
    case notification(RPCNotification)
    /// A frame that cannot be served; answer it with ``InvalidFrame/response`` when it has an id.
    case invalid(InvalidFrame)

    /// Classifies a text frame, parsed in place over the string's UTF-8 (the transport validated it once; it is
    /// not copied back into bytes).
    public init(frame text: String) {
        self.init(parsed: Result { () throws(JSONSyntaxError) in try JSONParser.parse(text) })
    }

    /// Classifies a text frame given as UTF-8 bytes.
    public init(frame bytes: [UInt8]) {
        self.init(parsed: Result { () throws(JSONSyntaxError) in try JSONParser.parse(bytes) })
    }

    private init(parsed: Result<JSONValue, JSONSyntaxError>) {
        let document: JSONValue
        do {
            document = try parsed.get()
        } catch {
            // A frame that breaks after its top-level `id` (nesting too deep, a lone surrogate) is still answered.
            let id = error.recovered["id"].flatMap(RequestID.init(json:)).flatMap {
                Self.idLengthProblem($0) == nil ? $0 : nil
            }
            let method = error.recovered["method"]?.stringValue
            self = .invalid(InvalidFrame(id: id, method: method, reason: error.message))
            return
        }
        self = Self.classify(document)
    }

    private static func classify(_ document: JSONValue) -> IncomingMessage {
        let members: [String: JSONValue]
        switch document {
        case .object(let object):
            members = object
        case .array:
            return .invalid(InvalidFrame(id: nil, method: nil, reason: "batch requests are not supported"))
        default:
            return .invalid(
                InvalidFrame(id: nil, method: nil, reason: "expected a JSON object, got \(document.kindDescription)")
            )
        }

        var id: RequestID?
        if let rawID = members["id"] {
            guard let parsed = RequestID(json: rawID) else {
                return .invalid(
                    InvalidFrame(
                        id: nil,
                        method: nil,
                        reason: "id: expected a string or a number, got \(rawID.kindDescription)"
                    )
                )
            }
            id = parsed
            if let problem = idLengthProblem(parsed) {
                return .invalid(InvalidFrame(id: parsed, method: members["method"]?.stringValue, reason: problem))
            }
        }
        // From here on the id (if any) is known, so every refusal can be answered.
        let rawMethod = members["method"]
        let methodText = rawMethod?.stringValue
        func invalid(_ reason: String) -> IncomingMessage {
            .invalid(InvalidFrame(id: id, method: methodText, reason: reason))
        }
        if let version = members["jsonrpc"], version.stringValue == nil {
            return invalid("jsonrpc: expected a string, got \(version.kindDescription)")
        }
        guard let rawMethod else {
            if members["result"] != nil || members["error"] != nil {
                return invalid("method: required field is missing (responses are not expected from Dojo)")
            }
            return invalid("method: required field is missing")
        }
        guard let method = methodText else {
            return invalid("method: expected a string, got \(rawMethod.kindDescription)")
        }
        if method.isEmpty { return invalid("method: must not be empty") }
        let params = members["params"].flatMap { $0.isNull ? nil : $0 }
        if let id {
            return .request(RPCRequest(id: id, method: method, params: params))
        }
        return .notification(RPCNotification(method: method, params: params))
    }
}

extension IncomingMessage {
    /// Why `id` is refused, or `nil`: an id longer than ``IDLimit/maximumBytes`` is answered (echoed once) but
    /// never stored in the replay window or used as a key.
    fileprivate static func idLengthProblem(_ id: RequestID) -> String? {
        IDLimit.problem(id.text).map { "id: \($0)" }
    }
}

/// A well-formed JSON-RPC request: an id, a method name, and raw params.
public struct RPCRequest: Hashable, Sendable {
    /// The id to echo.
    public var id: RequestID
    /// The wire method name, not yet checked against the known methods.
    public var method: String
    /// The raw `params`, `nil` when absent or `null`.
    public var params: JSONValue?

    /// Creates a request.
    public init(id: RequestID, method: String, params: JSONValue?) {
        self.id = id
        self.method = method
        self.params = params
    }

    /// Decodes and validates the method and params.
    ///
    /// - Throws: ``DojoProtocolError`` (unknown method, invalid params), ready to become an `InvalidRequest`.
    public func decode() throws(DojoProtocolError) -> DojoRequest {
        try DojoRequest(method: method, params: params)
    }
}

/// A JSON-RPC notification: a method without an id. Never answered.
public struct RPCNotification: Hashable, Sendable {
    /// The wire method name.
    public var method: String
    /// The raw `params`, `nil` when absent or `null`.
    public var params: JSONValue?

    /// Creates a notification.
    public init(method: String, params: JSONValue?) {
        self.method = method
        self.params = params
    }
}

/// A frame the agent cannot serve, with whatever could be recovered from it.
public struct InvalidFrame: Hashable, Sendable, CustomStringConvertible {
    /// The id, when the frame was JSON with a string or numeric `id`.
    public var id: RequestID?
    /// The method name, when it was a string.
    public var method: String?
    /// A short reason that never quotes the frame (safe for logs and for Dojo).
    public var reason: String

    /// Creates an invalid-frame description.
    public init(id: RequestID?, method: String?, reason: String) {
        self.id = id
        self.method = method
        self.reason = reason
    }

    /// `InvalidRequest` with the reason as debug message.
    public var error: DojoError { DojoError(errorType: .invalidRequest, debugMessage: reason) }

    /// The error response to send: with the recovered id, or with `"id": null` when none could be recovered
    /// (JSON-RPC 2.0 §5).
    public var response: ResponseFrame { .failure(error, id: id, method: method) }

    /// The reason, prefixed by the id when known.
    public var description: String { id.map { "\($0.text): \(reason)" } ?? reason }
}
