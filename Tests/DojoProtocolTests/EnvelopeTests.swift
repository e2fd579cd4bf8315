import DojoProtocol
import Testing

/// Classifying WebSocket frames and encoding responses.
@Suite struct EnvelopeTests {
    struct InvalidCase: CustomTestStringConvertible, Sendable {
        var frame: String
        var id: RequestID?
        var reason: String

        var testDescription: String { reason }
    }

    static let invalidFrames: [InvalidCase] = [
        // "n" starts the literal null, so the first wrong byte is the "o".
        InvalidCase(frame: "not json", id: nil, reason: "not valid JSON: unexpected character at offset 1"),
        InvalidCase(frame: "<html>", id: nil, reason: "not valid JSON: unexpected character at offset 0"),
        InvalidCase(frame: "", id: nil, reason: "not valid JSON: empty input"),
        // A top-level id read before the fault is kept, so the frame is answered.
        InvalidCase(frame: #"{"id":"1""#, id: RequestID("1"), reason: "not valid JSON: unexpected end of input"),
        InvalidCase(
            frame: #"{"id":"1"} x"#,
            id: RequestID("1"),
            reason: "not valid JSON: unexpected data after the JSON value at offset 11"
        ),
        InvalidCase(
            frame: #"[{"jsonrpc":"2.0","id":"1","method":"ListAreasV1"}]"#,
            id: nil,
            reason: "batch requests are not supported"
        ),
        InvalidCase(frame: #""hello""#, id: nil, reason: "expected a JSON object, got a string"),
        InvalidCase(
            frame: #"{"jsonrpc":"2.0","id":true,"method":"ListAreasV1"}"#,
            id: nil,
            reason: "id: expected a string or a number, got a boolean"
        ),
        InvalidCase(
            frame: #"{"jsonrpc":"2.0","id":null,"method":"ListAreasV1"}"#,
            id: nil,
            reason: "id: expected a string or a number, got null"
        ),
        InvalidCase(
            frame: #"{"jsonrpc":"2.0","id":"r-9","params":{}}"#,
            id: RequestID("r-9"),
            reason: "method: required field is missing"
        ),
        InvalidCase(
            frame: #"{"jsonrpc":"2.0","id":"r-8","result":{}}"#,
            id: RequestID("r-8"),
            reason: "method: required field is missing (responses are not expected from Dojo)"
        ),
        InvalidCase(
            frame: #"{"jsonrpc":"2.0","id":42,"method":7}"#,
            id: RequestID(json: 42),
            reason: "method: expected a string, got a number"
        ),
        InvalidCase(
            frame: #"{"jsonrpc":"2.0","id":"r-7","method":""}"#,
            id: RequestID("r-7"),
            reason: "method: must not be empty"
        ),
        InvalidCase(
            frame: #"{"jsonrpc":2,"id":"r-1","method":"ListAreasV1"}"#,
            id: RequestID("r-1"),
            reason: "jsonrpc: expected a string, got a number"
        ),
    ]

    @Test(arguments: invalidFrames)
    func invalidFramesAreClassifiedWithReasonAndRecoveredID(_ testCase: InvalidCase) {
        guard case .invalid(let invalid) = IncomingMessage(frame: testCase.frame) else {
            Issue.record("frame was accepted")
            return
        }
        #expect(invalid.reason == testCase.reason)
        #expect(invalid.id == testCase.id)
    }

    @Test func notJSONReasonNeverQuotesTheFrame() {
        let secret = "sk_prod_SECRET garbage"
        guard case .invalid(let invalid) = IncomingMessage(frame: secret) else {
            Issue.record("frame was accepted")
            return
        }
        #expect(!invalid.reason.contains("SECRET"))
    }

    @Test func brokenEnvelopeIsAnsweredWithTheRecoveredID() {
        guard case .invalid(let invalid) = IncomingMessage(frame: #"{"jsonrpc":"2.0","id":"r-9","params":{}}"#) else {
            Issue.record("frame was accepted")
            return
        }
        #expect(
            invalid.response.encoded()
                == #"{"error":{"debugMessage":"method: required field is missing","errorType":"InvalidRequest"},"#
                + #""id":"r-9","jsonrpc":"2.0"}"#
        )
    }

    @Test func unreadableFrameIsAnsweredWithANullID() {
        guard case .invalid(let invalid) = IncomingMessage(frame: "{") else {
            Issue.record("frame was accepted")
            return
        }
        #expect(
            invalid.response.encoded()
                == #"{"error":{"debugMessage":"not valid JSON: unexpected end of input","errorType":"InvalidRequest"},"#
                + #""id":null,"jsonrpc":"2.0"}"#
        )
    }

