import DojoAdapter
import DojoProtocol
import Testing

/// One sample request per method, and the result an adapter that echoes ids would give.
enum Samples {
    static let start = Timestamp(millisecondsSince1970: 1_723_455_000_000)
    static let reservation = Reservation(
        id: "r-1",
        name: "Ann",
        covers: 2,
        startTime: start,
        endTime: start,
        tableIDs: ["t1"]
    )
    static let party = Party(id: "p-1", tableIDs: ["t1"], status: "Seated", startTime: start)
    static let order = Order(id: "o-1", status: .new, details: OrderDetails(orderType: .dineIn))
    static let event = HandleEventRequest(
        id: "e-1",
        accountID: "acc",
        event: .paymentIntentStatusUpdated,
        data: PaymentIntentEventData(paymentIntentID: "pi_1", paymentStatus: .captured, captureMode: .auto),
        createdAt: start
    )

    static let requests: [DojoRequest] = [
        .createReservation(
            CreateReservationRequest(
                dojoReservationID: "dr-1",
                name: "Ann",
                covers: 2,
                startTime: start,
                endTime: start,
                tableIDs: ["t1"]
            )
        ),
        .getReservation(GetReservationByIDRequest(reservationID: "r-1")),
        .updateReservation(
            UpdateReservationRequest(
                id: "r-1",
                dojoReservationID: "dr-1",
                name: "Ann",
                covers: 2,
                startTime: start,
                endTime: start,
                tableIDs: ["t1"]
            )
        ),
        .deleteReservation(DeleteReservationByIDRequest(reservationID: "r-1")),
        .searchReservations(SearchReservationsRequest(cursor: Cursor(limit: 5))),
        .createParty(CreatePartyRequest(dojoPartyID: "dp-1", startTime: start, tableIDs: ["t1"])),
        .getParty(GetPartyByIDRequest(partyID: "p-1")),
        .updateParty(
            UpdatePartyRequest(id: "p-1", dojoPartyID: "dp-1", startTime: start, status: "Seated", tableIDs: ["t1"])
        ),
        .deleteParty(DeletePartyByIDRequest(partyID: "p-1")),
        .searchParties(SearchPartiesRequest(completedOnly: true)),
        .searchTables(SearchTablesRequest(areaID: "a-1")),
        .listAreas(ListAreasRequest()),
        .getOrder(GetOrderByIDRequest(orderID: "o-1")),
        .searchOrders(SearchOrdersRequest(payableOnly: true)),
        .handleEvent(event),
    ]

    static func expectedResult(for method: DojoMethod) -> DojoResult {
        switch method {
        case .createReservation, .getReservation, .updateReservation: .reservation(reservation)
        case .searchReservations: .reservations(Page(data: [reservation], after: "next"))
        case .createParty, .getParty, .updateParty: .party(party)
        case .searchParties: .parties(Page(data: [party]))
        case .searchTables: .tables(Page(data: [Table(id: "t1", name: "Table 1", areaID: "a-1")]))
        case .listAreas: .areas([Area(id: "a-1", name: "terrace")])
        case .getOrder: .order(order)
        case .searchOrders: .orders(Page(data: [order], before: "prev"))
        case .deleteReservation, .deleteParty, .handleEvent: .empty
        }
    }
}

/// Implements every method, returning `Samples.expectedResult` and checking it received the right request.
struct EchoAdapter: POSAdapter {
    var capabilities: Set<Capability> { Set(Capability.all) }

    private func check(_ method: DojoMethod, _ context: RequestContext) {
        #expect(context.method == method)
    }

    func createReservation(_ request: CreateReservationRequest, context: RequestContext) async throws -> Reservation {
        check(.createReservation, context)
        #expect(request.dojoReservationID == "dr-1")
        return Samples.reservation
    }

    func updateReservation(_ request: UpdateReservationRequest, context: RequestContext) async throws -> Reservation {
        check(.updateReservation, context)
        return Samples.reservation
    }

    func deleteReservation(_ request: DeleteReservationByIDRequest, context: RequestContext) async throws {
        check(.deleteReservation, context)
    }

    func getReservation(_ request: GetReservationByIDRequest, context: RequestContext) async throws -> Reservation {
        check(.getReservation, context)
        return Samples.reservation
    }

    func searchReservations(
        _ request: SearchReservationsRequest,
        context: RequestContext
    ) async throws -> Page<Reservation> {
        check(.searchReservations, context)
        #expect(request.cursor?.limit == 5)
        return Page(data: [Samples.reservation], after: "next")
    }

