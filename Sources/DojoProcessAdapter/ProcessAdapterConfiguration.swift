public import AgentSupport

/// How the agent runs an out-of-process adapter (`[adapter] kind = "process"`).
///
/// Only ``command`` is required; the defaults suit a POS on the same host. Timeouts, in the order they matter:
///
/// | Setting | Default | After it |
/// |---|---|---|
/// | ``initializeTimeout`` | 10 s | a process that has not answered `initialize` is killed and restarted |
/// | ``readyTimeout`` | 5 s | a request that found no initialised process fails (`UnexpectedError`); `Agent` sets 90 % of the request deadline |
/// | ``hangTimeout`` | 30 s | an unanswered request fails, and the process is considered hung: killed and restarted |
/// | ``healthCheckInterval`` / ``healthCheckTimeout`` | 30 s / 10 s | an unanswered `ping` means hung, as above |
/// | ``shutdownTimeout`` | 5 s | at agent shutdown, a process still running after `shutdown` and end of stdin gets SIGTERM, then SIGKILL 2 s later |
///
/// ```swift
/// var configuration = ProcessAdapterConfiguration(command: ["python3", "Examples/python-adapter/adapter.py"])
/// configuration.hangTimeout = .seconds(20)
/// ```
public struct ProcessAdapterConfiguration: Sendable, Hashable {
    /// The program and its arguments (`adapter.command`). A first element without `/` is looked up in `PATH`.
    public var command: [String]
    /// The directory the process starts in (`adapter.working_directory`); `nil` keeps the agent's.
    public var workingDirectory: String?
    /// Variables added to (or replacing) the agent's environment for the process.
    public var environment: [String: String]
    /// How long one request may stay unanswered before the process is considered hung (`adapter.hang_timeout`).
    public var hangTimeout: Duration
    /// How long the process has to answer `initialize` after it starts.
    public var initializeTimeout: Duration
    /// How long a request waits for an initialised process (at start, or during a restart) before failing.
    public var readyTimeout: Duration
    /// How often an idle or busy process is pinged; `nil` disables health checks (hung requests still count).
    public var healthCheckInterval: Duration?
    /// How long a `ping` may stay unanswered.
    public var healthCheckTimeout: Duration
    /// How long the process has to exit at agent shutdown before it is signalled.
    public var shutdownTimeout: Duration
    /// The delay between restarts: full jitter, growing while the process keeps failing, reset once a process
    /// has stayed up for the policy's `resetAfter`.
    public var restartPolicy: Backoff.Policy
    /// The longest line accepted from the process (stdout or stderr); longer lines are dropped and logged.
    public var maximumLineLength: Int

    /// Restarts wait 0.5 s doubling to 30 s, and reset after 30 s of healthy running.
    public static let defaultRestartPolicy = Backoff.Policy(initial: .milliseconds(500), maximum: .seconds(30))

    /// Creates a configuration running `command` with the defaults above.
    public init(
        command: [String],
        workingDirectory: String? = nil,
        environment: [String: String] = [:],
        hangTimeout: Duration = .seconds(30),
        initializeTimeout: Duration = .seconds(10),
        readyTimeout: Duration = .seconds(5),
        healthCheckInterval: Duration? = .seconds(30),
        healthCheckTimeout: Duration = .seconds(10),
        shutdownTimeout: Duration = .seconds(5),
        restartPolicy: Backoff.Policy = ProcessAdapterConfiguration.defaultRestartPolicy,
        maximumLineLength: Int = 16 << 20
    ) {
        self.command = command
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.hangTimeout = hangTimeout
        self.initializeTimeout = initializeTimeout
        self.readyTimeout = readyTimeout
        self.healthCheckInterval = healthCheckInterval
        self.healthCheckTimeout = healthCheckTimeout
        self.shutdownTimeout = shutdownTimeout
        self.restartPolicy = restartPolicy
        self.maximumLineLength = maximumLineLength
    }
}
