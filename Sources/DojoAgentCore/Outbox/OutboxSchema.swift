import GRDB

/// The outbox tables and the statements shared by several operations.
enum OutboxSchema {
    /// Forward-only migrations (GRDB `DatabaseMigrator`); each runs once, in a transaction, in whichever process
    /// opens the file first.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: pending and dead tables") { db in
            // Times are seconds since 1970 (wall clock): the schedule must survive restarts.
            // AUTOINCREMENT: ids are never reused, so an id names one row across pending and dead for good.
            // No index on next_attempt_at: it cost a third of the single-publish rate (one more B-tree page per
            // commit; Docs/performance.md), while the due query scans only pending rows, which coalescing bounds
            // by the number of entities changed (thousands after a long outage: a sub-millisecond scan).
            try db.execute(
                sql: """
                    CREATE TABLE pending (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        event_type TEXT NOT NULL,
                        entity_id TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        generation INTEGER NOT NULL DEFAULT 1,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL NOT NULL,
                        last_error TEXT,
                        UNIQUE (event_type, entity_id)
                    );
                    CREATE TABLE dead (
                        id INTEGER PRIMARY KEY,
                        event_type TEXT NOT NULL,
                        entity_id TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        dead_at REAL NOT NULL,
                        attempts INTEGER NOT NULL,
                        status INTEGER,
                        reason TEXT NOT NULL,
                        response_body TEXT
                    );
                    """
            )
        }
        return migrator
    }()

    /// Publish: a new row, or one more generation of the pending row for the same `(type, id)`. The schedule of
    /// an existing row is kept (a burst of publishes must not defeat the backoff of a row Dojo keeps refusing).
    /// Arguments: type, id, created_at, updated_at, next_attempt_at.
    static let upsert = """
        INSERT INTO pending (event_type, entity_id, created_at, updated_at, generation, attempts, next_attempt_at)
        VALUES (?, ?, ?, ?, 1, 0, ?)
        ON CONFLICT (event_type, entity_id) DO UPDATE SET
            generation = generation + 1,
            updated_at = excluded.updated_at
        """

    /// Retry of a dead letter: like a publish, but an existing pending row is also made due now with its
    /// failures reset (the operator asked for it). Arguments: type, id, created_at, updated_at, next_attempt_at.
    static let revive = """
        INSERT INTO pending (event_type, entity_id, created_at, updated_at, generation, attempts, next_attempt_at)
        VALUES (?, ?, ?, ?, 1, 0, ?)
        ON CONFLICT (event_type, entity_id) DO UPDATE SET
            generation = generation + 1,
            updated_at = excluded.updated_at,
            attempts = 0,
            next_attempt_at = excluded.next_attempt_at,
            last_error = NULL
        """
}
