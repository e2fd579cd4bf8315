import AgentSupport
public import DojoAdapter
public import DojoProtocol
import GRDB
import Logging

extension DemoPOS {
    /// Lists tables in seating-plan order; `areaId` and `waiterId` narrow the list.
    public func searchTables(
        _ request: SearchTablesRequest,
        context: RequestContext
    ) async throws -> Page<DojoProtocol.Table> {
        var query = KeysetQuery(kind: "table", table: "diningTable", keys: ("position", "rowid"))
        if let areaID = request.areaID {
            query.filter("areaId = ?", areaID)
        }
        if let waiterID = request.waiterID {
            query.filter("EXISTS (SELECT 1 FROM json_each(diningTable.waiterIds) WHERE value = ?)", waiterID)
        }
        let finalQuery = query
        return try await database.read { db in
            try finalQuery.page(request.cursor, in: db, convert: Records.table)
        }
    }

    /// Lists every area.
    public func listAreas(_ request: ListAreasRequest, context: RequestContext) async throws -> [Area] {
        try await database.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM area ORDER BY position")).map(Records.area)
        }
    }

    /// Returns an order, or `NotFound`.
    public func getOrder(_ request: GetOrderByIDRequest, context: RequestContext) async throws -> Order {
        try await database.read { db in
            try Records.fetch(
                from: "posOrder",
                id: request.orderID,
                in: db,
                orElse: .notFound("order \(Records.quoted(request.orderID)) does not exist"),
                Records.order
            )
        }
    }

    /// Lists orders as created; every `dineIn` member given must match, and `payableOnly` keeps payable orders.
    public func searchOrders(_ request: SearchOrdersRequest, context: RequestContext) async throws -> Page<Order> {
        var query = KeysetQuery(kind: "order", table: "posOrder", keys: ("seq", "seq"))
        if let dineIn = request.dineIn {
            if let tableID = dineIn.tableID { query.filter("tableId = ?", tableID) }
            if let waiterID = dineIn.waiterID { query.filter("waiterId = ?", waiterID) }
            if let partyID = dineIn.partyID { query.filter("partyId = ?", partyID) }
            if let reservationID = dineIn.reservationID { query.filter("reservationId = ?", reservationID) }
        }
        if request.payableOnly == true {
            query.conditions.append("payable = 1")
        }
        let finalQuery = query
        return try await database.read { db in
            try finalQuery.page(request.cursor, in: db, convert: Records.order)
        }
    }

    /// Records a Dojo event once per event id; a repeat (Dojo delivers at least once) only counts it.
    public func handleEvent(_ request: HandleEventRequest, context: RequestContext) async throws {
        let count = try await self.write { db -> Int64 in
            try Int64.fetchOne(
                db.cachedStatement(
                    sql: """
                        INSERT INTO dojoEvent (id, event, accountId, paymentIntentId, paymentStatus, captureMode, createdAt)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET receivedCount = receivedCount + 1
                        RETURNING receivedCount
                        """
                ),
                arguments: [
                    request.id, request.event.rawValue, request.accountID, request.data.paymentIntentID,
                    request.data.paymentStatus.rawValue, request.data.captureMode.rawValue,
                    request.createdAt.millisecondsSince1970,
                ]
            ) ?? 1
        }
        logger.info(
            count == 1 ? "Dojo event recorded" : "Dojo event already recorded",
            metadata: [
                "event.id": .quoted(request.id), "dojo.event": .quoted(request.event.rawValue),
                "dojo.payment_intent_id": .quoted(request.data.paymentIntentID),
            ]
        )
    }
}
