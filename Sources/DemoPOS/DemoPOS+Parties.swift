import AgentSupport
public import DojoAdapter
public import DojoProtocol
import GRDB
import Logging

extension DemoPOS {
    /// The status of a party created without one.
    public static let defaultPartyStatus = "Seated"

    /// Seats a party with a new POS id, or returns the one already created with this `dojoPartyId`.
    ///
    /// `reservationId` must name an existing reservation; without it, a `dojoReservationId` is resolved to the
    /// reservation created with that Dojo id (a walk-in has neither).
    public func createParty(_ request: CreatePartyRequest, context: RequestContext) async throws -> Party {
        let (party, created) = try await self.write { db -> (Party, Bool) in
            if let existing = try Records.find(
                in: "party",
                where: "dojoPartyId",
                equals: request.dojoPartyID,
                db,
                Records.party
            ) {
                return (existing, false)
            }
            try Records.requireTables(request.tableIDs, in: db)
            var reservationID: String?
            if let requested = request.reservationID {
                let exists = try Bool.fetchOne(
                    db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM reservation WHERE id = ?)"),
                    arguments: [requested]
                )
                guard exists == true else {
                    throw AdapterError.invalidRequest("unknown reservation id \(Records.quoted(requested))")
                }
                reservationID = requested
            } else if let dojoReservationID = request.dojoReservationID {
                reservationID = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT id FROM reservation WHERE dojoReservationId = ?"),
                    arguments: [dojoReservationID]
                )
            }
            let status = request.status.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultPartyStatus
            let party = Party(
                id: try Records.nextID("party", in: db),
                name: request.name,
                covers: request.covers,
                tableIDs: request.tableIDs,
                status: status,
                startTime: request.startTime,
                expectedEndTime: request.expectedEndTime,
                hostNotes: request.hostNotes,
                guestRequests: request.guestRequests,
                reservationID: reservationID,
                deposit: request.deposit
            )
            try Records.insertParty(party, dojoPartyID: request.dojoPartyID, in: db)
            return (party, true)
        }
        logger.info(
            created ? "party created" : "party already exists for this Dojo id",
            metadata: [
                "pos.party_id": .quoted(party.id), "dojo.party_id": .quoted(request.dojoPartyID),
                "pos.reservation_id": party.reservationID.map { .quoted($0) } ?? "-",
            ]
        )
        return party
    }

    /// Replaces every field the request carries; absent optional fields are cleared and the reservation link set
    /// at creation is kept.
    public func updateParty(_ request: UpdatePartyRequest, context: RequestContext) async throws -> Party {
        let party = try await self.write { db -> Party in
            var party = Party(
                id: request.id,
                name: request.name,
                covers: request.covers,
                tableIDs: request.tableIDs,
                status: request.status,
                startTime: request.startTime,
                expectedEndTime: request.expectedEndTime,
                endTime: request.endTime,
                hostNotes: request.hostNotes,
                guestRequests: request.guestRequests,
                deposit: request.deposit
            )
            let tableIDs = Records.encodeList(party.tableIDs)
            // Not found, then an unknown table, then a Dojo id that belongs to another party.
            let explain = {
                guard try Records.exists(in: "party", id: request.id, db) else { throw Self.noParty(request.id) }
                try Records.requireTables(request.tableIDs, in: db)
                try Records.requireDojoIDFree(
                    request.dojoPartyID,
                    column: "dojoPartyId",
                    in: "party",
                    except: request.id,
                    db
                )
            }
            party.reservationID = try Records.guardedUpdate(
                db.cachedStatement(
                    sql: """
                        UPDATE party SET dojoPartyId = ?, name = ?, covers = ?, tableIds = ?, status = ?, startTime = ?,
                            expectedEndTime = ?, endTime = ?, hostNotes = ?, guestRequests = ?, deposit = ?
                        WHERE id = ? AND \(Records.tablesKnownCondition)
                        RETURNING reservationId
                        """
                ),
                arguments: [
                    request.dojoPartyID, party.name, party.covers, tableIDs, party.status,
                    party.startTime.millisecondsSince1970, party.expectedEndTime?.millisecondsSince1970,
                    party.endTime?.millisecondsSince1970, party.hostNotes, party.guestRequests,
                    party.deposit?.jsonValue.serialized(), request.id, tableIDs,
                ],
                in: db,
                explain: explain,
                orElse: Self.noParty(request.id),
                returning: { $0["reservationId"] }
            )
            return party
        }
        logger.info(
            "party updated",
            metadata: ["pos.party_id": .quoted(party.id), "pos.party_completed": "\(party.endTime != nil)"]
        )
        return party
    }

    /// Deletes a party.
    public func deleteParty(_ request: DeletePartyByIDRequest, context: RequestContext) async throws {
        try await self.write { db in
            try Records.delete(from: "party", id: request.partyID, in: db, orElse: Self.noParty(request.partyID))
        }
        logger.info("party deleted", metadata: ["pos.party_id": .quoted(request.partyID)])
    }

    /// Returns a party, or `NotFound`.
    public func getParty(_ request: GetPartyByIDRequest, context: RequestContext) async throws -> Party {
        try await database.read { db in
            try Records.fetch(
                from: "party",
                id: request.partyID,
                in: db,
                orElse: Self.noParty(request.partyID),
                Records.party
            )
        }
    }

    /// Lists current parties by start time, or only completed ones when `completedOnly` is true; `tableId` keeps
    /// those sitting at the table.
    public func searchParties(_ request: SearchPartiesRequest, context: RequestContext) async throws -> Page<Party> {
        var query = KeysetQuery(kind: "party", table: "party", keys: ("startTime", "seq"))
        query.conditions.append(request.completedOnly == true ? "endTime IS NOT NULL" : "endTime IS NULL")
        if let tableID = request.tableID {
            query.filter("EXISTS (SELECT 1 FROM json_each(party.tableIds) WHERE value = ?)", tableID)
        }
        let finalQuery = query
        return try await database.read { db in
            try finalQuery.page(request.cursor, in: db, convert: Records.party)
        }
    }

    static func noParty(_ id: String) -> AdapterError {
        .notFound("party \(Records.quoted(id)) does not exist")
    }
}
