public import DojoProtocol
public import Foundation

/// A pending outbox row: one `(type, id)` waiting to be delivered (coalesced: many publishes, one row).
public struct OutboxEntry: Sendable, Hashable {
    /// The row id (unique across pending and dead rows: a dead row keeps the id it had while pending).
    public var id: Int64
    /// What to send.
    public var event: PosEvent
    /// When the oldest change this row stands for was published (used for `max_age`).
    public var createdAt: Date
    /// When it was last published.
    public var updatedAt: Date
    /// Bumped by every publish of the same `(type, id)`; a delivery removes the row only if the generation it
    /// sent is still the row's generation, so a publish that arrived during the send is sent again.
    public var generation: Int64
    /// Failed delivery attempts so far.
    public var attempts: Int
    /// When the next attempt is due.
    public var nextAttemptAt: Date
    /// Why the last attempt failed, if one did.
    public var lastError: String?
}

/// A dead-lettered row: Dojo refused it (a non-retryable 4xx) or it was too old or tried too often. Never
/// retried automatically; `dojo-agent queue retry` moves it back.
public struct DeadLetter: Sendable, Hashable {
    /// The id the row had while pending.
    public var id: Int64
    /// The event type as stored (normally one of ``PosEventType``'s wire names).
    public var eventType: String
    /// The entity id as stored.
    public var entityID: String
    /// When the oldest change it stood for was published.
    public var createdAt: Date
    /// When it was dead-lettered.
    public var deadAt: Date
    /// Failed attempts, the last included.
    public var attempts: Int
    /// The HTTP status of the last answer, if there was one.
    public var status: Int?
    /// Why it was dead-lettered.
    public var reason: String
    /// The body of the last answer (truncated to 4 KiB), if there was one.
    public var responseBody: String?
}
