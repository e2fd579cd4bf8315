import DojoAdapter
import DojoAgentTesting
import DojoProtocol
import Foundation
import Testing

@testable import DemoPOS

@Suite("Demo POS", .timeLimit(.minutes(1)))
struct DemoPOSTests {
    /// A demo POS on a fresh SQLite file.
    private func withDemoPOS<T>(_ body: (DemoPOS, String) async throws -> T) async throws -> T {
        try await withTemporaryDirectory { directory in
            let path = directory + "/demo-pos.sqlite"
            return try await body(try DemoPOS(path: path), path)
        }
    }

    private func booking(
        _ dojoID: String,
        tables: [String] = ["table-1"],
        start: Int64 = 0,
        minutes: Int64 = 90
    ) -> CreateReservationRequest {
        CreateReservationRequest(
            dojoReservationID: dojoID,
            name: "Martin B.",
            covers: 4,
            startTime: time(start),
            endTime: time(start + minutes),
            tableIDs: tables,
            hostNotes: "regulars",
            guestRequests: "window seat"
        )
    }

    @Test func idsFromDojoReachItsLogQuotedAndEscaped() async throws {
        try await withTemporaryDirectory { directory in
            let logs = LogCapture()
            let pos = try DemoPOS(path: directory + "/demo-pos.sqlite", logger: logs.logger("dojo.demo-pos"))
            let forged = "d-1\n2026-01-01T00:00:00+0000 critical dojo.agent : FORGED"
            let created = try await pos.createReservation(self.booking(forged), context: context(.createReservation))
            try await pos.deleteReservation(
                DeleteReservationByIDRequest(reservationID: created.id),
                context: context(.deleteReservation)
            )
            let line = await logs.first("reservation created")
            #expect(
                line.metadata["dojo.reservation_id"] == #"d-1\n2026-01-01T00:00:00+0000 critical dojo.agent : FORGED"#
            )
            let deleted = await logs.first("reservation deleted")
            #expect(deleted.metadata["pos.reservation_id"] == created.id)
        }
    }

    @Test func passesTheConformanceSuite() async throws {
        try await withDemoPOS { pos, _ in
            let report = await AdapterConformanceSuite(adapter: pos).run()
            expectConformance(report)
            #expect(report.skipped.isEmpty, "\(report.skipped)")
            #expect(report.checks.count == 43)
        }
    }

    @Test func seedsTwoAreasEightTablesAPartyAndThreeOrders() async throws {
        try await withDemoPOS { pos, _ in
            let snapshot = try await pos.snapshot()
            #expect(snapshot.areas.map(\.id) == ["area-main", "area-terrace"])
            #expect(snapshot.tables.map(\.id) == (1...8).map { "table-\($0)" })
            #expect(snapshot.tables.map(\.name).prefix(5) == ["Table 1", "Table 2", "Table 3", "Table 4", "Booth 5"])
            #expect(snapshot.tables.compactMap(\.maxCovers) == [2, 2, 4, 4, 6, 2, 4, 8])
            #expect(snapshot.parties.map(\.id) == ["party-000001"])
            #expect(snapshot.orders.map(\.id) == ["order-000001", "order-000002", "order-000003"])
            #expect(snapshot.orders[0].details.dineIn?.partyID == "party-000001")
            #expect(snapshot.reservations.isEmpty)
            #expect(snapshot.handledEventIDs.isEmpty)
        }
    }

    @Test func updateIsAFullReplacementAndCreateIsIdempotent() async throws {
        try await withDemoPOS { pos, _ in
            let created = try await pos.createReservation(booking("dojo-1"), context: context(.createReservation))
            #expect(created.id == "res-000001")
            let again = try await pos.createReservation(booking("dojo-1"), context: context(.createReservation))
            #expect(again == created)

            let updated = try await pos.updateReservation(
                UpdateReservationRequest(
                    id: created.id,
                    dojoReservationID: "dojo-1",
                    name: "Martin Brown",
                    covers: 2,
                    startTime: time(30),
                    endTime: time(60),
                    tableIDs: ["table-2", "table-3"]
                ),
                context: context(.updateReservation)
            )
            let expected = Reservation(
                id: "res-000001",
                name: "Martin Brown",
                covers: 2,
                startTime: time(30),
                endTime: time(60),
                tableIDs: ["table-2", "table-3"]
            )
            #expect(updated == expected)
            let fetched = try await pos.getReservation(
                GetReservationByIDRequest(reservationID: created.id),
                context: context(.getReservation)
            )
            #expect(fetched == expected)
        }
    }

    @Test func partyKeepsItsReservationLinkAndCompletedPartiesAreFiltered() async throws {
        try await withDemoPOS { pos, _ in
            let reservation = try await pos.createReservation(booking("dojo-r"), context: context(.createReservation))
            // Seated by Dojo id only: the POS resolves the reservation it created for that Dojo id.
            let party = try await pos.createParty(
                CreatePartyRequest(
                    dojoPartyID: "dojo-p",
                    startTime: time(0),
                    tableIDs: ["table-1"],
                    name: "Martin B.",
                    dojoReservationID: "dojo-r"
                ),
                context: context(.createParty)
            )
            #expect(party.id == "party-000002")
            #expect(party.status == "Seated")
            #expect(party.reservationID == reservation.id)

            let left = try await pos.updateParty(
                UpdatePartyRequest(
                    id: party.id,
                    dojoPartyID: "dojo-p",
                    startTime: time(0),
                    status: "Left",
                    tableIDs: ["table-1"],
                    endTime: time(80)
                ),
                context: context(.updateParty)
            )
            #expect(
                left
                    == Party(
                        id: party.id,
                        tableIDs: ["table-1"],
                        status: "Left",
                        startTime: time(0),
                        endTime: time(80),
                        reservationID: reservation.id
                    )
            )
            let current = try await pos.searchParties(SearchPartiesRequest(), context: context(.searchParties))
            #expect(current.data.map(\.id) == ["party-000001"])
            let completed = try await pos.searchParties(
                SearchPartiesRequest(completedOnly: true),
                context: context(.searchParties)
            )
            #expect(completed.data.map(\.id) == [party.id])
        }
    }

    @Test func unknownTablesAndReservationsAreInvalidRequests() async throws {
        try await withDemoPOS { pos, _ in
            let tableError = await failure {
                _ = try await pos.createReservation(
                    booking("dojo-x", tables: ["table-1", "table-99"]),
                    context: context(.createReservation)
                )
            }
            #expect(
                tableError.map(wireError)
                    == DojoError(errorType: .invalidRequest, debugMessage: "unknown table id \"table-99\"")
            )
            let reservationError = await failure {
                _ = try await pos.createParty(
                    CreatePartyRequest(
                        dojoPartyID: "p",
                        startTime: time(0),
                        tableIDs: ["table-1"],
                        reservationID: "res-404"
                    ),
                    context: context(.createParty)
                )
            }
            #expect(
                reservationError.map(wireError)
                    == DojoError(errorType: .invalidRequest, debugMessage: "unknown reservation id \"res-404\"")
            )
            let reservations = try await pos.snapshot().reservations
            #expect(reservations.isEmpty)
        }
    }

    /// An update is one guarded statement; when it changes nothing, the checks run one by one so the error is
    /// the one documented first: for a party not found, then an unknown table, then a Dojo id of another party;
    /// for a reservation an unknown table, then a Dojo id of another reservation, then not found.
    @Test func failedUpdatesNameTheFirstProblemAndChangeNothing() async throws {
        try await withDemoPOS { pos, _ in
            let a = try await pos.createParty(
                CreatePartyRequest(dojoPartyID: "dp-a", startTime: time(0), tableIDs: ["table-1"]),
                context: context(.createParty)
            )
            _ = try await pos.createParty(
                CreatePartyRequest(dojoPartyID: "dp-b", startTime: time(0), tableIDs: ["table-2"]),
                context: context(.createParty)
            )
            func updateParty(_ id: String, dojoID: String, tables: [String]) async -> DojoError? {
                await failure {
                    _ = try await pos.updateParty(
                        UpdatePartyRequest(
                            id: id,
                            dojoPartyID: dojoID,
                            startTime: time(5),
                            status: "Seated",
                            tableIDs: tables
                        ),
                        context: context(.updateParty)
                    )
                }.map(wireError)
            }
            #expect(await updateParty("party-x", dojoID: "dp-b", tables: ["nope"])?.errorType == .notFound)
            #expect(
                await updateParty(a.id, dojoID: "dp-b", tables: ["nope"])
                    == DojoError(errorType: .invalidRequest, debugMessage: "unknown table id \"nope\"")
            )
            let conflict = await updateParty(a.id, dojoID: "dp-b", tables: ["table-1"])
            #expect(conflict?.errorType == .conflict, "\(String(describing: conflict))")
            let unchanged = try await pos.getParty(GetPartyByIDRequest(partyID: a.id), context: context(.getParty))
            #expect(unchanged == a)

            let r = try await pos.createReservation(booking("dr-a"), context: context(.createReservation))
            _ = try await pos.createReservation(
                booking("dr-b", tables: ["table-2"]),
                context: context(.createReservation)
            )
            func updateReservation(_ id: String, dojoID: String, tables: [String]) async -> DojoError? {
                await failure {
                    _ = try await pos.updateReservation(
                        UpdateReservationRequest(
                            id: id,
                            dojoReservationID: dojoID,
                            name: "Ana",
                            covers: 2,
                            startTime: time(0),
                            endTime: time(60),
                            tableIDs: tables
                        ),
                        context: context(.updateReservation)
                    )
                }.map(wireError)
            }
            #expect(
                await updateReservation("res-x", dojoID: "dr-b", tables: ["nope"])
                    == DojoError(errorType: .invalidRequest, debugMessage: "unknown table id \"nope\"")
            )
            #expect(await updateReservation("res-x", dojoID: "dr-b", tables: ["table-1"])?.errorType == .conflict)
            #expect(await updateReservation("res-x", dojoID: "dr-x", tables: ["table-1"])?.errorType == .notFound)
            #expect(await updateReservation(r.id, dojoID: "dr-b", tables: ["table-1"])?.errorType == .conflict)
            let kept = try await pos.getReservation(
                GetReservationByIDRequest(reservationID: r.id),
                context: context(.getReservation)
            )
            #expect(kept == r)
        }
    }

    /// The demo POS's own transaction (cached `BEGIN IMMEDIATE`/`COMMIT`): a write that throws leaves nothing behind,
    /// and the connection takes the next write normally.
    @Test func aWriteThatThrowsIsRolledBack() async throws {
        struct Planted: Error {}
        try await withDemoPOS { pos, _ in
            await #expect(throws: Planted.self) {
                _ = try await pos.write { db -> Int in
                    _ = try Records.nextID("reservation", in: db)
                    throw Planted()
                }
            }
            let created = try await pos.createReservation(booking("after"), context: context(.createReservation))
            #expect(created.id == "res-000001", "the sequence bump was rolled back")
        }
    }

    @Test func deletedEntitiesAreNotFoundAndIdsAreNotReused() async throws {
        try await withDemoPOS { pos, _ in
            let first = try await pos.createReservation(booking("a"), context: context(.createReservation))
            try await pos.deleteReservation(
                DeleteReservationByIDRequest(reservationID: first.id),
                context: context(.deleteReservation)
            )
            let getError = await failure {
                _ = try await pos.getReservation(
                    GetReservationByIDRequest(reservationID: first.id),
                    context: context(.getReservation)
                )
            }
            #expect(
                getError.map(wireError)
                    == DojoError(errorType: .notFound, debugMessage: "reservation \"res-000001\" does not exist")
            )
            let deleteAgain = await failure {
                try await pos.deleteReservation(
                    DeleteReservationByIDRequest(reservationID: first.id),
                    context: context(.deleteReservation)
                )
            }
            #expect(deleteAgain.map(wireError)?.errorType == .notFound)
            let second = try await pos.createReservation(booking("b"), context: context(.createReservation))
            #expect(second.id == "res-000002")
        }
    }

    @Test func pagesForwardAndBackWithoutRepeatsUnderInserts() async throws {
        try await withDemoPOS { pos, _ in
            for index in 0..<5 {
                _ = try await pos.createReservation(
                    booking("r\(index)", start: Int64(index) * 10),
                    context: context(.createReservation)
                )
            }
            let search = { (cursor: Cursor) in SearchReservationsRequest(cursor: cursor) }
            let page1 = try await pos.searchReservations(
                search(Cursor(limit: 2)),
                context: context(.searchReservations)
            )
            #expect(page1.data.map(\.id) == ["res-000001", "res-000002"])
            #expect(page1.before == nil)
            let after1: String = try #require(page1.after)
            // A reservation starting before everything, inserted between two pages, must not shift the next page.
            _ = try await pos.createReservation(booking("early", start: -100), context: context(.createReservation))
            let page2 = try await pos.searchReservations(
                search(Cursor(limit: 2, after: after1)),
                context: context(.searchReservations)
            )
            #expect(page2.data.map(\.id) == ["res-000003", "res-000004"])
            let after2: String = try #require(page2.after)
            let before2: String = try #require(page2.before)
            let page3 = try await pos.searchReservations(
                search(Cursor(limit: 2, after: after2)),
                context: context(.searchReservations)
            )
            #expect(page3.data.map(\.id) == ["res-000005"])
            #expect(page3.after == nil)
            let back = try await pos.searchReservations(
                search(Cursor(limit: 2, before: before2)),
                context: context(.searchReservations)
            )
            #expect(back.data.map(\.id) == ["res-000001", "res-000002"])
            #expect(back.before != nil, "the early reservation is now before page 1")
        }
    }

    @Test(arguments: [
        // (fromTime, toTime) in minutes, and whether the 0…90 reservation overlaps it.
        (Int64?.none, Int64?.none, true),
        (90, nil, false),  // the window starts as the reservation ends: [0, 90) and [90, …) do not overlap
        (89, nil, true),
        (nil, 0, false),  // ends as it starts
        (nil, 1, true),
        (30, 40, true),  // inside
        (-60, 200, true),  // around
    ])
    func timeWindowSelectsOverlappingReservations(from: Int64?, to: Int64?, included: Bool) async throws {
        try await withDemoPOS { pos, _ in
            let reservation = try await pos.createReservation(booking("w"), context: context(.createReservation))
            let page = try await pos.searchReservations(
                SearchReservationsRequest(fromTime: from.map(time), toTime: to.map(time)),
                context: context(.searchReservations)
            )
            #expect(page.data.map(\.id) == (included ? [reservation.id] : []))
        }
    }

    @Test func filtersTablesOrdersAndRefusesForeignCursors() async throws {
        try await withDemoPOS { pos, _ in
            let terrace = try await pos.searchTables(
                SearchTablesRequest(areaID: "area-terrace"),
                context: context(.searchTables)
            )
            #expect(terrace.data.map(\.id) == ["table-6", "table-7", "table-8"])
            let ben = try await pos.searchTables(
                SearchTablesRequest(waiterID: "waiter-ben"),
                context: context(.searchTables)
            )
            #expect(ben.data.map(\.id) == ["table-4", "table-5"])
            let payable = try await pos.searchOrders(
                SearchOrdersRequest(payableOnly: true),
                context: context(.searchOrders)
            )
            #expect(payable.data.compactMap(\.id) == ["order-000001", "order-000003"])
            let ofParty = try await pos.searchOrders(
                SearchOrdersRequest(dineIn: DineInFilter(partyID: "party-000001")),
                context: context(.searchOrders)
            )
            #expect(ofParty.data.compactMap(\.id) == ["order-000001"])

            let tablesPage = try await pos.searchTables(
                SearchTablesRequest(cursor: Cursor(limit: 2)),
                context: context(.searchTables)
            )
            let tableCursor: String = try #require(tablesPage.after)
            let misuse = await failure {
                _ = try await pos.searchOrders(
                    SearchOrdersRequest(cursor: Cursor(after: tableCursor)),
                    context: context(.searchOrders)
                )
            }
            #expect(
                misuse.map(wireError)
                    == DojoError(
                        errorType: .invalidRequest,
                        debugMessage: "cursor.after: \"\(tableCursor)\" is not a cursor this POS issued for this search"
                    )
            )
        }
    }

    @Test func recordsEachDojoEventOnceAndKeepsEverythingAcrossReopen() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/demo-pos.sqlite"
            let event = HandleEventRequest(
                id: "evt-1",
                accountID: "acc",
                event: .paymentIntentCreated,
                data: PaymentIntentEventData(paymentIntentID: "pi-1", paymentStatus: .created, captureMode: .auto),
                createdAt: time(0)
            )
            let reservation: Reservation
            do {
                let pos = try DemoPOS(path: path)
                reservation = try await pos.createReservation(booking("kept"), context: context(.createReservation))
                try await pos.handleEvent(event, context: context(.handleEvent))
                try await pos.handleEvent(event, context: context(.handleEvent))
            }
            let reopened = try DemoPOS(path: path)
            let snapshot = try await reopened.snapshot()
            #expect(snapshot.reservations == [reservation])
            #expect(snapshot.handledEventIDs == ["evt-1"])
            #expect(snapshot.tables.count == 8, "the seed runs once, not on every open")
            #expect(snapshot.parties.count == 1)
            let next = try await reopened.createReservation(booking("next"), context: context(.createReservation))
            #expect(next.id == "res-000002")
        }
    }
}
