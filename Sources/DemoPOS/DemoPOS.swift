public import DojoAdapter
public import DojoProtocol
import Foundation
import GRDB
public import Logging
import Synchronization

/// The built-in demo POS: a small restaurant held in one SQLite file, implementing every capability.
///
/// It is the agent's embedded default (`[adapter] kind = "demo"`) and the reference the conformance suite is
/// checked against. On first open it creates its schema and seeds two areas, eight tables, one seated party and
/// three orders; after that the file is the truth and survives restarts.
///
/// ```swift
/// let pos = try DemoPOS(path: "/var/lib/dojo-agent/demo-pos.sqlite", logger: logger)
/// let reservation = try await pos.createReservation(request, context: context)
/// let holding = try await pos.snapshot()       // what the POS now holds
/// ```
///
/// Behaviour a vendor may compare with (all checked by `AdapterConformanceSuite` and the tests):
/// - **Ids.** The POS assigns its own ids (`res-000001`, `party-000001`), never reused after a delete.
///   Creates are idempotent on the Dojo id: a repeated `CreateReservationV1` with the same `dojoReservationId`
///   (or `CreatePartyV1` with the same `dojoPartyId`) returns the entity already created, unchanged.
/// - **Updates are full replacements.** Every field the request carries is stored as given; an optional field
///   absent from the request is cleared. `UpdatePartyV1` keeps the party's `reservationId`, which it does not carry.
/// - **Tables.** A table id the POS does not have is refused with `InvalidRequest` naming it.
/// - **Parties.** Without a `status`, a new party is `"Seated"`. A `reservationId` must name an existing
///   reservation; a `dojoReservationId` alone is resolved to the reservation created with it, if any.
///   A party with an `endTime` is completed: `SearchPartiesV1` lists only current parties unless
///   `completedOnly` is true, and then only completed ones.
/// - **Reservation time window.** `SearchReservationsV1` lists reservations whose interval
///   `[startTime, endTime)` overlaps `[fromTime, toTime)`: `endTime > fromTime` and `startTime < toTime`, each
///   bound optional.
/// - **Paging.** `limit` defaults to ``defaultPageSize``; results come in a stable order (reservations and
///   parties by start time, tables and areas as seeded, orders as created) and cursors are keyset positions, so
///   concurrent inserts and deletes never make a page repeat or skip an entity that stayed. A cursor this POS did
///   not issue is refused with `InvalidRequest`.
/// - **Dojo events.** `HandleEventV1` records the event once per event id (a repeat only counts it).
public final class DemoPOS: POSAdapter {
    /// The page size when a search does not give `cursor.limit`.
    public static let defaultPageSize = 50

    /// Every capability: the demo POS implements them all.
    public let capabilities: Set<Capability> = Set(Capability.all)

    let database: DatabasePool
    let logger: Logger
    /// Held while a write runs on its caller's thread (see ``write(_:)``).
    private let inlineWrite = Mutex(false)

    /// Opens (creating and seeding if needed) the demo POS database at `path`.
    ///
    /// - Parameters:
    ///   - path: The SQLite file; its directory must exist. The file is opened in WAL mode.
    ///   - logger: Where the POS logs what it changes (label `dojo.demo-pos` by convention).
    /// - Throws: `DatabaseError` if the file cannot be opened or migrated.
    public init(path: String, logger: Logger = Logger(label: "dojo.demo-pos")) throws {
        var configuration = Configuration()
        configuration.label = "demo-pos"
        // A request that finds the file locked by another connection waits instead of failing at once.
        configuration.busyMode = .timeout(5)
        self.database = try DatabasePool(path: path, configuration: configuration)
        self.logger = logger
        let seedTime = Timestamp(millisecondsSince1970: Int64(Date().timeIntervalSince1970 * 1000))
        try DemoPOSSchema.migrator(seedTime: seedTime).migrate(self.database)
    }

    /// The path of the database file.
    public var path: String { database.path }

    /// One write transaction on the pool's single writer connection. Every statement is cached (prepared once per
    /// connection, not per call), `BEGIN IMMEDIATE` and `COMMIT` included (GRDB's `write` parses both again for
    /// every transaction: a tenth of an update's cost).
    ///
    /// When no other write is running, it runs on the caller's thread: the caller awaits the commit anyway, and
    /// GRDB's asynchronous write hops to the writer queue and back (two thread wake-ups per request, more than the
    /// SQLite work of an update; Docs/performance.md). The try-lock means at most one thread is ever blocked on a
    /// commit; concurrent writers take the asynchronous path and queue on the writer.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let inline = self.inlineWrite.withLock { busy in
            defer { busy = true }
            return !busy
        }
        guard inline else {
            return try await self.database.writeWithoutTransaction { db in try Self.transaction(db, body) }
        }
        defer { self.inlineWrite.withLock { $0 = false } }
        return try self.writeBlocking(body)
    }

    /// The same write, blocking (a synchronous context picks GRDB's synchronous overload).
    private func writeBlocking<T>(_ body: (Database) throws -> T) throws -> T {
        try self.database.writeWithoutTransaction { db in try Self.transaction(db, body) }
    }

    /// Runs `body` in an immediate transaction: committed when it returns, rolled back when it (or the commit)
    /// throws.
    private static func transaction<T>(_ db: Database, _ body: (Database) throws -> T) throws -> T {
        try db.cachedStatement(sql: "BEGIN IMMEDIATE").execute()
        do {
            let result = try body(db)
            try db.cachedStatement(sql: "COMMIT").execute()
            return result
        } catch {
            if db.isInsideTransaction { try? db.cachedStatement(sql: "ROLLBACK").execute() }
            throw error
        }
    }
}

// MARK: - Snapshot

extension DemoPOS {
    /// Everything the POS holds, for a demo to show what Dojo's requests changed.
    public struct Snapshot: Hashable, Sendable {
        /// Every area, as listed by `ListAreasV1`.
        public var areas: [Area]
        /// Every table, in listing order.
        public var tables: [DojoProtocol.Table]
        /// Every reservation, by start time.
        public var reservations: [Reservation]
        /// Every party, current and completed, by start time.
        public var parties: [Party]
        /// Every order, as created.
        public var orders: [Order]
        /// The ids of the Dojo events handled, in the order first received.
        public var handledEventIDs: [String]
    }

    /// Reads everything the POS holds in one consistent read.
    public func snapshot() async throws -> Snapshot {
        try await database.read { db in
            Snapshot(
                areas: try Row.fetchAll(db, sql: "SELECT * FROM area ORDER BY position").map(Records.area),
                tables: try Row.fetchAll(db, sql: "SELECT * FROM diningTable ORDER BY position").map(Records.table),
                reservations: try Row.fetchAll(db, sql: "SELECT * FROM reservation ORDER BY startTime, seq")
                    .map(Records.reservation),
                parties: try Row.fetchAll(db, sql: "SELECT * FROM party ORDER BY startTime, seq").map(Records.party),
                orders: try Row.fetchAll(db, sql: "SELECT * FROM posOrder ORDER BY seq").map(Records.order),
                handledEventIDs: try String.fetchAll(db, sql: "SELECT id FROM dojoEvent ORDER BY rowid")
            )
        }
    }
}
