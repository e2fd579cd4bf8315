import DojoAdapter
import DojoProtocol

/// Values from the reference fixtures (Dojo's own `CreateReservationV1`/`CreatePartyV1` examples).
enum ReferenceFixture {
    static let name = "Martin B."
    static let covers = 4
    static let guestRequests = "nut allergy; gluten intolerance; please could we have a table next to a window?"
    static let hostNotes = "called ahead to notify kitchen of dietary requirements - confirm upon arrival"
    static let deposit = PartyDeposit(
        totalAmount: Money(value: 5000, currencyCode: "GBP"),
        paymentIntentIDs: ["pi_sandbox_abc"],
        description: "Sunday Lunch deposit - 4 covers"
    )
}

extension ConformanceRun {
    /// A create request for the reference reservation, `minutes` after the base time, lasting 90 minutes.
    func referenceReservation(at minutes: Int64 = 0, tables: [String]) -> CreateReservationRequest {
        CreateReservationRequest(
            dojoReservationID: dojoID("reservation"),
            name: ReferenceFixture.name,
            covers: ReferenceFixture.covers,
            startTime: time(minutes),
            endTime: time(minutes + 90),
            tableIDs: tables,
            hostNotes: ReferenceFixture.hostNotes,
            guestRequests: ReferenceFixture.guestRequests
        )
    }

    /// Creates a reservation and remembers it for clean-up.
    func create(_ request: CreateReservationRequest) async throws -> Reservation {
        let reservation = try await adapter.createReservation(request, context: context(.createReservation))
        if !createdReservations.contains(reservation.id) { createdReservations.append(reservation.id) }
        return reservation
    }

