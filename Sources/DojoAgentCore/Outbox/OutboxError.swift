/// Why the outbox could not do what was asked. Nothing was half-written: every outbox change is one SQLite
/// transaction, and a failed transaction leaves the database as it was.
public struct OutboxError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String {
            case diskFull = "disk full"
            case corrupt = "corrupt database"
            case busy = "database busy"
            case ioError = "I/O error"
            case cannotOpen = "cannot open"
            case notFound = "not found"
            case invalidEvent = "invalid event"
            case database = "database error"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The disk (or the filesystem's quota) is full: the event was not stored. Free space; nothing else is
        /// needed, the agent carries on once writes succeed again.
        public static let diskFull = Self(.diskFull)
        /// SQLite found the database damaged. On open (agent mode) the file is moved aside and an empty outbox
        /// started; see `Docs/outbox.md`.
        public static let corrupt = Self(.corrupt)
        /// Another process held the database locked for longer than the busy timeout.
        public static let busy = Self(.busy)
        /// The operating system reported an I/O error reading or writing the database.
        public static let ioError = Self(.ioError)
        /// The database file or its directory could not be opened or created (permissions, missing directory).
        public static let cannotOpen = Self(.cannotOpen)
        /// No row has the given id.
        public static let notFound = Self(.notFound)
        /// The event's type or id is not valid (unknown type, empty or oversize id).
        public static let invalidEvent = Self(.invalidEvent)
        /// Any other SQLite failure.
        public static let database = Self(.database)

        public var description: String { self.base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// What happened and what to do.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(self.code): \(self.message)" }
}
