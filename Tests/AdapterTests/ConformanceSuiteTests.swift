import DemoPOS
import DojoAdapter
import DojoAgentTesting
import DojoProtocol
import Testing

/// The suite must catch real mistakes, not only pass: each of these adapters breaks one rule on top of the demo POS.
@Suite("Conformance suite", .timeLimit(.minutes(1)))
struct ConformanceSuiteTests {
    /// The demo POS with one behaviour replaced.
    struct Broken: POSAdapter {
        enum Fault: String, CaseIterable, Sendable {
            case updateIsAPatch
            case updatePartyDropsReservationLink
            case completedPartiesListed
            case unknownIDIsUnexpectedError
            case deleteKeepsTheReservation
            case pagingRepeatsTheFirstPage
            case unknownTableAccepted
        }

        let base: DemoPOS
        let fault: Fault
        var capabilities: Set<Capability> { base.capabilities }

        func createReservation(_ request: CreateReservationRequest, context: RequestContext) async throws -> Reservation
        {
            if fault == .unknownTableAccepted {
                var known = request
                known.tableIDs = ["table-1"]
                var created = try await base.createReservation(known, context: context)
                created.tableIDs = request.tableIDs
                return created
            }
            return try await base.createReservation(request, context: context)
        }

        func updateReservation(_ request: UpdateReservationRequest, context: RequestContext) async throws -> Reservation
        {
            guard fault == .updateIsAPatch else { return try await base.updateReservation(request, context: context) }
            let current = try await base.getReservation(
                GetReservationByIDRequest(reservationID: request.id),
                context: context
            )
            var patched = request
            patched.hostNotes = request.hostNotes ?? current.hostNotes
            patched.guestRequests = request.guestRequests ?? current.guestRequests
            return try await base.updateReservation(patched, context: context)
        }

        func deleteReservation(_ request: DeleteReservationByIDRequest, context: RequestContext) async throws {
            if fault == .deleteKeepsTheReservation { return }
            try await base.deleteReservation(request, context: context)
        }

        func getReservation(_ request: GetReservationByIDRequest, context: RequestContext) async throws -> Reservation {
            do {
                return try await base.getReservation(request, context: context)
            } catch let error as AdapterError where error.code == .notFound && fault == .unknownIDIsUnexpectedError {
                throw AdapterError.unavailable("lookup failed")
            }
        }

        func searchReservations(
            _ request: SearchReservationsRequest,
            context: RequestContext
        ) async throws -> Page<Reservation> {
            guard fault == .pagingRepeatsTheFirstPage else {
                return try await base.searchReservations(request, context: context)
            }
            var first = request
            first.cursor?.after = nil
            let page = try await base.searchReservations(first, context: context)
            return Page(data: page.data, after: request.cursor?.after == nil ? page.after : nil)
        }

        func createParty(_ request: CreatePartyRequest, context: RequestContext) async throws -> Party {
            try await base.createParty(request, context: context)
        }

        func updateParty(_ request: UpdatePartyRequest, context: RequestContext) async throws -> Party {
            var party = try await base.updateParty(request, context: context)
            if fault == .updatePartyDropsReservationLink { party.reservationID = nil }
            return party
        }

        func deleteParty(_ request: DeletePartyByIDRequest, context: RequestContext) async throws {
            try await base.deleteParty(request, context: context)
        }

        func getParty(_ request: GetPartyByIDRequest, context: RequestContext) async throws -> Party {
            try await base.getParty(request, context: context)
        }

        func searchParties(_ request: SearchPartiesRequest, context: RequestContext) async throws -> Page<Party> {
            guard fault == .completedPartiesListed, request.completedOnly != true else {
                return try await base.searchParties(request, context: context)
            }
            let current = try await base.searchParties(request, context: context)
            var completed = request
            completed.completedOnly = true
            let done = try await base.searchParties(completed, context: context)
            return Page(data: current.data + done.data, after: current.after)
        }

        func searchTables(_ request: SearchTablesRequest, context: RequestContext) async throws -> Page<Table> {
            try await base.searchTables(request, context: context)
        }

        func listAreas(_ request: ListAreasRequest, context: RequestContext) async throws -> [Area] {
            try await base.listAreas(request, context: context)
        }

        func getOrder(_ request: GetOrderByIDRequest, context: RequestContext) async throws -> Order {
            try await base.getOrder(request, context: context)
        }

