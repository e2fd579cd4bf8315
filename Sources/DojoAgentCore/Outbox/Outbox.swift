import AgentSupport
public import DojoProtocol
public import Foundation
import GRDB
public import Logging
import SystemCalls

// The durable POS → Dojo event queue.
//
// Invariants (each is tested in Tests/OutboxTests; Docs/outbox.md explains them for operators):
// 1. Durable before acknowledged. `publish` returns only after the SQLite transaction holding the event has
//    committed with `synchronous=FULL` in WAL mode (fsync of the WAL on commit): an event `publish` acknowledged
//    survives a process crash (`kill -9`) and a power cut.
// 2. Coalesced by `(type, id)`. There is at most one pending row per `(type, id)` (a UNIQUE constraint). Events
//    carry only the entity id and Dojo re-fetches the entity, so one delivery after the last change is all Dojo
//    needs. A publish of a pending `(type, id)` bumps the row's `generation` instead of adding a row.
// 3. Never lose the newer change. A delivery deletes its row only if the row's `generation` is still the one that
//    was sent (`DELETE … WHERE id = ? AND generation = ?`). If a publish arrived while the request was in flight,
//    the row stays and is made due at once, so it is sent again.
// 4. Deleted only after a 2xx. Rows leave `pending` only by that delete, or by moving to `dead` (non-retryable
//    4xx, `max_age`, `max_attempts`) in one transaction: nothing is ever dropped silently.
// 5. The schedule is in the row. `attempts`, `next_attempt_at` and `last_error` are stored with each failure, so a
//    restart resumes the same schedule; nothing about delivery lives only in memory except which rows are in
//    flight right now (after a crash those are simply sent again: delivery is at least once).
// 6. Nothing half-written. Every change is one transaction; a failed one (disk full, I/O error) rolls back and is
//    reported to the caller as an `OutboxError`, never a crash.
// 7. Corruption never means a crash loop. On open (agent mode) `PRAGMA quick_check` runs; a damaged file is moved
//    aside as `outbox.sqlite.corrupt-<UTC timestamp>` (with its -wal/-shm), logged at critical level with what to
//    do, and an empty outbox starts. The operator commands never move files: they report the corruption instead.

/// The durable outbox: a SQLite database (GRDB, WAL, `synchronous=FULL`) of pending and dead-lettered POS events.
///
/// Publishers call ``publish(_:)``; the ``Publisher`` service drains it; operators inspect it with
/// `dojo-agent queue`. Any number of processes may open the same file: SQLite's locking serialises writers
/// (with a busy timeout), so the queue commands work whether or not the agent runs.
///
/// ```swift
/// let outbox = try Outbox.open(path: "/var/lib/dojo-agent/outbox.sqlite", logger: logger)
/// try await outbox.publish(try PosEvent(type: .orderUpdated, entityID: "42"))   // durable on return
/// ```
public final class Outbox: Sendable {
    /// What to do when the database file is damaged on open.
    public struct CorruptionHandling: Hashable, Sendable {
        private enum Base { case quarantine, fail }
        private let base: Base

        /// Move the file aside, log loudly and start empty (the agent).
        public static let quarantine = Self(base: .quarantine)
        /// Throw `OutboxError` with code `corrupt` and leave the file alone (operator commands).
        public static let fail = Self(base: .fail)

        var quarantines: Bool { self.base == .quarantine }
    }

    /// Where the database lives.
    public let path: String
    /// The file a damaged database was moved to when this outbox was opened, if that happened.
    public let quarantinedFile: String?

    private let database: DatabaseQueue
    private let clock: any WallClock
    private let logger: Logger
    private let publishSignal = WakeSignal()
    /// Whether a publish is committing on its caller's thread right now (see `publish(contentsOf:)`).
    private let inlineCommit = PThreadLock(false)

    private init(path: String, database: DatabaseQueue, quarantinedFile: String?, clock: any WallClock, logger: Logger)
    {
        self.path = path
        self.database = database
        self.quarantinedFile = quarantinedFile
        self.clock = clock
        self.logger = logger
    }

    /// Opens (creating if needed) the outbox database at `path` and checks it.
    ///
    /// - Parameters:
    ///   - path: the database file (`<state_directory>/outbox.sqlite`); its directory must exist.
    ///   - corruption: `.quarantine` (the agent) or `.fail` (operator commands).
    ///   - clock: the wall clock used for publish times and schedules.
    ///   - logger: `dojo.outbox`.
    /// - Throws: ``OutboxError`` (`cannotOpen`, `corrupt` with `.fail`, `diskFull`, `ioError`, …).
    public static func open(
        path: String,
        corruption: CorruptionHandling = .quarantine,
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) throws(OutboxError) -> Outbox {
        try self.open(path: path, corruption: corruption, clock: clock, logger: logger, maximumPageCount: nil)
    }

