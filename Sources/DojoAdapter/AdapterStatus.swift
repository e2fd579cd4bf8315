/// What an adapter is doing, as the agent reports it: the start-up line, `dojo-agent status`.
///
/// A snapshot: ``POSAdapter/adapterStatus`` is read whenever it is shown. An embedded adapter keeps the default
/// (named by its type, always ready); the process adapter reports its child process, restarts and last exit.
public struct AdapterStatus: Sendable, Hashable, CustomStringConvertible {
    /// Where the adapter runs. An open set: a struct with static members, so one can be added without breaking a
    /// `switch`.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// Compiled into the agent's program (a Swift POS embedding the agent).
        public static let embedded = Self(rawValue: "embedded")
        /// The built-in SQLite demo POS (`[adapter] kind = "demo"`).
        public static let demo = Self(rawValue: "demo")
        /// A vendor's program in any language, run as a child process (`[adapter] kind = "process"`).
        public static let process = Self(rawValue: "process")

        public var description: String { self.rawValue }
    }

    /// Where the adapter runs.
    public var kind: Kind
    /// What names it: an embedded adapter's type, the demo POS's database file, a process's command.
    public var name: String
    /// Whether it serves requests now.
    public var isReady: Bool
    /// The adapter process's id, while one runs.
    public var processID: Int32?
    /// How many times the adapter was restarted (a process started after the first one ended).
    public var restarts: Int
    /// How the last failure looked, in words (`exit status 1`, `killed by signal 9 (SIGKILL)`).
    public var lastError: String?
    /// One line of what it is doing beyond ``isReady`` (`ready: acme-pos 2.1 (pid 4242), process #3`), when there
    /// is more to say.
    public var detail: String?

    public init(
        kind: Kind,
        name: String,
        isReady: Bool = true,
        processID: Int32? = nil,
        restarts: Int = 0,
        lastError: String? = nil,
        detail: String? = nil
    ) {
        self.kind = kind
        self.name = name
        self.isReady = isReady
        self.processID = processID
        self.restarts = restarts
        self.lastError = lastError
        self.detail = detail
    }

    /// `embedded AcmePOS`, `demo /var/lib/dojo-agent/demo.sqlite`, `process /opt/acme/dojo-adapter`.
    public var description: String { "\(self.kind) \(self.name)" }
}