    func createParty(_ request: CreatePartyRequest, context: RequestContext) async throws -> Party {
        check(.createParty, context)
        return Samples.party
    }

    func updateParty(_ request: UpdatePartyRequest, context: RequestContext) async throws -> Party {
        check(.updateParty, context)
        return Samples.party
    }

    func deleteParty(_ request: DeletePartyByIDRequest, context: RequestContext) async throws {
        check(.deleteParty, context)
    }

    func getParty(_ request: GetPartyByIDRequest, context: RequestContext) async throws -> Party {
        check(.getParty, context)
        return Samples.party
    }

    func searchParties(_ request: SearchPartiesRequest, context: RequestContext) async throws -> Page<Party> {
        check(.searchParties, context)
        #expect(request.completedOnly == true)
        return Page(data: [Samples.party])
    }

    func searchTables(_ request: SearchTablesRequest, context: RequestContext) async throws -> Page<Table> {
        check(.searchTables, context)
        return Page(data: [Table(id: "t1", name: "Table 1", areaID: request.areaID)])
    }

    func listAreas(_ request: ListAreasRequest, context: RequestContext) async throws -> [Area] {
        check(.listAreas, context)
        return [Area(id: "a-1", name: "terrace")]
    }

    func getOrder(_ request: GetOrderByIDRequest, context: RequestContext) async throws -> Order {
        check(.getOrder, context)
        return Samples.order
    }

    func searchOrders(_ request: SearchOrdersRequest, context: RequestContext) async throws -> Page<Order> {
        check(.searchOrders, context)
        return Page(data: [Samples.order], before: "prev")
    }

    func handleEvent(_ request: HandleEventRequest, context: RequestContext) async throws {
        check(.handleEvent, context)
        #expect(request.id == "e-1")
    }
}

/// Declares every capability but implements nothing: every call hits the defaults.
struct EmptyAdapter: POSAdapter {
    var capabilities: Set<Capability> { Set(Capability.all) }
}

/// Declares only ListAreas; any other method being called is a test failure.
struct AreasOnlyAdapter: POSAdapter {
    var capabilities: Set<Capability> { [.listAreas, .handlePaymentIntentCreated] }

    func listAreas(_ request: ListAreasRequest, context: RequestContext) async throws -> [Area] { [] }

    func createReservation(_ request: CreateReservationRequest, context: RequestContext) async throws -> Reservation {
        Issue.record("an undeclared capability reached the adapter")
        return Samples.reservation
    }

    func handleEvent(_ request: HandleEventRequest, context: RequestContext) async throws {
        Issue.record("an undeclared event type reached the adapter")
    }
}

struct VendorDatabaseError: Error, CustomStringConvertible {
    var description: String { "SQLITE_BUSY on /var/lib/pos/secret.db" }
}

@Suite struct AdapterRoutingTests {
    @Test func samplesCoverEveryMethod() {
        #expect(Set(Samples.requests.map(\.method)) == Set(DojoMethod.allCases))
    }

    @Test(arguments: Samples.requests)
    func respondRoutesEveryRequestToItsMethod(_ request: DojoRequest) async throws {
        let context = RequestContext(requestID: RequestID("1"), request: request)
        let result = try await EchoAdapter().respond(to: request, context: context)
        #expect(result == Samples.expectedResult(for: request.method))
        #expect(result.matches(request.method))
    }