    /// `maximumPageCount` caps the file size (`PRAGMA max_page_count`): tests use it to produce `SQLITE_FULL`
    /// without filling a real disk.
    static func open(
        path: String,
        corruption: CorruptionHandling,
        clock: any WallClock,
        logger: Logger,
        maximumPageCount: Int?
    ) throws(OutboxError) -> Outbox {
        do {
            let database = try Self.openChecked(path: path, maximumPageCount: maximumPageCount)
            return Outbox(path: path, database: database, quarantinedFile: nil, clock: clock, logger: logger)
        } catch let error as DatabaseError where Self.isCorruption(error) {
            guard corruption.quarantines else {
                throw OutboxError(
                    .corrupt,
                    "the outbox database '\(path)' is damaged (\(error.message ?? "\(error.resultCode)")); start the agent to move it aside, or inspect it with sqlite3"
                )
            }
            let moved = try Self.quarantine(path: path, clock: clock, reason: error.message ?? "\(error.resultCode)")
            logger.critical(
                "outbox database was damaged: moved aside, starting with an empty outbox; events in it were not delivered. Re-notify open orders, parties and reservations from the POS (a full resync), then inspect or delete the moved file",
                metadata: ["outbox.path": "\(path)", "outbox.quarantined_file": "\(moved)"]
            )
            do {
                let database = try Self.openChecked(path: path, maximumPageCount: maximumPageCount)
                return Outbox(path: path, database: database, quarantinedFile: moved, clock: clock, logger: logger)
            } catch {
                throw Self.outboxError(error, path: path, doing: "create a new outbox database")
            }
        } catch {
            throw Self.outboxError(error, path: path, doing: "open the outbox database")
        }
    }

