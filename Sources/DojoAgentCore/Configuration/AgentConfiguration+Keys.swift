import AgentSupport
import Logging
import Transport

/// One configuration key: how to read it from the file, the environment or a flag, and how to print it.
/// `AgentConfiguration.keys` is the only list of keys; loading, `check-config` and unknown-key detection all use
/// it, so they cannot drift apart.
struct ConfigurationKey: Sendable {
    enum Input {
        case toml(TOMLDocument.Value)
        case text(String)
    }

    typealias Apply = @Sendable (inout AgentConfiguration, Input) throws -> Void

    /// A value problem, before the key and origin are attached.
    struct KeyError: Error {
        var message: String
    }

    let name: String
    let isSecret: Bool
    let extraEnvironmentNames: [String]
    private let applyValue: Apply
    private let renderValue: @Sendable (AgentConfiguration) -> String

    init(
        _ name: String,
        secret: Bool = false,
        environment: [String] = [],
        apply: @escaping Apply,
        render: @escaping @Sendable (AgentConfiguration) -> String
    ) {
        self.name = name
        self.isSecret = secret
        self.extraEnvironmentNames = environment
        self.applyValue = apply
        self.renderValue = render
    }

    /// `DOJO_AGENT_<SECTION>_<KEY>` first, then any extra names (such as `DOJO_API_KEY`).
    var environmentNames: [String] {
        let derived = "DOJO_AGENT_" + String(self.name.uppercased().map { $0 == "." ? "_" : $0 })
        return [derived] + self.extraEnvironmentNames
    }

    func apply(
        _ configuration: inout AgentConfiguration,
        _ input: Input,
        _ origin: String
    ) throws(AgentConfigurationError) {
        do {
            try self.applyValue(&configuration, input)
        } catch let error as KeyError {
            throw AgentConfigurationError(key: self.name, "\(error.message) (from \(origin))")
        } catch {
            throw AgentConfigurationError(key: self.name, "\(error) (from \(origin))")
        }
    }

    func render(_ configuration: AgentConfiguration) -> String {
        self.isSecret ? Secret(self.renderValue(configuration)).description : self.renderValue(configuration)
    }
}

// MARK: - Value readers

/// Readers that turn a file value or a text value (environment, flag) into a typed setting.
enum Read {
    typealias Input = ConfigurationKey.Input
    typealias KeyError = ConfigurationKey.KeyError

    static func string(_ input: Input) throws(KeyError) -> String {
        switch input {
        case .toml(.string(let value)), .text(let value): return value
        case .toml(let other): throw KeyError(message: "expected a string, got \(other.typeName)")
        }
    }

    static func optionalString(_ input: Input) throws(KeyError) -> String? {
        let value = try string(input)
        return value.isEmpty ? nil : value
    }

