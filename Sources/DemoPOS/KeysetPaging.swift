import AgentSupport
import DojoAdapter
import DojoProtocol
import GRDB

/// Cursor paging over one table in a stable order, by keyset rather than offset.
///
/// Rows are ordered by a pair of integer keys (for reservations `(startTime, seq)`); a cursor is the key pair
/// of the row at a page's edge, so a row inserted or deleted elsewhere never shifts a page the way an offset
/// would. `after` is the key of the last row on the page, `before` the key of the first; each is given only when
/// rows exist beyond it.
///
/// A cursor is written `<kind>:<key1>:<key2>`. Dojo treats it as opaque; the kind tag makes a cursor from one
/// search refused by another instead of silently paging the wrong list.
struct KeysetQuery {
    /// Tags the cursors of this query (`res`, `party`, `table`, `order`).
    var kind: String
    /// `FROM …` target.
    var table: String
    /// The SQL of the two ordering keys, both integers.
    var keys: (String, String)
    /// `AND`-ed conditions with `?` placeholders.
    var conditions: [String] = []
    /// Values for the placeholders of `conditions`, in order.
    var arguments: [any DatabaseValueConvertible & Sendable] = []

    mutating func filter(_ condition: String, _ values: any DatabaseValueConvertible & Sendable...) {
        conditions.append(condition)
        arguments.append(contentsOf: values)
    }

    /// Fetches one page of rows and converts them.
    func page<Element>(
        _ cursor: Cursor?,
        in db: Database,
        convert: (Row) throws -> Element
    ) throws -> Page<Element> {
        let limit = cursor?.limit ?? DemoPOS.defaultPageSize
        let keyColumns = "\(keys.0) AS pageKey1, \(keys.1) AS pageKey2"
        let base = "SELECT *, \(keyColumns) FROM \(table)"

        func select(extra: String?, descending: Bool, limit: Int, bound: (Int64, Int64)?) throws -> [Row] {
            var clauses = conditions
            var values = arguments
            if let extra, let bound {
                clauses.append("(\(keys.0), \(keys.1)) \(extra) (?, ?)")
                values.append(bound.0)
                values.append(bound.1)
            }
            let whereClause = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            let direction = descending ? "DESC" : "ASC"
            return try Row.fetchAll(
                db,
                sql: "\(base)\(whereClause) ORDER BY \(keys.0) \(direction), \(keys.1) \(direction) LIMIT ?",
                arguments: StatementArguments(values.map { $0.databaseValue } + [limit.databaseValue])
            )
        }

        func key(_ row: Row) -> (Int64, Int64) { (row["pageKey1"], row["pageKey2"]) }
        func exists(_ comparison: String, _ bound: (Int64, Int64)) throws -> Bool {
            try !select(extra: comparison, descending: false, limit: 1, bound: bound).isEmpty
        }

        var rows: [Row]
        var before: String?
        var after: String?
        if let text = cursor?.before {
            let bound = try decode(text, member: "before")
            rows = try select(extra: "<", descending: true, limit: limit + 1, bound: bound)
            let hasMore = rows.count > limit
            rows = Array(rows.prefix(limit).reversed())
            if let first = rows.first, hasMore { before = encode(key(first)) }
            if let last = rows.last, try exists(">", key(last)) { after = encode(key(last)) }
        } else {
            let bound = try cursor?.after.map { try decode($0, member: "after") }
            rows = try select(extra: bound == nil ? nil : ">", descending: false, limit: limit + 1, bound: bound)
            let hasMore = rows.count > limit
            rows = Array(rows.prefix(limit))
            if let last = rows.last, hasMore { after = encode(key(last)) }
            if bound != nil, let first = rows.first, try exists("<", key(first)) { before = encode(key(first)) }
        }
        return Page(data: try rows.map(convert), before: before, after: after)
    }

    private func encode(_ key: (Int64, Int64)) -> String {
        "\(kind):\(key.0):\(key.1)"
    }

    private func decode(_ text: String, member: String) throws -> (Int64, Int64) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == kind, let first = Int64(parts[1]), let second = Int64(parts[2]) else {
            throw AdapterError.invalidRequest(
                "cursor.\(member): \(Records.quoted(text)) is not a cursor this POS issued for this search"
            )
        }
        return (first, second)
    }
}
