import DojoAdapter
import DojoProtocol

extension ConformanceRun {
    /// Creates a party and remembers it for clean-up.
    func create(_ request: CreatePartyRequest) async throws -> Party {
        let party = try await adapter.createParty(request, context: context(.createParty))
        if !createdParties.contains(party.id) { createdParties.append(party.id) }
        return party
    }

    /// A walk-in at `table`, `minutes` after the base time.
    func walkIn(at minutes: Int64, table: String) -> CreatePartyRequest {
        CreatePartyRequest(
            dojoPartyID: dojoID("party"),
            startTime: time(minutes),
            tableIDs: [table],
            name: "Walk-in",
            covers: 2,
            status: "Seated"
        )
    }

    /// The update that marks `party` as having left at `endTime`, keeping everything else.
    func leaving(_ party: Party, dojoPartyID: String, at endTime: Timestamp) -> UpdatePartyRequest {
        UpdatePartyRequest(
            id: party.id,
            dojoPartyID: dojoPartyID,
            startTime: party.startTime,
            status: "Left",
            tableIDs: party.tableIDs,
            name: party.name,
            covers: party.covers,
            expectedEndTime: party.expectedEndTime,
            endTime: endTime,
            hostNotes: party.hostNotes,
            guestRequests: party.guestRequests,
            deposit: party.deposit
        )
    }

