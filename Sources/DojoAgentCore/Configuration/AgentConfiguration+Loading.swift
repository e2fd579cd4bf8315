import Foundation
import Logging
import Transport

/// A configuration problem, naming the key, what was wrong and where the value came from.
public struct AgentConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The dotted key (`dojo.ws_url`), or empty for file-level problems.
    public var key: String
    public var message: String

    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { self.key.isEmpty ? self.message : "\(self.key): \(self.message)" }
}

/// Where a configuration value came from (shown by `dojo-agent check-config`).
public enum ConfigurationSource: Sendable, Hashable, CustomStringConvertible {
    case defaultValue
    case file(path: String, line: Int)
    case environment(String)
    case flag

    public var description: String {
        switch self {
        case .defaultValue: "default"
        case .file(let path, let line): "\(path):\(line)"
        case .environment(let name): "env \(name)"
        case .flag: "flag"
        }
    }
}

extension AgentConfiguration {
    /// The configuration and where each key's value came from.
    public struct Resolved: Sendable {
        public var configuration: AgentConfiguration
        public var sources: [String: ConfigurationSource]

        /// Every key with its value (secrets redacted) and source, in the documented order.
        public var listing: [(key: String, value: String, source: ConfigurationSource)] {
            AgentConfiguration.keys.map { key in
                (key.name, key.render(self.configuration), self.sources[key.name] ?? .defaultValue)
            }
        }
    }