    @Test func numericIDIsKeptAsTextAndEchoedAsANumber() throws {
        guard case .request(let request) = IncomingMessage(frame: #"{"jsonrpc":"2.0","id":17,"method":"ListAreasV1"}"#)
        else {
            Issue.record("not a request")
            return
        }
        #expect(request.id.text == "17")
        #expect(request.id.isNumeric)
        let response = ResponseFrame.success(.areas([]), id: request.id, method: request.method).encoded()
        #expect(response == #"{"id":17,"jsonrpc":"2.0","method":"ListAreasV1","result":[]}"#)
    }

    @Test func requestWithoutJSONRPCMemberIsTolerated() {
        let message = IncomingMessage(frame: #"{"id":"a","method":"ListAreasV1","params":{"headers":{}}}"#)
        #expect(message == .request(RPCRequest(id: RequestID("a"), method: "ListAreasV1", params: ["headers": [:]])))
    }

    @Test func idLessMessageIsANotification() {
        let message = IncomingMessage(frame: #"{"jsonrpc":"2.0","method":"SomethingV1","params":{"a":1}}"#)
        #expect(message == .notification(RPCNotification(method: "SomethingV1", params: ["a": 1])))
    }

    @Test func unknownMethodIsARequestUntilDecoded() throws {
        guard case .request(let request) = IncomingMessage(frame: #"{"jsonrpc":"2.0","id":"x","method":"FooV1"}"#)
        else {
            Issue.record("not a request")
            return
        }
        let error = #expect(throws: DojoProtocolError.self) { try request.decode() }
        #expect(error?.code == .unknownMethod)
        #expect(error?.message == #"unknown method "FooV1""#)
    }

    @Test func successResponseIsCompactSortedAndEchoesTheMethod() {
        let frame = ResponseFrame.success(.empty, id: RequestID("abc"), method: "DeletePartyByIdV1")
        #expect(frame.encoded() == #"{"id":"abc","jsonrpc":"2.0","method":"DeletePartyByIdV1","result":{}}"#)
        #expect(frame.encodedBytes() == Array(frame.encoded().utf8))
    }

    @Test func errorResponseOmitsAbsentOptionalMembers() {
        let frame = ResponseFrame.failure(
            DojoError(errorType: .notFound, debugMessage: "no party p-1"),
            id: RequestID("abc"),
            method: "GetPartyByIdV1"
        )
        #expect(
            frame.encoded()
                == #"{"error":{"debugMessage":"no party p-1","errorType":"NotFound"},"id":"abc","jsonrpc":"2.0","#
                + #""method":"GetPartyByIdV1"}"#
        )
    }

    @Test func entityResponseEncodesTimestampsCanonically() throws {
        let reservation = Reservation(
            id: "r-1",
            name: "Ann \"Quote\"",
            covers: 2,
            startTime: try Timestamp(iso8601: "2024-08-12T10:30:00+01:00"),
            endTime: Timestamp(millisecondsSince1970: 1_723_461_300_000),
            tableIDs: ["t1"]
        )
        let text = ResponseFrame.success(.reservation(reservation), id: RequestID("1"), method: "GetReservationByIdV1")
            .encoded()
        #expect(
            text
                == #"{"id":"1","jsonrpc":"2.0","method":"GetReservationByIdV1","result":{"covers":2,"#
                + #""endTime":"2024-08-12T11:15:00.000Z","id":"r-1","name":"Ann \"Quote\"","#
                + #""startTime":"2024-08-12T09:30:00.000Z","tableIds":["t1"]}}"#
        )
    }

    @Test func unknownErrorTypeRoundTrips() throws {
        let frame = try ResponseFrame(parsing: #"{"jsonrpc":"2.0","id":"1","error":{"errorType":"RateLimited"}}"#)
        #expect(frame.outcome == .error(DojoError(errorType: DojoErrorType(rawValue: "RateLimited"))))
        #expect(frame.encoded() == #"{"error":{"errorType":"RateLimited"},"id":"1","jsonrpc":"2.0"}"#)
    }

    @Test func responseParsingRefusesBothResultAndError() {
        let error = #expect(throws: DojoProtocolError.self) {
            try ResponseFrame(parsing: #"{"id":"1","result":{},"error":{"errorType":"Conflict"}}"#)
        }
        #expect(error?.message == "result and error are mutually exclusive")
    }

    @Test func requestFrameForTheSimulatorRoundTrips() throws {
        let request = DojoRequest.getParty(GetPartyByIDRequest(partyID: "p-1", headers: RequestHeaders(waiterID: "7")))
        let frame = request.requestFrame(id: RequestID("sim-1"))
        #expect(
            frame
                == #"{"id":"sim-1","jsonrpc":"2.0","method":"GetPartyByIdV1","params":{"headers":{"waiterId":"7"},"#
                + #""partyId":"p-1"}}"#
        )
        guard case .request(let parsed) = IncomingMessage(frame: frame) else {
            Issue.record("not a request")
            return
        }
        #expect(try parsed.decode() == request)
    }
}