    func reservationChecks() async {
        var created: Reservation?
        var request: CreateReservationRequest?

        await check("CreateReservationV1 returns the reservation with a POS id", requires: [.createReservation]) {
            let tables = try requireTables()
            let made = referenceReservation(tables: tables)
            let reservation = try await create(made)
            request = made
            created = reservation
            try expect(!reservation.id.isEmpty, "the reservation has an empty id")
            let expected = Reservation(
                id: reservation.id,
                name: made.name,
                covers: made.covers,
                startTime: made.startTime,
                endTime: made.endTime,
                tableIDs: made.tableIDs,
                hostNotes: made.hostNotes,
                guestRequests: made.guestRequests
            )
            try expectEqual(reservation, expected, "created reservation")
        }

        await check("CreateReservationV1 is idempotent on dojoReservationId", requires: [.createReservation]) {
            guard let request, let created else { throw CheckSkipped(reason: "no reservation was created") }
            let again = try await create(request)
            try expectEqual(again.id, created.id, "id of a repeated create with the same dojoReservationId")
        }

        await check(
            "CreateReservationV1 refuses an unknown table with InvalidRequest",
            requires: [.createReservation]
        ) {
            let tables = try requireTables()
            try await expectError(.invalidRequest, "CreateReservationV1 with an unknown table id") {
                _ = try await create(referenceReservation(tables: [tables[0], unknownID("table")]))
            }
        }

        await check("GetReservationByIdV1 returns what was created", requires: [.getReservationByID]) {
            guard let created else { throw CheckSkipped(reason: "no reservation was created") }
            let fetched = try await adapter.getReservation(
                GetReservationByIDRequest(reservationID: created.id),
                context: context(.getReservation)
            )
            try expectEqual(fetched, created, "fetched reservation")
        }

        await check("GetReservationByIdV1 of an unknown id answers NotFound", requires: [.getReservationByID]) {
            try await expectError(.notFound, "GetReservationByIdV1 of an unknown id") {
                _ = try await adapter.getReservation(
                    GetReservationByIDRequest(reservationID: unknownID("reservation")),
                    context: context(.getReservation)
                )
            }
        }

        await check("UpdateReservationV1 replaces every field", requires: [.updateReservation]) {
            guard let created, let request else { throw CheckSkipped(reason: "no reservation was created") }
            let tables = try requireTables()
            // Optional fields left out of the update must come back cleared: an update is not a patch.
            let update = UpdateReservationRequest(
                id: created.id,
                dojoReservationID: request.dojoReservationID,
                name: "Martin Brown",
                covers: 6,
                startTime: time(30),
                endTime: time(150),
                tableIDs: [tables.last ?? tables[0]]
            )
            let updated = try await adapter.updateReservation(update, context: context(.updateReservation))
            let expected = Reservation(
                id: created.id,
                name: "Martin Brown",
                covers: 6,
                startTime: time(30),
                endTime: time(150),
                tableIDs: [tables.last ?? tables[0]]
            )
            try expectEqual(updated, expected, "updated reservation")
            if adapter.capabilities.contains(.getReservationByID) {
                let fetched = try await adapter.getReservation(
                    GetReservationByIDRequest(reservationID: created.id),
                    context: context(.getReservation)
                )
                try expectEqual(fetched, expected, "reservation fetched after the update")
            }
        }

        await check("UpdateReservationV1 of an unknown id answers NotFound", requires: [.updateReservation]) {
            let tables = try requireTables()
            try await expectError(.notFound, "UpdateReservationV1 of an unknown id") {
                _ = try await adapter.updateReservation(
                    UpdateReservationRequest(
                        id: unknownID("reservation"),
                        dojoReservationID: dojoID("reservation"),
                        name: ReferenceFixture.name,
                        covers: 2,
                        startTime: time(0),
                        endTime: time(60),
                        tableIDs: [tables[0]]
                    ),
                    context: context(.updateReservation)
                )
            }
        }

        await check(
            "UpdateReservationV1 refuses an unknown table with InvalidRequest",
            requires: [.updateReservation]
        ) {
            guard let created, let request else { throw CheckSkipped(reason: "no reservation was created") }
            try await expectError(.invalidRequest, "UpdateReservationV1 with an unknown table id") {
                _ = try await adapter.updateReservation(
                    UpdateReservationRequest(
                        id: created.id,
                        dojoReservationID: request.dojoReservationID,
                        name: ReferenceFixture.name,
                        covers: 2,
                        startTime: time(0),
                        endTime: time(60),
                        tableIDs: [unknownID("table")]
                    ),
                    context: context(.updateReservation)
                )
            }
        }

        await searchReservationChecks()

        await check(
            "DeleteReservationByIdV1 removes it: GetReservationByIdV1 then answers NotFound",
            requires: [.createReservation, .deleteReservationByID, .getReservationByID]
        ) {
            let reservation = try await create(referenceReservation(at: 24 * 60, tables: try requireTables()))
            try await adapter.deleteReservation(
                DeleteReservationByIDRequest(reservationID: reservation.id),
                context: context(.deleteReservation)
            )
            createdReservations.removeAll { $0 == reservation.id }
            try await expectError(.notFound, "GetReservationByIdV1 after the delete") {
                _ = try await adapter.getReservation(
                    GetReservationByIDRequest(reservationID: reservation.id),
                    context: context(.getReservation)
                )
            }
            if adapter.capabilities.contains(.searchReservations) {
                let (found, _) = try await collectPages(limit: 100, "SearchReservationsV1 after a delete") { cursor in
                    try await adapter.searchReservations(
                        SearchReservationsRequest(fromTime: time(24 * 60), toTime: time(24 * 60 + 90), cursor: cursor),
                        context: context(.searchReservations)
                    )
                }
                try expect(!found.contains { $0.id == reservation.id }, "the deleted reservation is still listed")
            }
        }

        await check(
            "DeleteReservationByIdV1 of an unknown id answers NotFound or succeeds",
            requires: [.deleteReservationByID]
        ) {
            do {
                try await adapter.deleteReservation(
                    DeleteReservationByIDRequest(reservationID: unknownID("reservation")),
                    context: context(.deleteReservation)
                )
            } catch {
                let errorType = DojoError.from(error).wireError.errorType
                try expect(
                    errorType == .notFound,
                    "expected NotFound (or success: deletes may be idempotent), got \(describe(error: error))"
                )
            }
        }
    }

