import AgentSupport

/// What an out-of-process adapter is doing, for `dojo-agent status`, logs and tests.
public struct ProcessAdapterStatus: Hashable, Sendable, CustomStringConvertible {
    /// The lifecycle state.
    public enum State: Hashable, Sendable {
        /// `run()` has not started a process yet.
        case notStarted
        /// A process is starting and has not answered `initialize` yet.
        case starting
        /// A process is initialised and serving requests.
        case ready
        /// The last process ended; the next starts after `delay`.
        case restarting(after: Duration)
        /// `run()` has returned (the agent is shutting down); requests fail.
        case stopped
    }

    /// The lifecycle state.
    public var state: State
    /// How many processes have been started (1 for the first).
    public var incarnation: Int
    /// The current process's id, while one runs.
    public var processID: Int32?
    /// The name and version the current (or last) process declared in `initialize`.
    public var adapterName: String?
    /// The version the current (or last) process declared.
    public var adapterVersion: String?
    /// How the last process ended (`exit status 1`, `killed by signal 9 after CreateReservationV1 hung`).
    public var lastExit: String?

    /// Whether a process is ready to serve.
    public var isReady: Bool { state == .ready }

    /// One line for status output.
    public var description: String {
        let adapter = adapterName.map { " \($0) \(adapterVersion ?? "")" } ?? ""
        let process = processID.map { " (pid \($0))" } ?? ""
        let exit = lastExit.map { "; last exit: \($0)" } ?? ""
        switch state {
        case .notStarted: return "not started"
        case .starting: return "starting process #\(incarnation)\(process)\(exit)"
        case .ready: return "ready:\(adapter)\(process), process #\(incarnation)\(exit)"
        case .restarting(let delay): return "restarting in \(formatDuration(delay))\(exit)"
        case .stopped: return "stopped\(exit)"
        }
    }
}