    static func boolean(_ input: Input) throws(KeyError) -> Bool {
        switch input {
        case .toml(.boolean(let value)): return value
        case .text(let text):
            switch text.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw KeyError(message: "expected true or false, got '\(text)'")
            }
        case .toml(let other): throw KeyError(message: "expected true or false, got \(other.typeName)")
        }
    }

    static func integer(_ input: Input, in range: ClosedRange<Int>) throws(KeyError) -> Int {
        let value: Int
        switch input {
        case .toml(.integer(let integer)): value = Int(integer)
        case .text(let text):
            guard let parsed = Int(text) else { throw KeyError(message: "expected an integer, got '\(text)'") }
            value = parsed
        case .toml(let other): throw KeyError(message: "expected an integer, got \(other.typeName)")
        }
        guard range.contains(value) else {
            throw KeyError(message: "must be from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
        return value
    }

    static func number(_ input: Input, minimum: Double) throws(KeyError) -> Double {
        let value: Double
        switch input {
        case .toml(.integer(let integer)): value = Double(integer)
        case .toml(.float(let float)): value = float
        case .text(let text):
            guard let parsed = Double(text) else { throw KeyError(message: "expected a number, got '\(text)'") }
            value = parsed
        case .toml(let other): throw KeyError(message: "expected a number, got \(other.typeName)")
        }
        guard value >= minimum, value.isFinite else { throw KeyError(message: "must be at least \(minimum)") }
        return value
    }

    /// `"250ms"`, `"20s"`, `"5m"`, `"72h"`, or a bare number of seconds. Must be positive.
    static func duration(_ input: Input) throws(KeyError) -> Duration {
        let text: String
        switch input {
        case .toml(.integer(let seconds)): text = "\(seconds)s"
        case .toml(.float(let seconds)): text = "\(seconds)s"
        case .toml(.string(let value)), .text(let value): text = value
        case .toml(let other): throw KeyError(message: "expected a duration such as \"20s\", got \(other.typeName)")
        }
        let units: [(suffix: String, milliseconds: Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        let trimmed = text.trimmingCharactersInSet()
        var amount = trimmed
        var scale = 1000.0
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            let number = String(trimmed.dropLast(unit.suffix.count))
            if Double(number) != nil {
                amount = number
                scale = unit.milliseconds
                break
            }
        }
        guard let value = Double(amount), value > 0, value.isFinite else {
            throw KeyError(
                message: "expected a positive duration such as \"500ms\", \"20s\", \"5m\" or \"72h\", got '\(text)'"
            )
        }
        return .milliseconds(Int64((value * scale).rounded()))
    }

    static func stringArray(_ input: Input) throws(KeyError) -> [String] {
        switch input {
        case .toml(.array(let values)):
            var strings: [String] = []
            for value in values {
                guard case .string(let string) = value else {
                    throw KeyError(message: "expected an array of strings, found \(value.typeName)")
                }
                strings.append(string)
            }
            return strings
        case .text(let text):
            if text.hasPrefix("["), let document = try? TOMLDocument(parsing: "v = " + text),
                let entry = document.entries.first
            {
                return try stringArray(.toml(entry.value))
            }
            return text.split(separator: " ").map(String.init)
        case .toml(.string(let string)):
            return string.split(separator: " ").map(String.init)
        case .toml(let other):
            throw KeyError(message: "expected an array of strings, got \(other.typeName)")
        }
    }

    static func choice<Value>(_ input: Input, _ choices: [(String, Value)]) throws(KeyError) -> Value {
        let text = try string(input)
        guard let match = choices.first(where: { $0.0 == text.lowercased() }) else {
            throw KeyError(
                message: "expected one of \(choices.map { "\"\($0.0)\"" }.joined(separator: ", ")), got '\(text)'"
            )
        }
        return match.1
    }
}

extension String {
    fileprivate func trimmingCharactersInSet() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}

// MARK: - The keys

extension AgentConfiguration {
    private static let logLevels: [(String, Logger.Level)] = [
        ("trace", .trace), ("debug", .debug), ("info", .info), ("notice", .notice), ("warning", .warning),
        ("error", .error), ("critical", .critical),
    ]