    private func searchReservationChecks() async {
        // Four bookings at one table, an hour apart, in a window of their own.
        var ours: [Reservation] = []
        let windowStart: Int64 = 7 * 24 * 60
        await check(
            "SearchReservationsV1 pages through reservations exactly once",
            requires: [.createReservation, .searchReservations]
        ) {
            let table = try requireTables()[0]
            for index in 0..<4 {
                ours.append(
                    try await create(referenceReservation(at: windowStart + Int64(index) * 60, tables: [table]))
                )
            }
            let (found, pages) = try await collectPages(limit: 1, "SearchReservationsV1") { cursor in
                try await adapter.searchReservations(
                    SearchReservationsRequest(
                        tableID: table,
                        fromTime: time(windowStart),
                        toTime: time(windowStart + 5 * 60),
                        cursor: cursor
                    ),
                    context: context(.searchReservations)
                )
            }
            let ids = found.map(\.id)
            try expectEqual(Set(ids).count, ids.count, "distinct reservation ids over \(pages.count) pages of 1")
            for reservation in ours {
                try expect(ids.contains(reservation.id), "reservation \(describe(reservation.id)) was not listed")
                try expectEqual(
                    found.first { $0.id == reservation.id },
                    reservation,
                    "listed reservation \(reservation.id)"
                )
            }
        }

        await check(
            "SearchReservationsV1 tableId keeps only that table's reservations",
            requires: [.searchReservations]
        ) {
            guard let table = ours.first?.tableIDs.first else {
                throw CheckSkipped(reason: "no reservation was created to search for")
            }
            let (found, _) = try await collectPages(limit: 100, "SearchReservationsV1 tableId") { cursor in
                try await adapter.searchReservations(
                    SearchReservationsRequest(tableID: table, cursor: cursor),
                    context: context(.searchReservations)
                )
            }
            try expect(found.allSatisfy { $0.tableIDs.contains(table) }, "a reservation at another table came back")
            try expect(
                ours.allSatisfy { mine in found.contains { $0.id == mine.id } },
                "a reservation at table \(describe(table)) is missing"
            )
        }

        await check(
            "SearchReservationsV1 time window leaves out reservations outside it",
            requires: [.searchReservations]
        ) {
            guard !ours.isEmpty else { throw CheckSkipped(reason: "no reservation was created to search for") }
            let (found, _) = try await collectPages(limit: 100, "SearchReservationsV1 window") { cursor in
                try await adapter.searchReservations(
                    SearchReservationsRequest(
                        fromTime: time(windowStart + 30 * 24 * 60),
                        toTime: time(windowStart + 31 * 24 * 60),
                        cursor: cursor
                    ),
                    context: context(.searchReservations)
                )
            }
            let ourIDs = Set(ours.map(\.id))
            try expect(
                !found.contains { ourIDs.contains($0.id) },
                "a reservation a month before the window was listed"
            )
        }

        await check(
            "SearchReservationsV1 before cursor leads back to the previous page",
            requires: [.searchReservations]
        ) {
            guard let table = ours.first?.tableIDs.first else {
                throw CheckSkipped(reason: "no reservation was created to search for")
            }
            let search = { (cursor: Cursor) in
                SearchReservationsRequest(
                    tableID: table,
                    fromTime: self.time(windowStart),
                    toTime: self.time(windowStart + 5 * 60),
                    cursor: cursor
                )
            }
            let first = try await adapter.searchReservations(
                search(Cursor(limit: 2)),
                context: context(.searchReservations)
            )
            guard let after = first.after else {
                throw CheckFailed(reason: "a first page of 2 out of 4 or more reservations has no after cursor")
            }
            let second = try await adapter.searchReservations(
                search(Cursor(limit: 2, after: after)),
                context: context(.searchReservations)
            )
            guard let before = second.before else {
                throw CheckSkipped(reason: "the adapter returns no before cursors")
            }
            let back = try await adapter.searchReservations(
                search(Cursor(limit: 2, before: before)),
                context: context(.searchReservations)
            )
            try expectEqual(back.data.map(\.id), first.data.map(\.id), "reservation ids on the page before the second")
        }

        await check(
            "SearchReservationsV1 refuses a malformed cursor with InvalidRequest",
            requires: [.searchReservations]
        ) {
            try await expectError(.invalidRequest, "SearchReservationsV1 with a cursor the POS never issued") {
                _ = try await adapter.searchReservations(
                    SearchReservationsRequest(cursor: Cursor(limit: 2, after: "not-a-cursor-\(options.runID)")),
                    context: context(.searchReservations)
                )
            }
        }
    }
}
