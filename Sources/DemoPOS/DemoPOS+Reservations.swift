import AgentSupport
public import DojoAdapter
public import DojoProtocol
import GRDB
import Logging

extension DemoPOS {
    /// Creates a reservation with a new POS id, or returns the one already created with this `dojoReservationId`.
    public func createReservation(
        _ request: CreateReservationRequest,
        context: RequestContext
    ) async throws -> Reservation {
        let (reservation, created) = try await self.write { db -> (Reservation, Bool) in
            let dojoID = request.dojoReservationID
            if let existing = try Records.find(
                in: "reservation",
                where: "dojoReservationId",
                equals: dojoID,
                db,
                Records.reservation
            ) {
                return (existing, false)
            }
            try Records.requireTables(request.tableIDs, in: db)
            let reservation = Reservation(
                id: try Records.nextID("reservation", in: db),
                name: request.name,
                covers: request.covers,
                startTime: request.startTime,
                endTime: request.endTime,
                tableIDs: request.tableIDs,
                hostNotes: request.hostNotes,
                guestRequests: request.guestRequests
            )
            try db.cachedStatement(
                sql: """
                    INSERT INTO reservation (id, dojoReservationId, name, covers, startTime, endTime, tableIds,
                        hostNotes, guestRequests)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                reservation.id, request.dojoReservationID, reservation.name, reservation.covers,
                reservation.startTime.millisecondsSince1970, reservation.endTime.millisecondsSince1970,
                Records.encodeList(reservation.tableIDs), reservation.hostNotes, reservation.guestRequests,
            ]
            )
            return (reservation, true)
        }
        logger.info(
            created ? "reservation created" : "reservation already exists for this Dojo id",
            metadata: [
                "pos.reservation_id": .quoted(reservation.id),
                "dojo.reservation_id": .quoted(request.dojoReservationID),
            ]
        )
        return reservation
    }

    /// Replaces every field of a reservation with the request's; absent optional fields are cleared.
    public func updateReservation(
        _ request: UpdateReservationRequest,
        context: RequestContext
    ) async throws -> Reservation {
        let reservation = try await self.write { db -> Reservation in
            let reservation = Reservation(
                id: request.id,
                name: request.name,
                covers: request.covers,
                startTime: request.startTime,
                endTime: request.endTime,
                tableIDs: request.tableIDs,
                hostNotes: request.hostNotes,
                guestRequests: request.guestRequests
            )
            let tableIDs = Records.encodeList(reservation.tableIDs)
            // An unknown table, then a Dojo id that belongs to another reservation, then not found.
            let explain = {
                try Records.requireTables(request.tableIDs, in: db)
                try Records.requireDojoIDFree(
                    request.dojoReservationID,
                    column: "dojoReservationId",
                    in: "reservation",
                    except: request.id,
                    db
                )
            }
            try Records.guardedUpdate(
                db.cachedStatement(
                    sql: """
                        UPDATE reservation SET dojoReservationId = ?, name = ?, covers = ?, startTime = ?, endTime = ?,
                            tableIds = ?, hostNotes = ?, guestRequests = ?
                        WHERE id = ? AND \(Records.tablesKnownCondition)
                        RETURNING id
                        """
                ),
                arguments: [
                    request.dojoReservationID, reservation.name, reservation.covers,
                    reservation.startTime.millisecondsSince1970, reservation.endTime.millisecondsSince1970,
                    tableIDs, reservation.hostNotes, reservation.guestRequests, request.id, tableIDs,
                ],
                in: db,
                explain: explain,
                orElse: Self.noReservation(request.id),
                returning: { _ in () }
            )
            return reservation
        }
        logger.info("reservation updated", metadata: ["pos.reservation_id": .quoted(reservation.id)])
        return reservation
    }

    /// Deletes a reservation; parties seated from it keep their link.
    public func deleteReservation(_ request: DeleteReservationByIDRequest, context: RequestContext) async throws {
        try await self.write { db in
            try Records.delete(
                from: "reservation",
                id: request.reservationID,
                in: db,
                orElse: Self.noReservation(request.reservationID)
            )
        }
        logger.info("reservation deleted", metadata: ["pos.reservation_id": .quoted(request.reservationID)])
    }

    /// Returns a reservation, or `NotFound`.
    public func getReservation(
        _ request: GetReservationByIDRequest,
        context: RequestContext
    ) async throws -> Reservation {
        try await database.read { db in
            try Records.fetch(
                from: "reservation",
                id: request.reservationID,
                in: db,
                orElse: Self.noReservation(request.reservationID),
                Records.reservation
            )
        }
    }

    /// Lists reservations by start time; `tableId` keeps those holding the table, and `fromTime`/`toTime` those
    /// whose `[startTime, endTime)` overlaps `[fromTime, toTime)`.
    public func searchReservations(
        _ request: SearchReservationsRequest,
        context: RequestContext
    ) async throws -> Page<Reservation> {
        var query = KeysetQuery(kind: "res", table: "reservation", keys: ("startTime", "seq"))
        if let tableID = request.tableID {
            query.filter("EXISTS (SELECT 1 FROM json_each(reservation.tableIds) WHERE value = ?)", tableID)
        }
        if let from = request.fromTime {
            query.filter("endTime > ?", from.millisecondsSince1970)
        }
        if let to = request.toTime {
            query.filter("startTime < ?", to.millisecondsSince1970)
        }
        let finalQuery = query
        return try await database.read { db in
            try finalQuery.page(request.cursor, in: db, convert: Records.reservation)
        }
    }

    static func noReservation(_ id: String) -> AdapterError {
        .notFound("reservation \(Records.quoted(id)) does not exist")
    }
}
