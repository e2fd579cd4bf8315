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
    /// Result or error.
    public var outcome: Outcome

    /// Creates a response.
    public init(id: RequestID?, method: String?, outcome: Outcome) {
        self.id = id
        self.method = method
        self.outcome = outcome
    }

    /// A success response.
    public static func success(_ result: DojoResult, id: RequestID, method: String) -> ResponseFrame {
        ResponseFrame(id: id, method: method, outcome: .result(result.jsonValue))
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
        var writer = JSONWriter(capacity: 512)
        writer.write(jsonValue)
        return writer.text
    }

    /// The frame's UTF-8 bytes, ready to send.
    public func encodedBytes() -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.write(jsonValue)
        return writer.bytes
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
