/// A response frame from the POS to Dojo: `{"jsonrpc":"2.0","id":…,"method":…,"result":…}` or
/// `{…,"error":{"errorType":…}}`.
///
/// `method` echoes the request's method because Dojo's response schema lists it as required (it is not a
/// JSON-RPC member, and harmless). Output is compact with sorted keys: deterministic and cheap to produce.
public struct ResponseFrame: Hashable, Sendable {
    /// The body of a response.
    public enum Outcome: Hashable, Sendable {
        /// A successful `result`.
        case result(JSONValue)
        /// An `error`.
        case error(DojoError)
    }

    /// The request's id; `nil` writes `"id": null` (only for frames whose id could not be read).
    public var id: RequestID?
    /// The request's method, echoed; omitted when `nil`.
    public var method: String?
    /// Result or error. A frame made by ``success(_:id:method:)`` holds its typed result and builds this JSON only
    /// when asked: ``encoded()`` writes the result's text straight from the typed value.
    public var outcome: Outcome {
        get {
            switch body {
            case .outcome(let outcome): outcome
            case .typed(let result): .result(result.jsonValue)
            }
        }
        set { body = .outcome(newValue) }
    }

    private enum Body: Sendable {
        case outcome(Outcome)
        case typed(DojoResult)
    }

    private var body: Body

    /// Creates a response.
    public init(id: RequestID?, method: String?, outcome: Outcome) {
        self.id = id
        self.method = method
        self.body = .outcome(outcome)
    }

    private init(id: RequestID?, method: String?, result: DojoResult) {
        self.id = id
        self.method = method
        self.body = .typed(result)
    }

    /// A success response.
    public static func success(_ result: DojoResult, id: RequestID, method: String) -> ResponseFrame {
        ResponseFrame(id: id, method: method, result: result)
    }

    /// An error response.
    public static func failure(_ error: DojoError, id: RequestID?, method: String?) -> ResponseFrame {
        ResponseFrame(id: id, method: method, outcome: .error(error))
    }

    /// The frame's JSON.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "jsonrpc": .string(RPCVersion.current),
            "id": id?.jsonValue ?? .null,
        ]
        if let method { members["method"] = .string(method) }
        switch outcome {
        case .result(let result): members["result"] = result
        case .error(let error): members["error"] = error.jsonValue
        }
        return .object(members)
    }

    /// The frame's text, ready to send.
    public func encoded() -> String {
        write().text
    }

    /// The frame's UTF-8 bytes, ready to send.
    public func encodedBytes() -> [UInt8] {
        write().bytes
    }

    /// The text of ``jsonValue`` (keys sorted: `error`, `id`, `jsonrpc`, `method`, `result`), written member by
    /// member; a typed result is written without its ``JSONValue``.
    private func write() -> JSONWriter {
        var writer = JSONWriter(capacity: 512)
        writer.bytes.append(UInt8(ascii: "{"))
        if case .outcome(.error(let error)) = body {
            writer.appendASCII(#""error":"#)
            writer.write(error.jsonValue)
            writer.bytes.append(UInt8(ascii: ","))
        }
        writer.appendASCII(#""id":"#)
        writer.write(id?.jsonValue ?? .null)
        writer.appendASCII(#","jsonrpc":"#)
        writer.writeString(RPCVersion.current)
        if let method {
            writer.appendASCII(#","method":"#)
            writer.writeString(method)
        }
        switch body {
        case .outcome(.result(let result)):
            writer.appendASCII(#","result":"#)
            writer.write(result)
        case .typed(let result):
            writer.appendASCII(#","result":"#)
            result.write(into: &writer)
        case .outcome(.error):
            break
        }
        writer.bytes.append(UInt8(ascii: "}"))
        return writer
    }

    /// Frames are equal when their ids, methods and outcomes are (a typed result compares as its JSON).
    public static func == (lhs: ResponseFrame, rhs: ResponseFrame) -> Bool {
        lhs.id == rhs.id && lhs.method == rhs.method && lhs.outcome == rhs.outcome
    }

    /// Hashes the id, the method and the outcome.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(method)
        hasher.combine(outcome)
    }

    /// Parses a response frame (the simulator's side): `id` (string, number or null), then exactly one of
    /// `result` and `error`; `jsonrpc` and `method` are optional.
    ///
    /// - Throws: ``DojoProtocolError`` (invalid JSON, invalid envelope, or an invalid `error` object).
    public init(parsing text: String) throws(DojoProtocolError) {
        let document = try JSONValue(parsing: text)
        guard case .object(let members) = document else {
            throw DojoProtocolError(
                code: .invalidEnvelope,
                message: "expected a JSON object, got \(document.kindDescription)"
            )
        }
        let rawID = members["id"] ?? .null
        let id = RequestID(json: rawID)
        if id == nil, !rawID.isNull {
            throw DojoProtocolError(
                code: .invalidEnvelope,
                message: "id: expected a string, a number or null, got \(rawID.kindDescription)"
            )
        }
        let method = members["method"]?.stringValue
        switch (members["result"], members["error"]) {
        case (let result?, nil):
            self.init(id: id, method: method, outcome: .result(result))
        case (nil, let error?):
            self.init(id: id, method: method, outcome: .error(try DojoError(json: error, path: "error")))
        case (nil, nil):
            throw DojoProtocolError(code: .invalidEnvelope, message: "expected a result or an error member")
        case (.some, .some):
            throw DojoProtocolError(code: .invalidEnvelope, message: "result and error are mutually exclusive")
        }
    }
}