        func searchOrders(_ request: SearchOrdersRequest, context: RequestContext) async throws -> Page<Order> {
            try await base.searchOrders(request, context: context)
        }

        func handleEvent(_ request: HandleEventRequest, context: RequestContext) async throws {
            try await base.handleEvent(request, context: context)
        }
    }

    /// Which checks each fault must fail (at least these; no others may fail).
    static let expectedFailures: [Broken.Fault: Set<String>] = [
        .updateIsAPatch: ["UpdateReservationV1 replaces every field"],
        .updatePartyDropsReservationLink: [
            "UpdatePartyV1 replaces every field and keeps the reservation link"
        ],
        .completedPartiesListed: ["SearchPartiesV1 hides completed parties unless completedOnly"],
        .unknownIDIsUnexpectedError: [
            "GetReservationByIdV1 of an unknown id answers NotFound",
            "DeleteReservationByIdV1 removes it: GetReservationByIdV1 then answers NotFound",
        ],
        .deleteKeepsTheReservation: ["DeleteReservationByIdV1 removes it: GetReservationByIdV1 then answers NotFound"],
        .pagingRepeatsTheFirstPage: ["SearchReservationsV1 pages through reservations exactly once"],
        .unknownTableAccepted: ["CreateReservationV1 refuses an unknown table with InvalidRequest"],
    ]

    @Test(arguments: Broken.Fault.allCases)
    func catchesAnAdapterThatBreaksARule(_ fault: Broken.Fault) async throws {
        try await withTemporaryDirectory { directory in
            let adapter = Broken(base: try DemoPOS(path: directory + "/pos.sqlite"), fault: fault)
            let report = await AdapterConformanceSuite(adapter: adapter).run()
            let failed = Set(report.failures.map(\.name))
            let expected = try #require(Self.expectedFailures[fault])
            #expect(failed.isSuperset(of: expected), "\(report)")
            #expect(!report.isPassing)
            // The fault must not spill into unrelated checks: at most the expected ones and their direct followers.
            #expect(failed.count <= expected.count + 2, "\(report)")
        }
    }

    /// Declares only reservations: everything else is reported as skipped, never failed.
    struct ReservationsOnly: POSAdapter {
        let base: DemoPOS
        var capabilities: Set<Capability> { [.createReservation, .getReservationByID, .deleteReservationByID] }

        func createReservation(_ request: CreateReservationRequest, context: RequestContext) async throws -> Reservation
        {
            try await base.createReservation(request, context: context)
        }

        func getReservation(_ request: GetReservationByIDRequest, context: RequestContext) async throws -> Reservation {
            try await base.getReservation(request, context: context)
        }

        func deleteReservation(_ request: DeleteReservationByIDRequest, context: RequestContext) async throws {
            try await base.deleteReservation(request, context: context)
        }
    }

    @Test func skipsWhatTheAdapterDoesNotDeclare() async throws {
        try await withTemporaryDirectory { directory in
            let adapter = ReservationsOnly(base: try DemoPOS(path: directory + "/pos.sqlite"))
            let report = await AdapterConformanceSuite(
                adapter: adapter,
                options: .init(tableIDs: ["table-2"], runID: "fixed")
            ).run()
            expectConformance(report)
            let passed = report.checks.filter { $0.outcome == .passed }.map(\.name)
            #expect(
                passed == [
                    "CreateReservationV1 returns the reservation with a POS id",
                    "CreateReservationV1 is idempotent on dojoReservationId",
                    "CreateReservationV1 refuses an unknown table with InvalidRequest",
                    "GetReservationByIdV1 returns what was created",
                    "GetReservationByIdV1 of an unknown id answers NotFound",
                    "DeleteReservationByIdV1 removes it: GetReservationByIdV1 then answers NotFound",
                    "DeleteReservationByIdV1 of an unknown id answers NotFound or succeeds",
                ]
            )
            #expect(
                report.check(named: "UpdatePartyV1 replaces every field and keeps the reservation link")?.outcome
                    == .skipped(reason: "adapter does not declare UpdateParty")
            )
            #expect(report.skipped.count == report.checks.count - passed.count)
            // What it created is cleaned up.
            #expect(try await adapter.base.snapshot().reservations.isEmpty)
        }
    }
}