    @Test(arguments: Samples.requests)
    func defaultImplementationsThrowNotImplemented(_ request: DojoRequest) async {
        let context = RequestContext(requestID: RequestID("1"), request: request)
        let error = await #expect(throws: AdapterError.self) {
            try await EmptyAdapter().respond(to: request, context: context)
        }
        #expect(error == AdapterError.notImplemented(request.method))
        #expect(error?.message == "\(request.method.wireName) is not implemented by this POS")
        #expect(DojoError.from(error!).wireError.errorType == .unexpectedError)
    }

    @Test func undeclaredCapabilityIsRefusedWithoutCallingTheAdapter() async {
        let request = Samples.requests[0]
        let error = await #expect(throws: AdapterError.self) {
            try await AreasOnlyAdapter().respond(
                to: request,
                context: RequestContext(requestID: RequestID("1"), request: request)
            )
        }
        #expect(error?.code == .notImplemented)
        #expect(error?.message == "CreateReservationV1 is not implemented by this POS")
    }

    @Test func eventIsRefusedWhenItsTypeIsNotDeclared() async throws {
        // The adapter subscribes to payment_intent.created only; a status_updated event must not reach it.
        let request = DojoRequest.handleEvent(Samples.event)
        let error = await #expect(throws: AdapterError.self) {
            try await AreasOnlyAdapter().respond(
                to: request,
                context: RequestContext(requestID: RequestID("1"), request: request)
            )
        }
        #expect(
            error?.message == #"HandleEventV1 for event "payment_intent.status_updated" is not implemented by this POS"#
        )
        var created = Samples.event
        created.event = .paymentIntentCreated
        #expect(DojoRequest.handleEvent(created).requiredCapability == .handlePaymentIntentCreated)
        created.event = DojoEventType(rawValue: "refund.created")
        #expect(DojoRequest.handleEvent(created).requiredCapability == nil)
    }

    @Test func contextCarriesTheRequestHeaders() {
        let request = DojoRequest.getParty(GetPartyByIDRequest(partyID: "p", headers: RequestHeaders(deviceID: "tm_1")))
        let context = RequestContext(requestID: RequestID("9"), request: request)
        #expect(
            context
                == RequestContext(
                    requestID: RequestID("9"),
                    method: .getParty,
                    headers: RequestHeaders(deviceID: "tm_1")
                )
        )
    }
}

@Suite struct ErrorMappingTests {
    @Test(arguments: [
        (AdapterError.notFound("no party p-1"), DojoErrorType.notFound),
        (.invalidRequest("unknown table t9"), .invalidRequest),
        (.conflict("table t1 is occupied"), .conflict),
        (.unavailable("till database offline"), .unexpectedError),
    ])
    func adapterErrorKeepsItsMessage(_ error: AdapterError, _ type: DojoErrorType) {
        let mapped = DojoError.from(error)
        #expect(mapped.wireError == DojoError(errorType: type, debugMessage: error.message))
        #expect(mapped.localDetail == nil)
    }

    @Test func notImplementedMapsToUnexpectedError() {
        let mapped = DojoError.from(AdapterError.notImplemented(.searchOrders))
        #expect(
            mapped.wireError
                == DojoError(errorType: .unexpectedError, debugMessage: "SearchOrdersV1 is not implemented by this POS")
        )
    }

    @Test func traceIDTravelsToTheWire() {
        let mapped = DojoError.from(AdapterError.conflict("locked").withTraceID("trace-7"))
        #expect(mapped.wireError == DojoError(errorType: .conflict, debugMessage: "locked", traceID: "trace-7"))
    }

    @Test func validationErrorBecomesInvalidRequestWithItsPreciseMessage() {
        let validation = DojoProtocolError(
            code: .invalidParams,
            fieldPath: "params.tableIds",
            reason: "must contain at least one table id"
        )
        let mapped = DojoError.from(validation)
        #expect(
            mapped.wireError
                == DojoError(
                    errorType: .invalidRequest,
                    debugMessage: "params.tableIds: must contain at least one table id"
                )
        )
        #expect(mapped.localDetail == nil)
    }

    @Test func anyOtherErrorIsGenericOnTheWireAndDetailedLocally() {
        let mapped = DojoError.from(VendorDatabaseError())
        #expect(
            mapped.wireError
                == DojoError(errorType: .unexpectedError, debugMessage: "internal error in the POS adapter")
        )
        #expect(mapped.localDetail == "VendorDatabaseError: SQLITE_BUSY on /var/lib/pos/secret.db")
        #expect(!mapped.wireError.description.contains("secret"))
        let response = ResponseFrame.failure(mapped.wireError, id: RequestID("1"), method: "GetPartyByIdV1").encoded()
        #expect(!response.contains("SQLITE"))
    }

    @Test func cancellationIsGenericToo() {
        let mapped = DojoError.from(CancellationError())
        #expect(mapped.wireError.errorType == .unexpectedError)
        #expect(mapped.wireError.debugMessage == DojoError.genericDebugMessage)
        #expect(mapped.localDetail?.hasPrefix("CancellationError") == true)
    }

    @Test func aDojoErrorPassesThroughUnchanged() {
        let wire = DojoError(errorType: DojoErrorType(rawValue: "FutureType"), debugMessage: "x", traceID: "t")
        #expect(DojoError.from(wire).wireError == wire)
    }
}
