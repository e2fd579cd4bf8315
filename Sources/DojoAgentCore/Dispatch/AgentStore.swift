import Foundation
import GRDB

/// The agent's own durable state (`<state_directory>/agent.sqlite`), independent of what the adapter does:
///
/// - the Dojo-id → POS-id map of every reservation and party created through the agent, with the result returned
///   to Dojo, so a repeated `CreateReservationV1`/`CreatePartyV1` returns the entity already created instead of
///   a duplicate (even across restarts, even with an adapter that is not idempotent itself);
/// - the ids of Dojo events (`HandleEventV1`) already handled, since Dojo delivers them at least once.
///
/// SQLite in WAL mode with `synchronous=FULL`: a mapping is on disk before Dojo hears of the entity.
final class AgentStore: Sendable {
    enum EntityKind: String, Sendable {
        case reservation
        case party
    }

    struct Mapping: Sendable, Equatable {
        var posID: String
        /// The JSON result sent to Dojo when the entity was created.
        var result: String
    }

    private let database: DatabasePool
    /// Stamps mappings and handled events, and dates the pruning cutoff.
    private let wallClock: any WallClock

    /// Opens (creating if needed) the store at `path`.
    init(path: String, wallClock: any WallClock = SystemWallClock()) throws {
        self.wallClock = wallClock
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        self.database = try DatabasePool(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: entity map and processed events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE entity_map (
                        kind TEXT NOT NULL,
                        dojo_id TEXT NOT NULL,
                        pos_id TEXT NOT NULL,
                        result TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        PRIMARY KEY (kind, dojo_id)
                    );
                    CREATE TABLE dojo_event (
                        id TEXT PRIMARY KEY NOT NULL,
                        handled_at REAL NOT NULL
                    );
                    """
            )
        }
        try migrator.migrate(self.database)
    }

    func mapping(_ kind: EntityKind, dojoID: String) async throws -> Mapping? {
        try await self.database.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT pos_id, result FROM entity_map WHERE kind = ? AND dojo_id = ?",
                    arguments: [kind.rawValue, dojoID]
                )
            else { return nil }
            return Mapping(posID: row["pos_id"], result: row["result"])
        }
    }

    func recordMapping(_ kind: EntityKind, dojoID: String, mapping: Mapping) async throws {
        try await self.database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO entity_map (kind, dojo_id, pos_id, result, created_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (kind, dojo_id) DO UPDATE SET pos_id = excluded.pos_id, result = excluded.result
                    """,
                arguments: [
                    kind.rawValue, dojoID, mapping.posID, mapping.result, self.wallClock.now.timeIntervalSince1970,
                ]
            )
        }
    }

    func hasHandledEvent(id: String) async throws -> Bool {
        try await self.database.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM dojo_event WHERE id = ?", arguments: [id]) ?? false
        }
    }

    func recordHandledEvent(id: String) async throws {
        try await self.database.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO dojo_event (id, handled_at) VALUES (?, ?)",
                arguments: [id, self.wallClock.now.timeIntervalSince1970]
            )
        }
    }

    /// Forgets handled Dojo event ids older than `age` (Dojo does not redeliver that late).
    func pruneHandledEvents(olderThan age: Duration) async throws {
        let cutoff = self.wallClock.now.timeIntervalSince1970 - Double(age.components.seconds)
        try await self.database.write { db in
            try db.execute(sql: "DELETE FROM dojo_event WHERE handled_at < ?", arguments: [cutoff])
        }
    }
}
