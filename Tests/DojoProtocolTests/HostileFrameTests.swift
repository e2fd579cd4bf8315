import DojoProtocol
import Testing

/// Frames found by fuzzing (issue 8 §3): each is refused with `InvalidRequest` naming the field, and answered
/// whenever its id can be read.
@Suite struct HostileFrameTests {
    static let party =
        #"{"dojoPartyId":"p-1","startTime":"2024-08-12T09:30:00.000Z","tableIds":["t1"],"headers":{}}"#

    /// `party` with one member replaced, given as raw JSON text (so a number keeps the exact token).
    static func party(_ key: String, _ rawValue: String) -> String {
        #"{"dojoPartyId":"p-1","startTime":"2024-08-12T09:30:00.000Z","tableIds":["t1"],"headers":{},"#
            + #""\#(key)":\#(rawValue)}"#
    }

    static func frame(method: String = "CreatePartyV1", params: String, id: String = #""a""#) -> String {
        #"{"id":\#(id),"method":"\#(method)","params":\#(params)}"#
    }

    static func invalid(_ text: String) -> InvalidFrame? {
        guard case .invalid(let invalid) = IncomingMessage(frame: text) else { return nil }
        return invalid
    }

    // MARK: Lone surrogates

    @Test func aLoneSurrogateIsRefusedNamingTheFieldAndTheFrameIsAnswered() throws {
        let text =
            #"{"id":"a","method":"CreatePartyV1","params":{"dojoPartyId":"p-1","name":"x\udc00y","#
            + #""startTime":"2024-08-12T09:30:00.000Z","tableIds":["t1"]}}"#
        let invalid = try #require(Self.invalid(text))
        #expect(invalid.id == RequestID("a"))
        #expect(invalid.method == "CreatePartyV1")
        #expect(invalid.reason == #"params.name: not a valid Unicode string: lone surrogate \udc00 at offset 74"#)
        #expect(invalid.error.errorType == .invalidRequest)
    }

