public import AgentSupport
public import Logging
public import Transport

/// Everything the agent needs to run, resolved from flags, environment, `agent.conf` and defaults (in that order
/// of precedence). `agent.conf.example` documents every key; `AgentConfiguration.keys` is the single list they
/// come from.
public struct AgentConfiguration: Sendable {
    /// Dojo endpoints and credentials (`[dojo]`).
    public struct Dojo: Sendable {
        /// The EPOS Data WebSocket (`dojo.ws_url`).
        public var webSocketURL = "wss://eu.ws.dojo.tech/epos"
        /// The Dojo API base for `/epos/events` and `/epos/integrations/ws` (`dojo.api_base_url`).
        public var apiBaseURL = "https://api.dojo.tech"
        /// The API key, sent as `Authorization: Basic <key>` verbatim (`dojo.api_key`, `dojo.api_key_file`,
        /// `DOJO_API_KEY`, or the systemd credential `dojo-api-key`).
        public var apiKey = Secret("")
        /// A file holding the API key, read when `apiKey` is not set (`dojo.api_key_file`).
        public var apiKeyFile: String?
        /// Identifies the EPOS software, issued by Dojo (`dojo.software_house_id`).
        public var softwareHouseID = ""
        /// Identifies the reseller, if any (`dojo.reseller_id`).
        public var resellerID: String?
        /// The `version` header on REST calls (`dojo.api_version`).
        public var apiVersion = "2026-02-27"
        /// A PEM CA bundle trusted instead of the system store, for both the WebSocket and HTTPS (`dojo.ca_file`).
        public var caFile: String?
        /// Register the adapter's capabilities with Dojo at start and on change (`dojo.register_capabilities`).
        public var registerCapabilities = true

        public init() {}

        /// The handshake headers Dojo's EPOS Data WebSocket requires.
        public var handshakeHeaders: [(name: String, value: String)] {
            var headers = [
                (name: "Authorization", value: "Basic \(self.apiKey.value)"),
                (name: "software-house-id", value: self.softwareHouseID),
            ]
            if let resellerID = self.resellerID { headers.append((name: "reseller-id", value: resellerID)) }
            return headers
        }
    }

    /// How Dojo's requests are served (`[session]`).
    public struct Session: Sendable {
        /// The deadline of one adapter call; after it Dojo gets `UnexpectedError` (`session.request_timeout`).
        public var requestTimeout: Duration = .seconds(10)
        /// Requests handled at once; beyond it the socket is not read (`session.max_in_flight`).
        public var maxInFlight = 32
        /// How long a JSON-RPC id is remembered so a repeat is answered from the stored result
        /// (`session.replay_window`).
        public var replayWindow: Duration = .seconds(600)
        /// The ceiling of the reconnect backoff after a network failure: 1 s doubling up to this
        /// (`session.reconnect_max_delay`).
        public var reconnectMaxDelay: Duration = .seconds(60)
        /// After Dojo refused the credentials (401/403), the first retry comes within this, never sooner than half
        /// of it, doubling to 15 times it (`session.auth_retry_delay`).
        public var authRetryDelay: Duration = .seconds(60)

        public init() {}

        /// The session's reconnect policy after a network failure.
        public var reconnectPolicy: Backoff.Policy {
            Backoff.Policy(initial: min(.seconds(1), self.reconnectMaxDelay), maximum: self.reconnectMaxDelay)
        }

        /// The session's retry policy after an auth rejection; the defaults give `Backoff.Policy.authRejected`.
        public var authRetryPolicy: Backoff.Policy {
            Backoff.Policy(
                initial: self.authRetryDelay,
                maximum: self.authRetryDelay * 15,
                minimum: self.authRetryDelay / 2
            )
        }
    }

    /// Which POS adapter serves Dojo (`[adapter]`).
    public struct Adapter: Sendable {
        public enum Kind: String, Sendable, CaseIterable {
            /// The built-in SQLite demo POS.
            case demo
            /// A vendor adapter process speaking JSON-RPC on stdin/stdout (`Docs/adapter-protocol.md`).
            case process
        }

        public var kind = Kind.demo
        /// The process adapter's argv (`adapter.command`).
        public var command: [String] = []
        /// The process adapter's working directory (`adapter.working_directory`).
        public var workingDirectory: String?
        /// The demo POS database (`adapter.demo_database`; default `<state_directory>/demo-pos.sqlite`).
        public var demoDatabase: String?
        /// How long a process adapter may take on one request before it is considered hung and restarted
        /// (`adapter.hang_timeout`).
        public var hangTimeout: Duration = .seconds(30)

        public init() {}
    }

    /// Delivery of POS events to Dojo (`[outbox]`).
    public struct Outbox: Sendable {
        /// Attempts before an event is dead-lettered; 0 = unlimited (`outbox.max_attempts`).
        public var maxAttempts = 0
        /// Age after which an undelivered event is dead-lettered (`outbox.max_age`).
        public var maxAge: Duration = .seconds(72 * 3600)
        /// Deliveries in flight at once (`outbox.max_in_flight`).
        public var maxInFlight = 4
        /// Events per second once more than `drainBurst` went without a pause (`outbox.drain_rate`).
        public var drainRate = 20.0
        /// Events that may go at once before `drainRate` applies (`outbox.drain_burst`).
        public var drainBurst = 2000

        public init() {}
    }

    public var dojo = Dojo()
    /// The transport settings (`[websocket]`), with `tls.caFile` from `dojo.ca_file`.
    public var webSocket = WebSocketConfiguration()
    public var session = Session()
    public var adapter = Adapter()
    public var outbox = Outbox()
    /// Where the agent keeps its databases and control socket (`agent.state_directory`).
    public var stateDirectory = "/var/lib/dojo-agent"
    /// The minimum level logged (`agent.log_level`).
    public var logLevel = Logger.Level.info
    /// Where and how the log goes (`agent.log_format`): journald under systemd, else logfmt lines, or JSON lines.
    public var logFormat = LogFormat.auto

    public init() {}

    /// `agent.control_socket`: where the control socket lives when not in the state directory (for example
    /// `/run/dojo-agent/control.sock` under systemd's `RuntimeDirectory=`).
    public var controlSocket: String?
    /// `agent.control_socket_group_access`: the control socket is usable by the agent's group (mode 0660).
    public var controlSocketGroupAccess = false

    /// `agent.control_socket`, by default `<state_directory>/control.sock`: `dojo-agent notify` and `status` talk
    /// to the running agent here.
    public var controlSocketPath: String { self.controlSocket ?? self.path("control.sock") }
    /// `<state_directory>/outbox.sqlite`: the durable POS event queue.
    public var outboxDatabasePath: String { self.path("outbox.sqlite") }
    /// `<state_directory>/agent.sqlite`: the Dojo-id → POS-id map and processed Dojo event ids.
    public var agentDatabasePath: String { self.path("agent.sqlite") }
    /// The demo POS database.
    public var demoDatabasePath: String { self.adapter.demoDatabase ?? self.path("demo-pos.sqlite") }

    private func path(_ name: String) -> String {
        self.stateDirectory.hasSuffix("/") ? self.stateDirectory + name : self.stateDirectory + "/" + name
    }
}

/// A secret string (the API key). Its description is redacted, so it cannot reach a log or an error by accident;
/// read `value` only where the secret is used.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself.
    public var value: String

    public init(_ value: String) {
        self.value = value
    }

    public var isEmpty: Bool { self.value.isEmpty }
    public var description: String { self.value.isEmpty ? "<not set>" : "<redacted>" }
    public var debugDescription: String { self.description }
}