    private static func openChecked(path: String, maximumPageCount: Int?) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.journalMode = .wal
        // Another process (the agent, a queue command) may hold the write lock for one short transaction.
        configuration.busyMode = .timeout(10)
        configuration.label = "dojo.outbox"
        configuration.prepareDatabase { db in
            // FULL: the WAL is fsynced at every commit, so an acknowledged publish survives a power cut
            // (NORMAL would only survive a process crash).
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if let maximumPageCount {
                try db.execute(sql: "PRAGMA max_page_count = \(maximumPageCount)")
            }
        }
        let database = try DatabaseQueue(path: path, configuration: configuration)
        let problems = try database.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        if problems != ["ok"] {
            throw DatabaseError(
                resultCode: .SQLITE_CORRUPT,
                message: "quick_check: \(problems.prefix(3).joined(separator: "; "))"
            )
        }
        try OutboxSchema.migrator.migrate(database)
        return database
    }

    private static func isCorruption(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
    }

    /// Renames the damaged file and its WAL/shared-memory companions; returns the new name of the main file.
    private static func quarantine(path: String, clock: any WallClock, reason: String) throws(OutboxError) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let target = "\(path).corrupt-\(formatter.string(from: clock.now))"
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            do {
                try Syscall.rename(path + suffix, to: target + suffix)
            } catch {
                throw OutboxError(
                    .corrupt,
                    "the outbox database '\(path)' is damaged (\(reason)) and could not be moved aside (\(error.reason)); move or delete it by hand, then start the agent again"
                )
            }
        }
        return target
    }

    // MARK: - Publishing

    /// Stores `event` durably; returns once the transaction has committed (invariant 1). A pending event with the
    /// same type and id is coalesced into its row (invariant 2).
    ///
    /// - Throws: ``OutboxError`` (`diskFull`, `ioError`, `busy`, `corrupt`, …): the event was **not** stored and
    ///   the caller must report the failure to whoever asked (the POS), not pretend it was sent.
    public func publish(_ event: PosEvent) async throws(OutboxError) {
        try await self.publish(contentsOf: CollectionOfOne(event))
    }

    /// Stores several events in one transaction (all or none): the batched form, for bursts.
    public func publish(contentsOf events: some Collection<PosEvent> & Sendable) async throws(OutboxError) {
        guard !events.isEmpty else { return }
        let now = self.clock.now.timeIntervalSince1970
        let store: @Sendable (Database) throws -> Void = { db in
            let statement = try db.cachedStatement(sql: OutboxSchema.upsert)
            for event in events {
                try statement.execute(arguments: [event.type.rawValue, event.entityID, now, now, now])
            }
        }
        do {
            // Fast path: commit on the caller's thread when no other publish is doing so. The caller awaits the
            // commit anyway, and hopping to GRDB's queue and back costs two thread wake-ups (about 35 µs on the
            // 2-vCPU build machine: more than the fsync itself there, halving the single-publish rate; see
            // Docs/performance.md). The try-lock means at most one cooperative thread is ever blocked on a
            // commit; concurrent publishers take the asynchronous path.
            if self.inlineCommit.withLock({ busy in
                busy
                    ? false
                    : {
                        busy = true
                        return true
                    }()
            }) {
                defer { self.inlineCommit.withLock { $0 = false } }
                try self.commitBlocking(store)
            } else {
                try await self.database.write(store)
            }
        } catch {
            throw Self.outboxError(error, path: self.path, doing: "store the event")
        }
        self.publishSignal.signal()
    }

    /// GRDB's blocking write (a synchronous context picks the synchronous overload).
    private func commitBlocking(_ store: (Database) throws -> Void) throws {
        try self.database.write(store)
    }

    /// Stores one event per transaction, synchronously. For callers that are not async (the benchmark's baseline).
    public func publishSynchronously(_ event: PosEvent) throws(OutboxError) {
        let now = self.clock.now.timeIntervalSince1970
        do {
            try self.database.write { db in
                try db.cachedStatement(sql: OutboxSchema.upsert).execute(
                    arguments: [event.type.rawValue, event.entityID, now, now, now]
                )
            }
        } catch {
            throw Self.outboxError(error, path: self.path, doing: "store the event")
        }
        self.publishSignal.signal()
    }

    /// Signalled after every publish in this process (lossy: one pending wake-up at most; the table is the truth).
    var publishes: WakeSignal { self.publishSignal }

    // MARK: - Delivery (used by Publisher)

    /// Rows due at `date`, in id order (oldest first, as ids only grow), skipping `excluded` (the rows already in
    /// flight). Without `ORDER BY` SQLite stops scanning at the first `limit` matches, which keeps a large
    /// backlog's drain cheap; there is deliberately no index on `next_attempt_at` (see OutboxSchema).
    public func due(
        at date: Date,
        limit: Int,
        excluding excluded: Set<Int64>
    ) async throws(OutboxError) -> [OutboxEntry] {
        guard limit > 0 else { return [] }
        let rows = try await self.fetchEntries(
            sql: "SELECT * FROM pending WHERE next_attempt_at <= ? LIMIT ?",
            arguments: [date.timeIntervalSince1970, limit + excluded.count]
        )
        return Array(rows.filter { !excluded.contains($0.id) }.prefix(limit))
    }

    /// When the earliest row not in `excluded` is due, or nil if there is none.
    public func nextDueDate(excluding excluded: Set<Int64>) async throws(OutboxError) -> Date? {
        let skip = excluded.isEmpty ? "" : "WHERE id NOT IN (\(excluded.map(String.init).joined(separator: ",")))"
        let next = try await self.read(doing: "read the outbox") { db in
            try Double.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM pending \(skip)")
        }
        return next.map { Date(timeIntervalSince1970: $0) }
    }

    /// Deletes a delivered row if nothing was published for it meanwhile (invariant 3). Returns false when a
    /// newer publish arrived during the send: the row then stays, due at once, with its failure count reset.
    @discardableResult
    public func markDelivered(_ entry: OutboxEntry) async throws(OutboxError) -> Bool {
        let now = self.clock.now.timeIntervalSince1970
        return try await self.write(doing: "remove a delivered event") { db in
            try db.execute(
                sql: "DELETE FROM pending WHERE id = ? AND generation = ?",
                arguments: [entry.id, entry.generation]
            )
            if db.changesCount == 1 { return true }
            try db.execute(
                sql: "UPDATE pending SET attempts = 0, next_attempt_at = ?, last_error = NULL WHERE id = ?",
                arguments: [now, entry.id]
            )
            return false
        }
    }

    /// Records a failed attempt: one more attempt, the next one at `date`, and why this one failed.
    public func reschedule(_ entry: OutboxEntry, at date: Date, error: String) async throws(OutboxError) {
        try await self.write(doing: "record a failed delivery") { db in
            try db.execute(
                sql: "UPDATE pending SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
                arguments: [date.timeIntervalSince1970, String(error.prefix(1000)), entry.id]
            )
        }
    }

    /// Moves a row to the dead-letter table with the answer that condemned it. If a newer publish arrived during
    /// the send (invariant 3), the row is not dead-lettered: it stays pending, due at once, and counts the failure.
    /// Returns whether the row was dead-lettered.
    @discardableResult
    public func deadLetter(
        _ entry: OutboxEntry,
        status: Int?,
        reason: String,
        responseBody: String?
    ) async throws(OutboxError) -> Bool {
        let now = self.clock.now.timeIntervalSince1970
        return try await self.write(doing: "dead-letter an event") { db in
            let generation = try Int64.fetchOne(
                db,
                sql: "SELECT generation FROM pending WHERE id = ?",
                arguments: [entry.id]
            )
            guard let generation else { return false }
            guard generation == entry.generation else {
                try db.execute(
                    sql: "UPDATE pending SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
                    arguments: [now, String(reason.prefix(1000)), entry.id]
                )
                return false
            }
            try db.execute(
                sql: """
                    INSERT INTO dead (id, event_type, entity_id, created_at, dead_at, attempts, status, reason, response_body)
                    SELECT id, event_type, entity_id, created_at, ?, attempts + 1, ?, ?, ? FROM pending WHERE id = ?
                    """,
                arguments: [
                    now, status, String(reason.prefix(1000)), responseBody.map { String($0.prefix(4096)) }, entry.id,
                ]
            )
            try db.execute(sql: "DELETE FROM pending WHERE id = ?", arguments: [entry.id])
            return true
        }
    }

    // MARK: - Operators

    /// Every pending row, oldest first.
    public func pendingEntries() async throws(OutboxError) -> [OutboxEntry] {
        try await self.fetchEntries(sql: "SELECT * FROM pending ORDER BY created_at, id", arguments: [])
    }

    /// Every dead-lettered row, oldest first.
    public func deadLetters() async throws(OutboxError) -> [DeadLetter] {
        try await self.read(doing: "read the dead letters") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM dead ORDER BY dead_at, id").map { row in
                DeadLetter(
                    id: row["id"],
                    eventType: row["event_type"],
                    entityID: row["entity_id"],
                    createdAt: Date(timeIntervalSince1970: row["created_at"]),
                    deadAt: Date(timeIntervalSince1970: row["dead_at"]),
                    attempts: row["attempts"],
                    status: row["status"],
                    reason: row["reason"],
                    responseBody: row["response_body"]
                )
            }
        }
    }

    /// Counts for status displays.
    public func statistics() async throws(OutboxError) -> OutboxStatistics {
        let now = self.clock.now
        return try await self.read(doing: "count the outbox") { db in
            let pending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pending") ?? 0
            let dead = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dead") ?? 0
            let oldest = try Double.fetchOne(db, sql: "SELECT MIN(created_at) FROM pending")
            return OutboxStatistics(
                pending: pending,
                dead: dead,
                oldestPendingAge: oldest.map { max(0, now.timeIntervalSince1970 - $0) }
            )
        }
    }

    /// Makes a row due now: a dead-lettered row moves back to pending (coalescing with a pending row of the same
    /// type and id) with a fresh age and no failures; a pending row is made due at once with its failures reset.
    ///
    /// - Throws: ``OutboxError`` `notFound` if no row has this id.
    public func retry(id: Int64) async throws(OutboxError) {
        let now = self.clock.now.timeIntervalSince1970
        let found: Bool = try await self.write(doing: "retry an event") { db in
            try db.execute(
                sql: "UPDATE pending SET attempts = 0, next_attempt_at = ?, last_error = NULL WHERE id = ?",
                arguments: [now, id]
            )
            if db.changesCount == 1 { return true }
            return try Self.revive(db, whereClause: "id = ?", arguments: [id], now: now) == 1
        }
        guard found else { throw OutboxError(.notFound, "no pending or dead event has id \(id)") }
        self.publishSignal.signal()
    }

    /// Moves every dead-lettered row back to pending; returns how many.
    @discardableResult
    public func retryAllDeadLetters() async throws(OutboxError) -> Int {
        let now = self.clock.now.timeIntervalSince1970
        let count = try await self.write(doing: "retry the dead letters") { db in
            try Self.revive(db, whereClause: "1 = 1", arguments: [], now: now)
        }
        if count > 0 { self.publishSignal.signal() }
        return count
    }

    /// Deletes every dead-lettered row; returns how many.
    @discardableResult
    public func purgeDeadLetters() async throws(OutboxError) -> Int {
        try await self.write(doing: "purge the dead letters") { db in
            try db.execute(sql: "DELETE FROM dead")
            return db.changesCount
        }
    }

    private static func revive(
        _ db: Database,
        whereClause: String,
        arguments: StatementArguments,
        now: Double
    ) throws
        -> Int
    {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT id, event_type, entity_id FROM dead WHERE \(whereClause)",
            arguments: arguments
        )
        let upsert = try db.cachedStatement(sql: OutboxSchema.revive)
        for row in rows {
            let type: String = row["event_type"]
            let entityID: String = row["entity_id"]
            try upsert.execute(arguments: [type, entityID, now, now, now])
            try db.execute(sql: "DELETE FROM dead WHERE id = ?", arguments: [row["id"] as Int64])
        }
        return rows.count
    }

    // MARK: - Plumbing

    private func fetchEntries(sql: String, arguments: StatementArguments) async throws(OutboxError) -> [OutboxEntry] {
        let (entries, invalid): ([OutboxEntry], [(Int64, String)]) = try await self.read(doing: "read the outbox") {
            db in
            var entries: [OutboxEntry] = []
            var invalid: [(Int64, String)] = []
            for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                let id: Int64 = row["id"]
                do throws(DojoProtocolError) {
                    let event = try PosEvent(typeName: row["event_type"], entityID: row["entity_id"])
                    entries.append(
                        OutboxEntry(
                            id: id,
                            event: event,
                            createdAt: Date(timeIntervalSince1970: row["created_at"]),
                            updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
                            generation: row["generation"],
                            attempts: row["attempts"],
                            nextAttemptAt: Date(timeIntervalSince1970: row["next_attempt_at"]),
                            lastError: row["last_error"]
                        )
                    )
                } catch {
                    invalid.append((id, error.message))
                }
            }
            return (entries, invalid)
        }
        // A row that is not a valid event (edited by hand, written by a future version) can never be delivered:
        // dead-letter it so that it is visible and does not block anything.
        for (id, reason) in invalid {
            let now = self.clock.now.timeIntervalSince1970
            try await self.write(doing: "dead-letter an invalid stored event") { db in
                try db.execute(
                    sql: """
                        INSERT INTO dead (id, event_type, entity_id, created_at, dead_at, attempts, status, reason, response_body)
                        SELECT id, event_type, entity_id, created_at, ?, attempts, NULL, ?, NULL FROM pending WHERE id = ?
                        """,
                    arguments: [now, "invalid stored event: \(reason)", id]
                )
                try db.execute(sql: "DELETE FROM pending WHERE id = ?", arguments: [id])
            }
            self.logger.error("outbox row is not a valid event; dead-lettered", metadata: ["outbox.id": "\(id)"])
        }
        return entries
    }

    private func read<T: Sendable>(
        doing what: String,
        _ body: @escaping @Sendable (Database) throws -> T
    )
        async throws(OutboxError) -> T
    {
        do {
            return try await self.database.read(body)
        } catch {
            throw Self.outboxError(error, path: self.path, doing: what)
        }
    }

    @discardableResult
    private func write<T: Sendable>(
        doing what: String,
        _ body: @escaping @Sendable (Database) throws -> T
    )
        async throws(OutboxError) -> T
    {
        do {
            return try await self.database.write(body)
        } catch {
            throw Self.outboxError(error, path: self.path, doing: what)
        }
    }

    /// Turns a SQLite failure into an `OutboxError` that says what to do.
    static func outboxError(_ error: any Error, path: String, doing what: String) -> OutboxError {
        if let error = error as? OutboxError { return error }
        if error is CancellationError {
            return OutboxError(.database, "could not \(what): the task was cancelled")
        }
        guard let error = error as? DatabaseError else {
            return OutboxError(.database, "could not \(what) in '\(path)': \(error)")
        }
        let detail = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_FULL:
            return OutboxError(
                .diskFull,
                "could not \(what): the disk holding '\(path)' is full (\(detail)); free some space; nothing was written"
            )
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return OutboxError(
                .corrupt,
                "could not \(what): the outbox database '\(path)' is damaged (\(detail)); restart the agent to move it aside"
            )
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return OutboxError(
                .busy,
                "could not \(what): another process kept '\(path)' locked for more than 10 s; try again"
            )
        case .SQLITE_IOERR:
            return OutboxError(.ioError, "could not \(what): I/O error on '\(path)' (\(detail)); check the disk")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
            return OutboxError(
                .cannotOpen,
                "could not \(what): cannot open or write '\(path)' (\(detail)); check that the state directory exists and is writable by the agent's user"
            )
        default:
            return OutboxError(.database, "could not \(what) in '\(path)': \(detail)")
        }
    }
}

/// Counts for status displays.
public struct OutboxStatistics: Sendable, Hashable {
    /// Pending rows.
    public var pending: Int
    /// Dead-lettered rows.
    public var dead: Int
    /// Seconds since the oldest pending row was first published; nil when nothing is pending.
    public var oldestPendingAge: TimeInterval?
}
