import DojoProtocol
import Testing

/// Every validation rule, with the exact message that becomes Dojo's `debugMessage`.
@Suite struct ValidationErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var method: String
        var params: String?
        var message: String
        var code: DojoProtocolError.Code = .invalidParams

        var testDescription: String { message }
    }

    static let reservation =
        #"{"dojoReservationId":"d-1","name":"Ann","covers":2,"startTime":"2024-08-12T09:30:00.000Z","#
        + #""endTime":"2024-08-12T11:00:00.000Z","tableIds":["t1"],"headers":{}}"#

    /// `reservation` with one member replaced (or removed when `value` is nil).
    static func reservation(_ key: String, _ value: String?) -> String {
        var json = (try? JSONValue(parsing: reservation)) ?? .null
        guard case .object(var members) = json else { return reservation }
        members[key] = value.flatMap { try? JSONValue(parsing: $0) }
        json = .object(members)
        return json.serialized()
    }

    static let cases: [Case] = [
        Case(
            method: "CreateReservationV1",
            params: reservation("dojoReservationId", nil),
            message: "params.dojoReservationId: required field is missing"
        ),
        Case(
            method: "CreateReservationV1",
            params: reservation("dojoReservationId", #""""#),
            message: "params.dojoReservationId: must not be empty"
        ),
        Case(
            method: "CreateReservationV1",
            params: reservation("covers", #""4""#),
            message: "params.covers: expected an integer, got a string"
        ),
        Case(
            method: "CreateReservationV1",
            params: reservation("covers", "-1"),
            message: "params.covers: must be a non-negative integer, got -1"
        ),
        Case(
            method: "CreateReservationV1",
            params: reservation("covers", "2.5"),
            message: "params.covers: expected an integer written as digits only (no fraction or exponent) between "
                + "-9223372036854775808 and 9223372036854775807, got another number"
        ),
        Case(
            method: "CreateReservationV1",
            params: reservation("tableIds", "[]"),
            message: "params.tableIds: must contain at least one table id"
        ),
        Case(
            method: "CreateReservationV1",
            params: reservation("tableIds", #"["t1",7]"#),
            message: "params.tableIds[1]: expected a string, got a number"
        ),
        Case(
            method: "CreateReservationV1",
            params: reservation("tableIds", #""t1""#),
            message: "params.tableIds: expected an array, got a string"
        ),
        Case(
            method: "CreateReservationV1",
            params: reservation("startTime", #""tomorrow""#),
            message:
                #"params.startTime: expected an ISO 8601 date-time, got "tomorrow" (expected a 4-digit year at offset 0)"#
        ),
        Case(
            method: "CreateReservationV1",
            params: reservation("endTime", #""2023-02-29T00:00:00Z""#),
            message:
                #"params.endTime: expected an ISO 8601 date-time, got "2023-02-29T00:00:00Z" (day 29 is out of range for 2023-02)"#
        ),
        Case(
            method: "CreateReservationV1",
            params: reservation("name", "null"),
            message: "params.name: expected a string, got null"
        ),
        Case(
            method: "CreateReservationV1",
            params: reservation("headers", #""none""#),
            message: "params.headers: expected an object, got a string"
        ),
        Case(
            method: "UpdatePartyV1",
            params:
                #"{"id":"p-1","dojoPartyId":"dp-1","startTime":"2024-08-12T09:30:00Z","status":"","tableIds":["t1"]}"#,
            message: "params.status: must not be empty"
        ),
        Case(
            method: "UpdatePartyV1",
            params: #"{"id":"p-1","dojoPartyId":"dp-1","startTime":"2024-08-12T09:30:00Z","tableIds":["t1"]}"#,
            message: "params.status: required field is missing"
        ),
        Case(
            method: "CreatePartyV1",
            params:
                #"{"dojoPartyId":"dp-1","startTime":"2024-08-12T09:30:00Z","tableIds":["t1"],"covers":-3}"#,
            message: "params.covers: must be a non-negative integer, got -3"
        ),
        Case(
            method: "CreatePartyV1",
            params:
                #"{"dojoPartyId":"dp-1","startTime":"2024-08-12T09:30:00Z","tableIds":["t1"],"#
                + #""deposit":{"totalAmount":{"value":500,"currencyCode":""}}}"#,
            message: "params.deposit.totalAmount.currencyCode: must be 1 to 10 characters long"
        ),
        Case(
            method: "CreatePartyV1",
            params:
                #"{"dojoPartyId":"dp-1","startTime":"2024-08-12T09:30:00Z","tableIds":["t1"],"#
                + #""deposit":{"totalAmount":{"value":"500","currencyCode":"GBP"}}}"#,
            message: "params.deposit.totalAmount.value: expected an integer, got a string"
        ),
        Case(
            method: "SearchPartiesV1",
            params: #"{"cursor":{"limit":0}}"#,
            message: "params.cursor.limit: must be between 1 and 100, got 0"
        ),
        Case(
            method: "SearchPartiesV1",
            params: #"{"cursor":{"limit":101}}"#,
            message: "params.cursor.limit: must be between 1 and 100, got 101"
        ),
        Case(
            method: "SearchTablesV1",
            params: #"{"cursor":{"limit":"10"}}"#,
            message: "params.cursor.limit: expected an integer, got a string"
        ),
        Case(
            method: "SearchOrdersV1",
            params: #"{"cursor":{"before":"a","after":"b"}}"#,
            message: "params.cursor: before and after are mutually exclusive"
        ),
        Case(
            method: "SearchPartiesV1",
            params: #"{"completedOnly":"yes"}"#,
            message: "params.completedOnly: expected a boolean, got a string"
        ),
        Case(
            method: "SearchReservationsV1",
            params: #"{"fromTime":"2024-08-12T00:00:00"}"#,
            message:
                #"params.fromTime: expected an ISO 8601 date-time, got "2024-08-12T00:00:00" (missing time zone (expected Z or ±hh:mm))"#
        ),
        Case(
            method: "HandleEventV1",
            params:
                #"{"id":"e-1","accountId":"a","event":"payment_intent.created","#
                + #""data":{"paymentIntentId":"pi_1","paymentStatus":"Created"},"createdAt":"2024-08-12T10:45:12Z"}"#,
            message: "params.data.captureMode: required field is missing"
        ),
        Case(method: "GetPartyByIdV1", params: nil, message: "params: required field is missing"),
        Case(method: "GetPartyByIdV1", params: "null", message: "params: required field is missing"),
        Case(method: "GetOrderByIdV1", params: #"["ord_1"]"#, message: "params: expected an object, got an array"),
        Case(method: "FooV1", params: "{}", message: #"unknown method "FooV1""#, code: .unknownMethod),
        Case(
            method: "RecordOrderPaymentByIdV1",
            params: "{}",
            message: #"method "RecordOrderPaymentByIdV1" is not supported by this agent"#,
            code: .unknownMethod
        ),
    ]

    @Test(arguments: cases)
    func invalidParamsAreRefusedWithAPreciseMessage(_ testCase: Case) throws {
        let params = try testCase.params.map { try JSONValue(parsing: $0) }
        let error = #expect(throws: DojoProtocolError.self) {
            try DojoRequest(method: testCase.method, params: params)
        }
        #expect(error?.message == testCase.message)
        #expect(error?.code == testCase.code)
        // The message travels unchanged as the debugMessage of an InvalidRequest.
        #expect(error?.dojoError == DojoError(errorType: .invalidRequest, debugMessage: testCase.message))
    }

    @Test func fieldPathIsExposedSeparately() throws {
        let error = #expect(throws: DojoProtocolError.self) {
            try DojoRequest(method: "SearchPartiesV1", params: ["cursor": ["limit": 500]])
        }
        #expect(error?.fieldPath == "params.cursor.limit")
    }

    @Test func unknownFieldsAreIgnored() throws {
        let request = try DojoRequest(
            method: "GetPartyByIdV1",
            params: ["partyId": "p-1", "headers": ["waiterId": "42", "futureHeader": "x"], "futureField": [1, 2]]
        )
        #expect(request == .getParty(GetPartyByIDRequest(partyID: "p-1", headers: RequestHeaders(waiterID: "42"))))
    }

    @Test func missingHeadersDecodeAsEmpty() throws {
        let request = try DojoRequest(method: "GetPartyByIdV1", params: ["partyId": "p-1"])
        #expect(request.headers.isEmpty)
        // Output always carries the (spec-required) headers object.
        #expect(request.params == ["partyId": "p-1", "headers": [:]])
    }

    @Test func numericHeaderValuesAreKeptAsText() throws {
        let request = try DojoRequest(method: "ListAreasV1", params: ["headers": ["waiterId": 42]])
        #expect(request.headers == RequestHeaders(waiterID: "42"))
    }

    @Test func zeroCoversAndLimitBoundsAreAccepted() throws {
        let params = try JSONValue(parsing: Self.reservation("covers", "0"))
        #expect(throws: Never.self) { try DojoRequest(method: "CreateReservationV1", params: params) }
        for limit: Int64 in [1, 100] {
            let request = try DojoRequest(
                method: "SearchTablesV1",
                params: ["cursor": .object(["limit": .integer(limit)])]
            )
            #expect(request == .searchTables(SearchTablesRequest(cursor: Cursor(limit: Int(limit)))))
        }
    }

    @Test func nullOptionalFieldsAreTreatedAsAbsent() throws {
        let request = try DojoRequest(
            method: "SearchPartiesV1",
            params: ["tableId": nil, "completedOnly": nil, "cursor": nil, "headers": [:]]
        )
        #expect(request == .searchParties(SearchPartiesRequest()))
    }
}
