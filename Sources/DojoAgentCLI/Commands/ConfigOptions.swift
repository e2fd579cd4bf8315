import ArgumentParser
import DojoAgentCore
import Foundation

/// Options shared by every command that needs the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "The configuration file (default: $DOJO_AGENT_CONFIG, else /etc/dojo-agent/agent.conf if it exists)."
    )
    var config: String?

    @Option(name: .long, help: "Overrides agent.state_directory (where the databases and control.sock live).")
    var stateDirectory: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Overrides one key, e.g. --set websocket.ping_interval=5s (repeatable).",
            valueName: "key=value"
        )
    )
    var settings: [String] = []

    /// The file to read: the flag, then `$DOJO_AGENT_CONFIG`, then the system path if it exists.
    var configFile: String? {
        if let config { return config }
        if let fromEnvironment = ProcessInfo.processInfo.environment["DOJO_AGENT_CONFIG"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        let system = "/etc/dojo-agent/agent.conf"
        return FileManager.default.fileExists(atPath: system) ? system : nil
    }

    func overrides() throws -> [String: String] {
        var overrides: [String: String] = [:]
        for setting in self.settings {
            guard let equals = setting.firstIndex(of: "=") else {
                throw ValidationError("--set expects key=value, got '\(setting)'")
            }
            overrides[String(setting[..<equals])] = String(setting[setting.index(after: equals)...])
        }
        if let stateDirectory { overrides["agent.state_directory"] = stateDirectory }
        return overrides
    }

    /// Loads the configuration or exits with status 78 (EX_CONFIG) and a message naming the key.
    func load(requireCredentials: Bool) throws -> AgentConfiguration.Resolved {
        do {
            return try AgentConfiguration.load(
                file: self.configFile,
                overrides: try self.overrides(),
                requireCredentials: requireCredentials
            )
        } catch let error as AgentConfigurationError {
            FileHandle.standardError.write(Data("dojo-agent: configuration error: \(error)\n".utf8))
            throw ExitCode(78)
        }
    }
}
