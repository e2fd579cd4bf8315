import DojoAdapter
import DojoProtocol
import GRDB

/// Conversions between the demo POS's rows and the wire entities, and the few writes shared by the seed and the
/// request handlers.
enum Records {
    // MARK: - Ids

    /// The next POS id of a kind (`res-000001`, `party-000001`, `order-000001`); ids are never reused.
    static func nextID(_ kind: String, in db: Database) throws -> String {
        guard
            let number = try Int64.fetchOne(
                db.cachedStatement(sql: "UPDATE idSequence SET next = next + 1 WHERE name = ? RETURNING next - 1"),
                arguments: [kind]
            )
        else {
            preconditionFailure("BUG: no id sequence named \(kind)")
        }
        let prefix = kind == "reservation" ? "res" : kind
        let digits = String(number)
        return "\(prefix)-\(String(repeating: "0", count: max(0, 6 - digits.count)))\(digits)"
    }

    // MARK: - JSON columns

    static func encodeList(_ list: [String]?) -> String? {
        list.map { JSONValue.array($0.map(JSONValue.string)).serialized() }
    }

    static func decodeList(_ text: String?) throws -> [String]? {
        guard let text else { return nil }
        guard case .array(let elements) = try JSONValue(parsing: text) else {
            throw CorruptRow(reason: "expected a JSON array of strings")
        }
        return try elements.map { element in
            guard let string = element.stringValue else { throw CorruptRow(reason: "expected a string") }
            return string
        }
    }

    static func decode<Value: JSONRepresentable>(_ type: Value.Type, from text: String?) throws -> Value? {
        guard let text else { return nil }
        return try Value(json: JSONValue(parsing: text))
    }

    static func timestamp(_ milliseconds: Int64?) -> Timestamp? {
        milliseconds.map { Timestamp(millisecondsSince1970: $0) }
    }

    /// A stored value that no longer decodes: a bug or a hand-edited file; reaches Dojo as `UnexpectedError`.
    struct CorruptRow: Error, CustomStringConvertible {
        var reason: String
        var description: String { "corrupt row in the demo POS database: \(reason)" }
    }

    // MARK: - Rows to entities

    static func area(_ row: Row) throws -> Area {
        Area(id: row["id"], name: row["name"], waiterIDs: try decodeList(row["waiterIds"]))
    }

    static func table(_ row: Row) throws -> Table {
        Table(
            id: row["id"],
            name: row["name"],
            maxCovers: row["maxCovers"],
            areaID: row["areaId"],
            waiterIDs: try decodeList(row["waiterIds"])
        )
    }

    static func reservation(_ row: Row) throws -> Reservation {
        Reservation(
            id: row["id"],
            name: row["name"],
            covers: row["covers"],
            startTime: Timestamp(millisecondsSince1970: row["startTime"]),
            endTime: Timestamp(millisecondsSince1970: row["endTime"]),
            tableIDs: try decodeList(row["tableIds"]) ?? [],
            hostNotes: row["hostNotes"],
            guestRequests: row["guestRequests"]
        )
    }

    static func party(_ row: Row) throws -> Party {
        Party(
            id: row["id"],
            name: row["name"],
            covers: row["covers"],
            tableIDs: try decodeList(row["tableIds"]) ?? [],
            status: row["status"],
            startTime: Timestamp(millisecondsSince1970: row["startTime"]),
            expectedEndTime: timestamp(row["expectedEndTime"]),
            endTime: timestamp(row["endTime"]),
            hostNotes: row["hostNotes"],
            guestRequests: row["guestRequests"],
            reservationID: row["reservationId"],
            deposit: try decode(PartyDeposit.self, from: row["deposit"])
        )
    }

    static func order(_ row: Row) throws -> Order {
        guard let order = try decode(Order.self, from: row["body"]) else {
            throw CorruptRow(reason: "order without a body")
        }
        return order
    }

    // MARK: - Writes

