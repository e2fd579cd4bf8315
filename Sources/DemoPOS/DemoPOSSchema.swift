import DojoProtocol
import GRDB

/// The demo POS's tables and its first-open seed, as forward-only GRDB migrations.
///
/// Times are stored as integer milliseconds since 1970 (``Timestamp``'s own unit), id lists and nested values as
/// JSON text written by ``JSONValue/serialized()``. Every entity table has an `INTEGER PRIMARY KEY AUTOINCREMENT`
/// `seq`, which orders pages and is never reused, and the POS id it shows the world in `id`.
enum DemoPOSSchema {
    static func migrator(seedTime: Timestamp) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 schema") { db in
            try db.execute(
                sql: """
                    CREATE TABLE idSequence (name TEXT PRIMARY KEY, next INTEGER NOT NULL);
                    CREATE TABLE area (
                        id TEXT PRIMARY KEY, name TEXT NOT NULL, waiterIds TEXT, position INTEGER NOT NULL);
                    CREATE TABLE diningTable (
                        id TEXT PRIMARY KEY, name TEXT NOT NULL, maxCovers INTEGER, areaId TEXT REFERENCES area(id),
                        waiterIds TEXT, position INTEGER NOT NULL);
                    CREATE TABLE reservation (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
                        dojoReservationId TEXT NOT NULL UNIQUE, name TEXT NOT NULL, covers INTEGER NOT NULL,
                        startTime INTEGER NOT NULL, endTime INTEGER NOT NULL, tableIds TEXT NOT NULL,
                        hostNotes TEXT, guestRequests TEXT);
                    CREATE INDEX reservationByStart ON reservation(startTime, seq);
                    CREATE TABLE party (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, dojoPartyId TEXT UNIQUE,
                        reservationId TEXT, name TEXT, covers INTEGER, tableIds TEXT NOT NULL,
                        status TEXT NOT NULL, startTime INTEGER NOT NULL, expectedEndTime INTEGER, endTime INTEGER,
                        hostNotes TEXT, guestRequests TEXT, deposit TEXT);
                    CREATE INDEX partyByStart ON party(startTime, seq);
                    CREATE TABLE posOrder (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, tableId TEXT, waiterId TEXT,
                        partyId TEXT, reservationId TEXT, payable INTEGER NOT NULL, body TEXT NOT NULL);
                    CREATE TABLE dojoEvent (
                        id TEXT PRIMARY KEY, event TEXT NOT NULL, accountId TEXT NOT NULL,
                        paymentIntentId TEXT NOT NULL, paymentStatus TEXT NOT NULL, captureMode TEXT NOT NULL,
                        createdAt INTEGER NOT NULL, receivedCount INTEGER NOT NULL DEFAULT 1);
                    INSERT INTO idSequence (name, next) VALUES ('reservation', 1), ('party', 1), ('order', 1);
                    """
            )
        }
        migrator.registerMigration("v1 seed") { db in
            try seed(db, at: seedTime)
        }
        return migrator
    }

    /// The venue a fresh demo POS opens with.
    static let areas: [Area] = [
        Area(id: "area-main", name: "Main Dining Room", waiterIDs: ["waiter-anna", "waiter-ben"]),
        Area(id: "area-terrace", name: "Terrace", waiterIDs: ["waiter-chloe"]),
    ]

    /// The tables a fresh demo POS opens with, in listing order.
    static let tables: [Table] = [
        Table(id: "table-1", name: "Table 1", maxCovers: 2, areaID: "area-main", waiterIDs: ["waiter-anna"]),
        Table(id: "table-2", name: "Table 2", maxCovers: 2, areaID: "area-main", waiterIDs: ["waiter-anna"]),
        Table(id: "table-3", name: "Table 3", maxCovers: 4, areaID: "area-main", waiterIDs: ["waiter-anna"]),
        Table(id: "table-4", name: "Table 4", maxCovers: 4, areaID: "area-main", waiterIDs: ["waiter-ben"]),
        Table(id: "table-5", name: "Booth 5", maxCovers: 6, areaID: "area-main", waiterIDs: ["waiter-ben"]),
        Table(id: "table-6", name: "Terrace 1", maxCovers: 2, areaID: "area-terrace", waiterIDs: ["waiter-chloe"]),
        Table(id: "table-7", name: "Terrace 2", maxCovers: 4, areaID: "area-terrace", waiterIDs: ["waiter-chloe"]),
        Table(id: "table-8", name: "Terrace 3", maxCovers: 8, areaID: "area-terrace", waiterIDs: ["waiter-chloe"]),
    ]

    private static func seed(_ db: Database, at now: Timestamp) throws {
        for (position, area) in areas.enumerated() {
            try db.execute(
                sql: "INSERT INTO area (id, name, waiterIds, position) VALUES (?, ?, ?, ?)",
                arguments: [area.id, area.name, Records.encodeList(area.waiterIDs), position]
            )
        }
        for (position, table) in tables.enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO diningTable (id, name, maxCovers, areaId, waiterIds, position)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    table.id, table.name, table.maxCovers, table.areaID, Records.encodeList(table.waiterIDs), position,
                ]
            )
        }

        // A walk-in already eating at table 4 when the demo starts, with the order it is running up.
        let hour: Int64 = 3_600_000
        let seated = Timestamp(millisecondsSince1970: now.millisecondsSince1970 - hour / 2)
        let partyID = try Records.nextID("party", in: db)
        try Records.insertParty(
            Party(
                id: partyID,
                name: "Patel",
                covers: 3,
                tableIDs: ["table-4"],
                status: "Ordered",
                startTime: seated,
                expectedEndTime: Timestamp(millisecondsSince1970: seated.millisecondsSince1970 + hour + hour / 2)
            ),
            dojoPartyID: nil,
            in: db
        )

        let gbp = { (value: Int64) in Money(value: value, currencyCode: "GBP") }
        let orders: [Order] = [
            Order(
                items: [
                    OrderItem(name: "Margherita pizza", amountPerItem: gbp(1150), plu: "PIZ-001", quantity: 2),
                    OrderItem(
                        name: "Sparkling water",
                        amountPerItem: gbp(320),
                        plu: "DRK-010",
                        quantity: 1,
                        note: "no ice"
                    ),
                ],
                status: .accepted,
                createdAt: seated,
                updatedAt: seated,
                totalAmount: gbp(2620),
                payable: true,
                paidAmount: gbp(0),
                reference: "T4-0001",
                details: OrderDetails(
                    orderType: .dineIn,
                    dineIn: DineInDetails(tableID: "table-4", waiterID: "waiter-ben", partyID: partyID)
                ),
                displayName: "Table 4 - Patel"
            ),
            Order(
                items: [OrderItem(name: "Flat white", amountPerItem: gbp(340), plu: "DRK-002", quantity: 2)],
                status: .finalized,
                createdAt: Timestamp(millisecondsSince1970: now.millisecondsSince1970 - 2 * hour),
                updatedAt: Timestamp(millisecondsSince1970: now.millisecondsSince1970 - 2 * hour + hour / 4),
                totalAmount: gbp(680),
                payments: [Payment(paidAmount: gbp(680), paymentIntentID: "pi_demo_0002")],
                payable: false,
                paidAmount: gbp(680),
                reference: "T2-0002",
                details: OrderDetails(
                    orderType: .dineIn,
                    dineIn: DineInDetails(tableID: "table-2", waiterID: "waiter-anna")
                ),
                displayName: "Table 2"
            ),
            Order(
                items: [OrderItem(name: "Tiramisu", amountPerItem: gbp(650), plu: "DES-004", quantity: 1)],
                status: .ready,
                createdAt: Timestamp(millisecondsSince1970: now.millisecondsSince1970 - hour / 4),
                totalAmount: gbp(650),
                payable: true,
                reference: "COL-0003",
                details: OrderDetails(orderType: .collection, collection: CollectionDetails(asap: true)),
                displayName: "Collection - Jones"
            ),
        ]
        for var order in orders {
            order.id = try Records.nextID("order", in: db)
            try Records.insertOrder(order, in: db)
        }
    }
}
