import DojoAdapter
import DojoProtocol

/// The JSON-RPC 2.0 messages exchanged with an adapter process, one per line (see `Docs/adapter-protocol.md`).
///
/// The agent's requests carry integer ids it allocates; the process's own requests (`agent/publishEvent`) carry
/// ids of its choosing, echoed back verbatim. The two id spaces never meet: a message with `method` is a request
/// or notification from the process, one without is a response to the agent.
enum ProcessMessage: Equatable {
    /// The answer to one of the agent's requests.
    case response(id: Int64, outcome: Outcome)
    /// A request from the process; `id` is echoed in the answer.
    case request(id: JSONValue, method: String, params: JSONValue?)
    /// A notification from the process (no answer).
    case notification(method: String, params: JSONValue?)
    /// A line that is not a valid message; `id` is set when an answer can still be correlated.
    case invalid(reason: String, requestID: JSONValue?, responseID: Int64?)

    /// What a response carries.
    enum Outcome: Equatable {
        case result(JSONValue)
        case error(RemoteError)
    }

    /// The `error` member of a response from the process.
    struct RemoteError: Equatable {
        var code: Int64
        var message: String
        var data: JSONValue?
    }

    /// Classifies one line. Never throws: a bad line is `.invalid` with a reason that never quotes the line.
    init(line: [UInt8]) {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: line)
        } catch {
            self = .invalid(reason: error.message, requestID: nil, responseID: nil)
            return
        }
        guard case .object(let members) = document else {
            self = .invalid(
                reason: "expected a JSON object, got \(document.kindDescription)",
                requestID: nil,
                responseID: nil
            )
            return
        }
        let id = members["id"]
        if let method = members["method"] {
            guard case .string(let name) = method, !name.isEmpty else {
                self = .invalid(reason: "method: expected a non-empty string", requestID: id, responseID: nil)
                return
            }
            // An explicit `.none`: JSONValue is itself ExpressibleByNilLiteral, so a bare `nil` would mean `.null`.
            let params: JSONValue? = members["params"].flatMap { $0.isNull ? Optional<JSONValue>.none : $0 }
            if let id, !id.isNull {
                switch id {
                case .string, .integer: self = .request(id: id, method: name, params: params)
                default: self = .invalid(reason: "id: expected a string or an integer", requestID: nil, responseID: nil)
                }
            } else {
                self = .notification(method: name, params: params)
            }
            return
        }
        guard case .integer(let number) = id else {
            self = .invalid(
                reason: "a response needs the integer id of the agent's request",
                requestID: nil,
                responseID: nil
            )
            return
        }
        switch (members["result"], members["error"]) {
        case (let result?, nil):
            self = .response(id: number, outcome: .result(result))
        case (nil, let error?):
            guard case .object(let fields) = error, case .integer(let code)? = fields["code"],
                case .string(let message)? = fields["message"]
            else {
                self = .invalid(
                    reason: "error: expected an object with an integer code and a string message",
                    requestID: nil,
                    responseID: number
                )
                return
            }
            self = .response(
                id: number,
                outcome: .error(RemoteError(code: code, message: message, data: fields["data"]))
            )
        case (nil, nil):
            self = .invalid(reason: "a response needs a result or an error", requestID: nil, responseID: number)
        case (.some, .some):
            self = .invalid(reason: "result and error are mutually exclusive", requestID: nil, responseID: number)
        }
    }

    // MARK: - Writing

    /// A request line from the agent, newline included.
    static func requestLine(id: Int64, method: String, params: JSONValue?) -> [UInt8] {
        var members: [String: JSONValue] = ["jsonrpc": "2.0", "id": .integer(id), "method": .string(method)]
        if let params { members["params"] = params }
        return line(.object(members))
    }

    /// A success answer to a process request.
    static func resultLine(id: JSONValue, _ result: JSONValue) -> [UInt8] {
        line(["jsonrpc": "2.0", "id": id, "result": result])
    }

    /// An error answer to a process request.
    static func errorLine(id: JSONValue, code: Int64, message: String) -> [UInt8] {
        line(["jsonrpc": "2.0", "id": id, "error": ["code": .integer(code), "message": .string(message)]])
    }

    private static func line(_ value: JSONValue) -> [UInt8] {
        var bytes = value.serializedBytes()
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// JSON-RPC 2.0's reserved codes, as the agent uses them.
    enum Code {
        static let invalidRequest: Int64 = -32600
        static let methodNotFound: Int64 = -32601
        static let invalidParams: Int64 = -32602
        /// The agent could not store a published event (its outbox failed); the process may retry.
        static let eventNotStored: Int64 = -32000
    }
}

extension ProcessMessage.RemoteError {
    /// The error the agent throws for this answer to `method`.
    ///
    /// - `data.errorType` set: the process chose Dojo's error; its `message` becomes the `debugMessage` and
    ///   `data.traceId` the `traceId`. `NotFound`, `InvalidRequest` and `Conflict` map to the matching
    ///   ``AdapterError``; `UnexpectedError` (or `Unavailable`) to ``AdapterError/unavailable(_:)``; any other
    ///   value passes through unchanged (Dojo's `errorType` is an open set).
    /// - Otherwise the JSON-RPC code decides: `-32601` (method not found) is ``AdapterError/notImplemented(_:)``,
    ///   `-32602` (invalid params) is `InvalidRequest` with the message, and anything else is an internal error of
    ///   the adapter: a ``ProcessAdapterError`` that reaches Dojo as a generic `UnexpectedError`.
    func adapterError(for method: DojoMethod) -> any Error {
        if let errorType = data?["errorType"]?.stringValue, !errorType.isEmpty {
            let traceID = data?["traceId"]?.stringValue
            var error: AdapterError
            switch errorType {
            case "NotFound": error = .notFound(message)
            case "InvalidRequest": error = .invalidRequest(message)
            case "Conflict": error = .conflict(message)
            case "UnexpectedError", "Unavailable": error = .unavailable(message)
            default:
                return DojoError(errorType: DojoErrorType(rawValue: errorType), debugMessage: message, traceID: traceID)
            }
            if let traceID { error = error.withTraceID(traceID) }
            return error
        }
        switch code {
        case ProcessMessage.Code.methodNotFound:
            return AdapterError.notImplemented(method)
        case ProcessMessage.Code.invalidParams:
            return AdapterError.invalidRequest(message)
        default:
            return ProcessAdapterError(.failedInProcess, "\(method.wireName) failed with code \(code): \(message)")
        }
    }
}