    @Test func aLoneHighSurrogateInAnArrayIsNamedByIndexEvenWithTheIDLast() throws {
        let text = #"{"method":"CreatePartyV1","params":{"tableIds":["t1","\ud800x"]},"id":7}"#
        let invalid = try #require(Self.invalid(text))
        #expect(invalid.id?.jsonValue == .integer(7))
        #expect(
            invalid.reason == #"params.tableIds[1]: not a valid Unicode string: lone surrogate \ud800 at offset 54"#
        )
    }

    @Test func aLoneSurrogateInTheIDLeavesNoIDToAnswer() throws {
        let invalid = try #require(Self.invalid(#"{"id":"\udc00","method":"GetPartyByIdV1","params":{}}"#))
        #expect(invalid.id == nil)
        #expect(invalid.reason == #"id: not a valid Unicode string: lone surrogate \udc00 at offset 7"#)
    }

    @Test func anIDWithALoneSurrogateIsNotEchoedEvenWhenALaterFaultEndsTheFrame() throws {
        let invalid = try #require(Self.invalid(#"{"id":"a\udc00","method":"GetPartyByIdV1","params":[[["#))
        #expect(invalid.id == nil)
        #expect(invalid.method == "GetPartyByIdV1")
    }

    @Test func aSurrogatePairIsStillOneCharacter() throws {
        let text = Self.frame(params: Self.party("name", #""x\ud83d\ude00y""#))
        guard case .request(let rpc) = IncomingMessage(frame: text) else {
            Issue.record("expected a request")
            return
        }
        guard case .createParty(let create) = try rpc.decode() else {
            Issue.record("expected a CreatePartyV1")
            return
        }
        #expect(create.name == "x😀y")
    }

    // MARK: Integer fields

    @Test(arguments: ["1e-400", "4E+2", "4.0", "4e0", "-0.0", "2.5", "9223372036854775808", "-9223372036854775809"])
    func anIntegerFieldTakesAnIntegerTokenOnly(_ token: String) throws {
        let text = Self.frame(params: Self.party("covers", token))
        guard case .request(let rpc) = IncomingMessage(frame: text) else {
            Issue.record("expected a request")
            return
        }
        let error = #expect(throws: DojoProtocolError.self) { try rpc.decode() }
        #expect(error?.fieldPath == "params.covers")
        #expect(
            error?.message
                == "params.covers: expected an integer written as digits only (no fraction or exponent) between "
                + "-9223372036854775808 and 9223372036854775807, got another number"
        )
        #expect(error?.dojoError.errorType == .invalidRequest)
    }

    @Test func theCursorLimitTakesAnIntegerTokenOnly() throws {
        let params = try JSONValue(parsing: #"{"cursor":{"limit":4.0}}"#)
        let error = #expect(throws: DojoProtocolError.self) {
            try DojoRequest(method: "SearchPartiesV1", params: params)
        }
        #expect(error?.fieldPath == "params.cursor.limit")
    }

    @Test func integerTokensAtTheEdgesOfInt64AreAccepted() throws {
        let params = try JSONValue(
            parsing: #"{"value":9223372036854775807,"currencyCode":"GBP"}"#
        )
        #expect(try Money(json: params, path: "m").value == Int64.max)
        let negative = try JSONValue(parsing: #"{"value":-9223372036854775808,"currencyCode":"GBP"}"#)
        #expect(try Money(json: negative, path: "m").value == Int64.min)
    }

    // MARK: Deep nesting

    @Test func aDeeplyNestedFrameWithAReadableIDIsAnswered() throws {
        let text = #"{"id":"a","method":"CreatePartyV1","params":"# + String(repeating: "[", count: 100_000)
        let invalid = try #require(Self.invalid(text))
        #expect(invalid.id == RequestID("a"))
        #expect(invalid.method == "CreatePartyV1")
        #expect(invalid.reason == "not valid JSON: nesting deeper than 256 levels")
        #expect(
            invalid.response.encoded()
                == #"{"error":{"debugMessage":"not valid JSON: nesting deeper than 256 levels","#
                + #""errorType":"InvalidRequest"},"id":"a","jsonrpc":"2.0","method":"CreatePartyV1"}"#
        )
    }

    @Test func anIDNestedInsideTheParamsIsNotTakenForTheFramesID() throws {
        let text = #"{"params":{"id":"inner","x":"# + String(repeating: "[", count: 1000)
        #expect(try #require(Self.invalid(text)).id == nil)
    }

    // MARK: Id lengths

    @Test(arguments: ["dojoPartyId", "reservationId", "dojoReservationId"])
    func anIDOver256BytesIsRefusedNamingTheField(_ key: String) throws {
        let long = String(repeating: "é", count: 129)  // 258 bytes
        let params = try JSONValue(parsing: Self.party(key, #""\#(long)""#))
        let error = #expect(throws: DojoProtocolError.self) {
            try DojoRequest(method: "CreatePartyV1", params: params)
        }
        #expect(error?.message == "params.\(key): is 258 bytes long; the maximum is 256")
    }

    @Test func anIDOfExactly256BytesIsAccepted() throws {
        let id = String(repeating: "d", count: 256)
        let params = try JSONValue(parsing: Self.party("dojoPartyId", #""\#(id)""#))
        guard case .createParty(let create) = try DojoRequest(method: "CreatePartyV1", params: params) else {
            Issue.record("expected a CreatePartyV1")
            return
        }
        #expect(create.dojoPartyID == id)
    }

    @Test func everyIDOfADojoRequestIsBounded() throws {
        let long = #""\#(String(repeating: "x", count: 1_000_000))""#
        let cases: [(method: String, params: String, path: String)] = [
            (
                "CreateReservationV1",
                #"{"dojoReservationId":\#(long),"name":"A","covers":2,"startTime":"2024-08-12T09:30:00.000Z","#
                    + #""endTime":"2024-08-12T11:00:00.000Z","tableIds":["t1"]}"#,
                "params.dojoReservationId"
            ),
            ("CreatePartyV1", Self.party("tableIds", "[\(long)]"), "params.tableIds[0]"),
            ("GetReservationByIdV1", #"{"reservationId":\#(long)}"#, "params.reservationId"),
            ("GetPartyByIdV1", #"{"partyId":\#(long)}"#, "params.partyId"),
            ("GetOrderByIdV1", #"{"orderId":\#(long)}"#, "params.orderId"),
            ("SearchTablesV1", #"{"areaId":\#(long)}"#, "params.areaId"),
            ("SearchPartiesV1", #"{"cursor":{"after":\#(long)}}"#, "params.cursor.after"),
            ("GetPartyByIdV1", #"{"partyId":"p","headers":{"deviceId":\#(long)}}"#, "params.headers.deviceId"),
        ]
        for testCase in cases {
            let params = try JSONValue(parsing: testCase.params)
            let error = #expect(throws: DojoProtocolError.self, "\(testCase.method)") {
                try DojoRequest(method: testCase.method, params: params)
            }
            #expect(error?.message == "\(testCase.path): is 1000000 bytes long; the maximum is 256")
        }
    }

    @Test func aJSONRPCIDOver256BytesIsRefusedButStillAnswered() throws {
        let id = String(repeating: "i", count: 300)
        let invalid = try #require(Self.invalid(Self.frame(params: "{}", id: #""\#(id)""#)))
        #expect(invalid.id == RequestID(id))
        #expect(invalid.reason == "id: is 300 bytes long; the maximum is 256")
    }
}