    func partyChecks() async {
        var seated: Party?
        var seatedDojoID = ""
        var reservationID: String?

        await check(
            "CreatePartyV1 seats a reservation and links the party to it",
            requires: [.createReservation, .createParty]
        ) {
            let tables = try requireTables()
            let reservation = try await create(referenceReservation(at: 2 * 24 * 60, tables: tables))
            reservationID = reservation.id
            seatedDojoID = dojoID("party")
            // The reference CreatePartyV1: no status, so the POS picks its default.
            let request = CreatePartyRequest(
                dojoPartyID: seatedDojoID,
                startTime: reservation.startTime,
                tableIDs: reservation.tableIDs,
                name: ReferenceFixture.name,
                covers: ReferenceFixture.covers,
                expectedEndTime: reservation.endTime,
                hostNotes: ReferenceFixture.hostNotes,
                guestRequests: ReferenceFixture.guestRequests,
                reservationID: reservation.id,
                dojoReservationID: dojoID("reservation-of-party"),
                deposit: ReferenceFixture.deposit
            )
            let party = try await create(request)
            seated = party
            try expect(!party.id.isEmpty, "the party has an empty id")
            try expect(!party.status.isEmpty, "the party has an empty status; a POS must choose one when none is given")
            let expected = Party(
                id: party.id,
                name: ReferenceFixture.name,
                covers: ReferenceFixture.covers,
                tableIDs: reservation.tableIDs,
                status: party.status,
                startTime: reservation.startTime,
                expectedEndTime: reservation.endTime,
                hostNotes: ReferenceFixture.hostNotes,
                guestRequests: ReferenceFixture.guestRequests,
                reservationID: reservation.id,
                deposit: ReferenceFixture.deposit
            )
            try expectEqual(party, expected, "created party")
        }

        await check("CreatePartyV1 is idempotent on dojoPartyId", requires: [.createParty]) {
            guard let seated else { throw CheckSkipped(reason: "no party was created") }
            let again = try await create(
                CreatePartyRequest(
                    dojoPartyID: seatedDojoID,
                    startTime: seated.startTime,
                    tableIDs: seated.tableIDs,
                    name: seated.name,
                    covers: seated.covers
                )
            )
            try expectEqual(again.id, seated.id, "id of a repeated create with the same dojoPartyId")
        }

        var walkInParty: Party?
        var walkInDojoID = ""
        await check("CreatePartyV1 seats a walk-in without a reservation", requires: [.createParty]) {
            let tables = try requireTables()
            let request = walkIn(at: 2 * 24 * 60 + 15, table: tables.last ?? tables[0])
            walkInDojoID = request.dojoPartyID
            let party = try await create(request)
            walkInParty = party
            try expectEqual(party.reservationID, nil, "reservationId of a walk-in")
            try expectEqual(party.status, "Seated", "status given at creation")
            try expectEqual(party.tableIDs, request.tableIDs, "tableIds")
        }

        await check("CreatePartyV1 refuses an unknown table with InvalidRequest", requires: [.createParty]) {
            try await expectError(.invalidRequest, "CreatePartyV1 with an unknown table id") {
                _ = try await create(walkIn(at: 2 * 24 * 60, table: unknownID("table")))
            }
        }

        await check("GetPartyByIdV1 returns what was created", requires: [.getPartyByID]) {
            guard let seated else { throw CheckSkipped(reason: "no party was created") }
            let fetched = try await adapter.getParty(
                GetPartyByIDRequest(partyID: seated.id),
                context: context(.getParty)
            )
            try expectEqual(fetched, seated, "fetched party")
        }

        await check("GetPartyByIdV1 of an unknown id answers NotFound", requires: [.getPartyByID]) {
            try await expectError(.notFound, "GetPartyByIdV1 of an unknown id") {
                _ = try await adapter.getParty(
                    GetPartyByIDRequest(partyID: unknownID("party")),
                    context: context(.getParty)
                )
            }
        }

        await check(
            "UpdatePartyV1 replaces every field and keeps the reservation link",
            requires: [.updateParty]
        ) {
            guard let current = seated, let reservationID else { throw CheckSkipped(reason: "no party was created") }
            // The reference UpdatePartyV1: no name, notes, requests or deposit, so those come back cleared; it has
            // no reservationId either, and the link must survive.
            let update = UpdatePartyRequest(
                id: current.id,
                dojoPartyID: seatedDojoID,
                startTime: current.startTime,
                status: "Ordered",
                tableIDs: current.tableIDs,
                covers: 5,
                expectedEndTime: Timestamp(
                    millisecondsSince1970: current.startTime.millisecondsSince1970 + 120 * 60_000
                )
            )
            let updated = try await adapter.updateParty(update, context: context(.updateParty))
            let expected = Party(
                id: current.id,
                covers: 5,
                tableIDs: current.tableIDs,
                status: "Ordered",
                startTime: current.startTime,
                expectedEndTime: update.expectedEndTime,
                reservationID: reservationID
            )
            try expectEqual(updated, expected, "updated party")
            seated = updated
            if adapter.capabilities.contains(.getPartyByID) {
                let fetched = try await adapter.getParty(
                    GetPartyByIDRequest(partyID: current.id),
                    context: context(.getParty)
                )
                try expectEqual(fetched, expected, "party fetched after the update")
            }
        }

        await check("UpdatePartyV1 of an unknown id answers NotFound", requires: [.updateParty]) {
            let tables = try requireTables()
            try await expectError(.notFound, "UpdatePartyV1 of an unknown id") {
                _ = try await adapter.updateParty(
                    UpdatePartyRequest(
                        id: unknownID("party"),
                        dojoPartyID: dojoID("party"),
                        startTime: time(0),
                        status: "Seated",
                        tableIDs: [tables[0]]
                    ),
                    context: context(.updateParty)
                )
            }
        }

        await check("UpdatePartyV1 refuses an unknown table with InvalidRequest", requires: [.updateParty]) {
            guard let seated else { throw CheckSkipped(reason: "no party was created") }
            try await expectError(.invalidRequest, "UpdatePartyV1 with an unknown table id") {
                _ = try await adapter.updateParty(
                    UpdatePartyRequest(
                        id: seated.id,
                        dojoPartyID: seatedDojoID,
                        startTime: seated.startTime,
                        status: seated.status,
                        tableIDs: [unknownID("table")]
                    ),
                    context: context(.updateParty)
                )
            }
        }

        await check(
            "SearchPartiesV1 hides completed parties unless completedOnly",
            requires: [.updateParty, .searchParties]
        ) {
            guard let seated, let walkIn = walkInParty else { throw CheckSkipped(reason: "no party was created") }
            let left = try await adapter.updateParty(
                leaving(walkIn, dojoPartyID: walkInDojoID, at: time(2 * 24 * 60 + 75)),
                context: context(.updateParty)
            )
            try expectEqual(left.endTime, time(2 * 24 * 60 + 75), "endTime of the party that left")
            walkInParty = left
            let current = try await allParties(completedOnly: nil)
            try expect(current.contains { $0.id == seated.id }, "the seated party is missing from current parties")
            try expect(!current.contains { $0.id == walkIn.id }, "a completed party is listed among current parties")
            try expect(current.allSatisfy { $0.endTime == nil }, "a party with an endTime is listed as current")
            let explicitFalse = try await allParties(completedOnly: false)
            try expect(!explicitFalse.contains { $0.id == walkIn.id }, "completedOnly: false listed a completed party")
            let completed = try await allParties(completedOnly: true)
            try expect(completed.contains { $0.id == walkIn.id }, "the completed party is missing with completedOnly")
            try expect(!completed.contains { $0.id == seated.id }, "completedOnly listed a current party")
            try expect(completed.allSatisfy { $0.endTime != nil }, "completedOnly listed a party without an endTime")
        }

        await check(
            "SearchPartiesV1 pages through parties exactly once",
            requires: [.createParty, .searchParties]
        ) {
            let table = try requireTables()[0]
            var ours: [Party] = []
            for index in 0..<3 {
                ours.append(try await create(walkIn(at: 3 * 24 * 60 + Int64(index) * 10, table: table)))
            }
            let (found, pages) = try await collectPages(limit: 1, "SearchPartiesV1") { cursor in
                try await adapter.searchParties(
                    SearchPartiesRequest(tableID: table, cursor: cursor),
                    context: context(.searchParties)
                )
            }
            let ids = found.map(\.id)
            try expectEqual(Set(ids).count, ids.count, "distinct party ids over \(pages.count) pages of 1")
            for party in ours {
                try expectEqual(found.first { $0.id == party.id }, party, "listed party \(party.id)")
            }
            try expect(found.allSatisfy { $0.tableIDs.contains(table) }, "a party at another table came back")
        }

        await check(
            "SearchPartiesV1 refuses a malformed cursor with InvalidRequest",
            requires: [.searchParties]
        ) {
            try await expectError(.invalidRequest, "SearchPartiesV1 with a cursor the POS never issued") {
                _ = try await adapter.searchParties(
                    SearchPartiesRequest(cursor: Cursor(limit: 2, after: "not-a-cursor-\(options.runID)")),
                    context: context(.searchParties)
                )
            }
        }

        await check(
            "DeletePartyByIdV1 removes it: GetPartyByIdV1 then answers NotFound",
            requires: [.createParty, .deletePartyByID, .getPartyByID]
        ) {
            let party = try await create(walkIn(at: 4 * 24 * 60, table: try requireTables()[0]))
            try await adapter.deleteParty(DeletePartyByIDRequest(partyID: party.id), context: context(.deleteParty))
            createdParties.removeAll { $0 == party.id }
            try await expectError(.notFound, "GetPartyByIdV1 after the delete") {
                _ = try await adapter.getParty(GetPartyByIDRequest(partyID: party.id), context: context(.getParty))
            }
        }
    }

    /// Every party listed for `completedOnly`, through pages of 100.
    private func allParties(completedOnly: Bool?) async throws -> [Party] {
        try await collectPages(limit: 100, "SearchPartiesV1") { cursor in
            try await adapter.searchParties(
                SearchPartiesRequest(completedOnly: completedOnly, cursor: cursor),
                context: context(.searchParties)
            )
        }.items
    }
}