    static func insertParty(_ party: Party, dojoPartyID: String?, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO party (id, dojoPartyId, reservationId, name, covers, tableIds, status, startTime,
                    expectedEndTime, endTime, hostNotes, guestRequests, deposit)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            party.id, dojoPartyID, party.reservationID, party.name, party.covers, encodeList(party.tableIDs),
            party.status, party.startTime.millisecondsSince1970, party.expectedEndTime?.millisecondsSince1970,
            party.endTime?.millisecondsSince1970, party.hostNotes, party.guestRequests,
            party.deposit?.jsonValue.serialized(),
        ]
        )
    }

    static func insertOrder(_ order: Order, in db: Database) throws {
        let dineIn = order.details.dineIn
        try db.cachedStatement(
            sql: """
                INSERT INTO posOrder (id, tableId, waiterId, partyId, reservationId, payable, body)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            order.id, dineIn?.tableID, dineIn?.waiterID, dineIn?.partyID, dineIn?.reservationID,
            order.payable ?? false, order.jsonValue.serialized(),
        ]
        )
    }

    /// Deletes the row of `table` whose `id` is `id`, or throws `missing`.
    static func delete(from table: String, id: String, in db: Database, orElse missing: AdapterError) throws {
        try db.cachedStatement(sql: "DELETE FROM \(table) WHERE id = ?").execute(arguments: [id])
        guard db.changesCount == 1 else { throw missing }
    }

    /// The entity in the row of `table` whose `column` equals `value`, if there is one.
    static func find<Entity>(
        in table: String,
        where column: String = "id",
        equals value: String,
        _ db: Database,
        _ convert: (Row) throws -> Entity
    ) throws -> Entity? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM \(table) WHERE \(column) = ?"), arguments: [value]).map(
            convert
        )
    }

    /// Refuses a Dojo id (`column` of `table`, e.g. `dojoPartyId` of `party`) held by another row than `id`.
    static func requireDojoIDFree(
        _ dojoID: String,
        column: String,
        in table: String,
        except id: String,
        _ db: Database
    ) throws {
        if let other = try String.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM \(table) WHERE \(column) = ? AND id != ?"),
            arguments: [dojoID, id]
        ) {
            throw AdapterError.conflict("\(column) \(quoted(dojoID)) belongs to \(table) \(quoted(other))")
        }
    }

    /// Whether `table` has a row whose `id` is `id`.
    static func exists(in table: String, id: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM \(table) WHERE id = ?)"),
            arguments: [id]
        ) ?? false
    }

    /// The entity in the row of `table` whose `id` is `id`, or throws `missing`.
    static func fetch<Entity>(
        from table: String,
        id: String,
        in db: Database,
        orElse missing: AdapterError,
        _ convert: (Row) throws -> Entity
    ) throws -> Entity {
        guard let entity = try find(in: table, equals: id, db, convert) else { throw missing }
        return entity
    }

    // MARK: - Checks

    /// The condition an `UPDATE`'s `WHERE` adds so that it changes nothing when a table id in the JSON list bound
    /// to its `?` is unknown (the update and its table check in one statement).
    static var tablesKnownCondition: String {
        "NOT EXISTS (SELECT 1 FROM json_each(?) WHERE value NOT IN (SELECT id FROM diningTable))"
    }

    /// Runs an `UPDATE … WHERE id = ? AND <checks> RETURNING …` that does a full-replacement update and its checks
    /// in one statement: the common case (the row exists, every reference is known, no unique key clashes) costs
    /// one statement instead of one per check. When it changes no row, or a unique key clashes, `explain` runs the
    /// checks one by one, in the order the method documents, and throws the error they find (`orElse` if none
    /// does). The result: the same answers as checking first, one statement for a valid update.
    static func guardedUpdate<Result>(
        _ statement: Statement,
        arguments: StatementArguments,
        in db: Database,
        explain: () throws -> Void,
        orElse missing: AdapterError,
        returning read: (Row) -> Result
    ) throws -> Result {
        let row: Row?
        do {
            row = try Row.fetchOne(statement, arguments: arguments)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            try explain()
            throw error
        }
        guard let row else {
            try explain()
            throw missing
        }
        return read(row)
    }

    /// Refuses table ids the POS does not have, naming the first unknown one in request order.
    static func requireTables(_ tableIDs: [String], in db: Database) throws {
        let known = try Set(
            String.fetchAll(
                db.cachedStatement(sql: "SELECT id FROM diningTable WHERE id IN (SELECT value FROM json_each(?))"),
                arguments: [encodeList(tableIDs)]
            )
        )
        if let unknown = tableIDs.first(where: { !known.contains($0) }) {
            throw AdapterError.invalidRequest("unknown table id \(quoted(unknown))")
        }
    }

    /// `"value"`, shortened, for error messages.
    static func quoted(_ value: String) -> String {
        let shortened = value.count > 64 ? String(value.prefix(64)) + "…" : value
        return JSONValue.string(shortened).serialized()
    }
}

// GRDB also declares `Table` and `Cursor`; inside this module the names mean the wire entities.
typealias Table = DojoProtocol.Table
typealias Cursor = DojoProtocol.Cursor