    /// Loads and validates the configuration.
    ///
    /// Precedence: `overrides` (command-line flags, keyed by dotted name) > `environment` > `file` > defaults.
    /// Environment names: `DOJO_AGENT_<SECTION>_<KEY>` (e.g. `DOJO_AGENT_DOJO_WS_URL`), plus `DOJO_API_KEY`
    /// and the systemd credential `$CREDENTIALS_DIRECTORY/dojo-api-key` for the API key.
    /// - Parameter environment: the process environment when nil.
    /// - Parameter requireCredentials: check that the API key and software-house-id are set (true for `run`).
    /// - Throws: `AgentConfigurationError` naming the key and the problem.
    public static func load(
        file: String?,
        environment: [String: String]? = nil,
        overrides: [String: String] = [:],
        requireCredentials: Bool = false
    ) throws(AgentConfigurationError) -> Resolved {
        let environment = environment ?? ProcessInfo.processInfo.environment
        var configuration = AgentConfiguration()
        var sources: [String: ConfigurationSource] = [:]
        let byName = Dictionary(uniqueKeysWithValues: Self.keys.map { ($0.name, $0) })

        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw AgentConfigurationError(key: "", "cannot read the configuration file '\(file)'")
            }
            let document: TOMLDocument
            do {
                document = try TOMLDocument(parsing: String(decoding: data, as: UTF8.self))
            } catch {
                throw AgentConfigurationError(key: "", "\(file): \(error)")
            }
            for entry in document.entries {
                guard let key = byName[entry.key] else {
                    let hint = Self.closestKey(to: entry.key).map { " (did you mean '\($0)'?)" } ?? ""
                    throw AgentConfigurationError(
                        key: entry.key,
                        "unknown key in \(file) line \(entry.line)\(hint)"
                    )
                }
                try key.apply(&configuration, .toml(entry.value), "\(file) line \(entry.line)")
                sources[key.name] = .file(path: file, line: entry.line)
            }
        }
        for key in Self.keys {
            for name in key.environmentNames {
                guard let value = environment[name] else { continue }
                try key.apply(&configuration, .text(value), "environment variable \(name)")
                sources[key.name] = .environment(name)
                break
            }
        }
        for (name, value) in overrides {
            guard let key = byName[name] else {
                throw AgentConfigurationError(key: name, "unknown configuration key")
            }
            try key.apply(&configuration, .text(value), "the command line")
            sources[name] = .flag
        }
        try Self.resolveAPIKey(&configuration, sources: &sources, environment: environment)
        configuration.webSocket.tls = TLSConfiguration(caFile: configuration.dojo.caFile)
        try configuration.validate(requireCredentials: requireCredentials)
        return Resolved(configuration: configuration, sources: sources)
    }

    /// The API key may also come from a file (`dojo.api_key_file`) or a systemd credential.
    private static func resolveAPIKey(
        _ configuration: inout AgentConfiguration,
        sources: inout [String: ConfigurationSource],
        environment: [String: String]
    ) throws(AgentConfigurationError) {
        func read(_ path: String, key: String) throws(AgentConfigurationError) -> String {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AgentConfigurationError(key: key, "cannot read the API key file '\(path)'")
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if configuration.dojo.apiKey.isEmpty, let path = configuration.dojo.apiKeyFile {
            configuration.dojo.apiKey = Secret(try read(path, key: "dojo.api_key_file"))
            sources["dojo.api_key"] = .file(path: path, line: 1)
        }
        if configuration.dojo.apiKey.isEmpty, let directory = environment["CREDENTIALS_DIRECTORY"] {
            let path = directory + "/dojo-api-key"
            if FileManager.default.fileExists(atPath: path) {
                configuration.dojo.apiKey = Secret(try read(path, key: "dojo.api_key"))
                sources["dojo.api_key"] = .environment("CREDENTIALS_DIRECTORY (dojo-api-key)")
            }
        }
    }

    /// Checks values that each key's parser cannot check alone.
    func validate(requireCredentials: Bool) throws(AgentConfigurationError) {
        do {
            _ = try WebSocketEndpoint(url: self.dojo.webSocketURL)
        } catch {
            throw AgentConfigurationError(key: "dojo.ws_url", error.message)
        }
        guard self.dojo.apiBaseURL.hasPrefix("https://") || self.dojo.apiBaseURL.hasPrefix("http://"),
            self.dojo.apiBaseURL.count > "https://".count - 1
        else {
            throw AgentConfigurationError(
                key: "dojo.api_base_url",
                "expected an http:// or https:// URL, got '\(self.dojo.apiBaseURL)'"
            )
        }
        if self.dojo.apiKey.value.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) {
            throw AgentConfigurationError(
                key: "dojo.api_key",
                "contains whitespace or control characters (check the file or variable it came from)"
            )
        }
        if let caFile = self.dojo.caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw AgentConfigurationError(key: "dojo.ca_file", "'\(caFile)' does not exist or is not readable")
        }
        if requireCredentials {
            if self.dojo.apiKey.isEmpty {
                throw AgentConfigurationError(
                    key: "dojo.api_key",
                    "not set: put it in agent.conf, DOJO_API_KEY, dojo.api_key_file or the systemd credential"
                        + " 'dojo-api-key'"
                )
            }
            if self.dojo.softwareHouseID.isEmpty {
                throw AgentConfigurationError(
                    key: "dojo.software_house_id",
                    "not set: Dojo issues it to the EPOS vendor"
                )
            }
        }
        if self.adapter.kind == .process, self.adapter.command.isEmpty {
            throw AgentConfigurationError(key: "adapter.command", "required when adapter.kind is \"process\"")
        }
        if self.stateDirectory.isEmpty {
            throw AgentConfigurationError(key: "agent.state_directory", "must not be empty")
        }
        if let listen = self.metrics.listen, !listen.isLoopback, !self.metrics.allowNonLoopback {
            throw AgentConfigurationError(
                key: "metrics.listen",
                "\(listen.host) is not a loopback address and the metrics endpoint has no authentication: use"
                    + " 127.0.0.1, or set metrics.allow_non_loopback = true to serve other machines"
            )
        }
    }

    private static func closestKey(to name: String) -> String? {
        let candidates = Self.keys.map(\.name)
        let scored = candidates.map { ($0, editDistance($0, name)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= 3 else { return nil }
        return best
    }
}

private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