    /// Every configuration key, in the order `agent.conf.example` documents them.
    static let keys: [ConfigurationKey] = [
        ConfigurationKey("dojo.ws_url") {
            $0.dojo.webSocketURL = try Read.string($1)
        } render: {
            $0.dojo.webSocketURL
        },
        ConfigurationKey("dojo.api_base_url") { config, input in
            var url = try Read.string(input)
            while url.hasSuffix("/") { url.removeLast() }
            config.dojo.apiBaseURL = url
        } render: {
            $0.dojo.apiBaseURL
        },
        ConfigurationKey("dojo.api_key", secret: true, environment: ["DOJO_API_KEY"]) {
            $0.dojo.apiKey = Secret(try Read.string($1))
        } render: {
            $0.dojo.apiKey.value
        },
        ConfigurationKey("dojo.api_key_file") {
            $0.dojo.apiKeyFile = try Read.optionalString($1)
        } render: {
            $0.dojo.apiKeyFile ?? ""
        },
        ConfigurationKey("dojo.software_house_id") {
            $0.dojo.softwareHouseID = try Read.string($1)
        } render: {
            $0.dojo.softwareHouseID
        },
        ConfigurationKey("dojo.reseller_id") {
            $0.dojo.resellerID = try Read.optionalString($1)
        } render: {
            $0.dojo.resellerID ?? ""
        },
        ConfigurationKey("dojo.api_version") {
            $0.dojo.apiVersion = try Read.string($1)
        } render: {
            $0.dojo.apiVersion
        },
        ConfigurationKey("dojo.ca_file") {
            $0.dojo.caFile = try Read.optionalString($1)
        } render: {
            $0.dojo.caFile ?? ""
        },
        ConfigurationKey("dojo.register_capabilities") {
            $0.dojo.registerCapabilities = try Read.boolean($1)
        } render: {
            "\($0.dojo.registerCapabilities)"
        },
        ConfigurationKey("websocket.ping_interval") {
            $0.webSocket.pingInterval = try Read.duration($1)
        } render: {
            formatDuration($0.webSocket.pingInterval)
        },
        ConfigurationKey("websocket.pong_timeout") {
            $0.webSocket.pongTimeout = try Read.duration($1)
        } render: {
            formatDuration($0.webSocket.pongTimeout)
        },
        ConfigurationKey("websocket.connect_timeout") {
            $0.webSocket.connectTimeout = try Read.duration($1)
        } render: {
            formatDuration($0.webSocket.connectTimeout)
        },
        ConfigurationKey("websocket.handshake_timeout") {
            $0.webSocket.handshakeTimeout = try Read.duration($1)
        } render: {
            formatDuration($0.webSocket.handshakeTimeout)
        },
        ConfigurationKey("websocket.max_message_size") {
            $0.webSocket.maxMessageSize = try Read.integer($1, in: 1024...(1 << 30))
        } render: {
            "\($0.webSocket.maxMessageSize)"
        },
        ConfigurationKey("session.request_timeout") {
            $0.session.requestTimeout = try Read.duration($1)
        } render: {
            formatDuration($0.session.requestTimeout)
        },
        ConfigurationKey("session.max_in_flight") {
            $0.session.maxInFlight = try Read.integer($1, in: 1...1024)
        } render: {
            "\($0.session.maxInFlight)"
        },
        ConfigurationKey("session.replay_window") {
            $0.session.replayWindow = try Read.duration($1)
        } render: {
            formatDuration($0.session.replayWindow)
        },
        ConfigurationKey("session.reconnect_max_delay") {
            $0.session.reconnectMaxDelay = try Read.duration($1)
        } render: {
            formatDuration($0.session.reconnectMaxDelay)
        },
        ConfigurationKey("session.auth_retry_delay") {
            $0.session.authRetryDelay = try Read.duration($1)
        } render: {
            formatDuration($0.session.authRetryDelay)
        },
        ConfigurationKey("adapter.kind") {
            $0.adapter.kind = try Read.choice($1, Adapter.Kind.allCases.map { ($0.rawValue, $0) })
        } render: {
            $0.adapter.kind.rawValue
        },
        ConfigurationKey("adapter.command") {
            $0.adapter.command = try Read.stringArray($1)
        } render: {
            $0.adapter.command.isEmpty
                ? "[]" : "[" + $0.adapter.command.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        },
        ConfigurationKey("adapter.working_directory") {
            $0.adapter.workingDirectory = try Read.optionalString($1)
        } render: {
            $0.adapter.workingDirectory ?? ""
        },
        ConfigurationKey("adapter.demo_database") {
            $0.adapter.demoDatabase = try Read.optionalString($1)
        } render: {
            $0.demoDatabasePath
        },
        ConfigurationKey("adapter.hang_timeout") {
            $0.adapter.hangTimeout = try Read.duration($1)
        } render: {
            formatDuration($0.adapter.hangTimeout)
        },
        ConfigurationKey("outbox.max_attempts") {
            $0.outbox.maxAttempts = try Read.integer($1, in: 0...1_000_000)
        } render: {
            "\($0.outbox.maxAttempts)"
        },
        ConfigurationKey("outbox.max_age") {
            $0.outbox.maxAge = try Read.duration($1)
        } render: {
            formatDuration($0.outbox.maxAge)
        },
        ConfigurationKey("outbox.max_in_flight") {
            $0.outbox.maxInFlight = try Read.integer($1, in: 1...64)
        } render: {
            "\($0.outbox.maxInFlight)"
        },
        ConfigurationKey("outbox.drain_rate") {
            $0.outbox.drainRate = try Read.number($1, minimum: 0.1)
        } render: {
            "\($0.outbox.drainRate)"
        },
        ConfigurationKey("outbox.drain_burst") {
            $0.outbox.drainBurst = try Read.integer($1, in: 1...1_000_000)
        } render: {
            "\($0.outbox.drainBurst)"
        },
        ConfigurationKey("agent.state_directory") {
            $0.stateDirectory = try Read.string($1)
        } render: {
            $0.stateDirectory
        },
        ConfigurationKey("agent.control_socket") {
            $0.controlSocket = try Read.optionalString($1)
        } render: {
            $0.controlSocketPath
        },
        ConfigurationKey("agent.control_socket_group_access") {
            $0.controlSocketGroupAccess = try Read.boolean($1)
        } render: {
            "\($0.controlSocketGroupAccess)"
        },
        ConfigurationKey("agent.log_level") {
            $0.logLevel = try Read.choice($1, logLevels)
        } render: {
            "\($0.logLevel)"
        },
        ConfigurationKey("agent.log_format") {
            $0.logFormat = try Read.choice($1, LogFormat.allCases.map { ($0.rawValue, $0) })
        } render: {
            $0.logFormat.rawValue
        },
    ]
}
