import DojoAdapter
import DojoProtocol
import Testing

@testable import DojoAgentCore
@testable import DojoProcessAdapter

/// The pure parts of the process protocol: message classification, error mapping (line framing: LineFramerTests).
@Suite("Process protocol")
struct ProcessProtocolTests {
    @Test(arguments: [
        (#"{"jsonrpc":"2.0","id":3,"result":{"x":1}}"#, ProcessMessage.response(id: 3, outcome: .result(["x": 1]))),
        (
            #"{"id":4,"error":{"code":-32004,"message":"gone","data":{"errorType":"NotFound"}}}"#,
            .response(
                id: 4,
                outcome: .error(.init(code: -32004, message: "gone", data: ["errorType": "NotFound"]))
            )
        ),
        (
            #"{"jsonrpc":"2.0","id":"e1","method":"agent/publishEvent","params":{"eventType":"PartyUpdated"}}"#,
            .request(id: "e1", method: "agent/publishEvent", params: ["eventType": "PartyUpdated"])
        ),
        (#"{"method":"agent/publishEvent","params":null}"#, .notification(method: "agent/publishEvent", params: nil)),
        (
            "garbage",
            .invalid(reason: "not valid JSON: unexpected character at offset 0", requestID: nil, responseID: nil)
        ),
        (
            #"{"id":"7","result":{}}"#,
            .invalid(reason: "a response needs the integer id of the agent's request", requestID: nil, responseID: nil)
        ),
        (#"{"id":7}"#, .invalid(reason: "a response needs a result or an error", requestID: nil, responseID: 7)),
        (
            #"{"id":7,"error":"boom"}"#,
            .invalid(
                reason: "error: expected an object with an integer code and a string message",
                requestID: nil,
                responseID: 7
            )
        ),
        (
            #"{"id":true,"method":"x"}"#,
            .invalid(reason: "id: expected a string or an integer", requestID: nil, responseID: nil)
        ),
    ])
    func classifiesLines(_ text: String, _ expected: ProcessMessage) {
        #expect(ProcessMessage(line: Array(text.utf8)) == expected)
    }

    @Test func writesRequestsAndAnswersAsSingleLines() {
        let request = ProcessMessage.requestLine(id: 5, method: "ListAreasV1", params: ["headers": [:]])
        #expect(
            String(decoding: request, as: UTF8.self)
                == #"{"id":5,"jsonrpc":"2.0","method":"ListAreasV1","params":{"headers":{}}}"# + "\n"
        )
        let answer = ProcessMessage.errorLine(id: "e1", code: -32602, message: "bad\nline")
        #expect(
            String(decoding: answer, as: UTF8.self)
                == #"{"error":{"code":-32602,"message":"bad\nline"},"id":"e1","jsonrpc":"2.0"}"# + "\n"
        )
    }

    @Test func remoteErrorsWithoutAnErrorTypeAreInternalUnlessStandard() {
        let internalError = ProcessMessage.RemoteError(code: -32000, message: "db locked", data: ["detail": "x"])
            .adapterError(for: .getParty)
        #expect((internalError as? ProcessAdapterError)?.code == .failedInProcess)
        #expect(DojoError.from(internalError).wireError.debugMessage == DojoError.genericDebugMessage)
        let withTrace = ProcessMessage.RemoteError(
            code: -1,
            message: "busy",
            data: ["errorType": "Conflict", "traceId": "T"]
        )
        .adapterError(for: .getParty)
        #expect(
            DojoError.from(withTrace).wireError == DojoError(errorType: .conflict, debugMessage: "busy", traceID: "T")
        )
    }
}
