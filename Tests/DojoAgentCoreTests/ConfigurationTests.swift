import AgentSupport
import Foundation
import Logging
import Testing
import Transport

@testable import DojoAgentCore

@Suite struct TOMLDocumentTests {
    @Test func readsTablesKeysAndValues() throws {
        let document = try TOMLDocument(
            parsing: """
                # comment
                top = "value" # trailing comment
                [dojo]
                ws_url = "wss://x/epos"
                'quoted key' = 'lit\\eral'
                count = 1_000
                ratio = 2.5
                on = true
                list = [
                  "a", # one
                  "b\\u00e9",
                ]
                [a.b]
                c = -3
                """
        )
        #expect(
            document.entries.map(\.key) == [
                "top", "dojo.ws_url", "dojo.quoted key", "dojo.count", "dojo.ratio", "dojo.on", "dojo.list", "a.b.c",
            ]
        )
        #expect(document.entries[1].value == .string("wss://x/epos"))
        #expect(document.entries[2].value == .string("lit\\eral"))
        #expect(document.entries[3].value == .integer(1000))
        #expect(document.entries[4].value == .float(2.5))
        #expect(document.entries[5].value == .boolean(true))
        #expect(document.entries[6].value == .array([.string("a"), .string("bé")]))
        #expect(document.entries[7] == .init(key: "a.b.c", value: .integer(-3), line: 14))
    }

    @Test(arguments: [
        ("key = ", "line 1: missing value"),
        ("key = bare", "line 1: unexpected 'b' where a value was expected (strings must be quoted)"),
        ("key = tru", "line 1: unexpected 't' where a value was expected (strings must be quoted)"),
        ("key = \"open", "line 1: unterminated string"),
        ("a = 1\na = 2", "line 2: the key 'a' is set twice"),
        ("[t\nx = 1", "line 1: expected ']' to close the table header"),
        ("x = {a = 1}", "line 1: inline tables are not supported; use a [table] header"),
        ("[[t]]", "line 1: arrays of tables ([[…]]) are not supported"),
        ("x = 1 2", "line 1: unexpected '2' after the value; one assignment per line"),
        ("x = \"\\q\"", "line 1: unknown escape '\\q' in a string"),
        // Found by the TOML fuzz target: TOML allows an empty quoted key, but it names no setting of ours.
        ("a = 1\n'' = [1, 2]", "line 2: an empty quoted key names no setting"),
        ("[dojo]\n\"\" = 1", "line 2: an empty quoted key names no setting"),
        ("[a.'']", "line 1: an empty quoted key names no setting"),
    ])
    func rejectsWithTheLine(text: String, message: String) {
        #expect(throws: TOMLDocument.ParseError.self) { try TOMLDocument(parsing: text) }
        do {
            _ = try TOMLDocument(parsing: text)
        } catch {
            #expect(error.description == message)
        }
    }
}

@Suite struct AgentConfigurationTests {
    private func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("agent-\(UUID().uuidString).conf").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func loadError(
        file: String? = nil,
        environment: [String: String] = [:],
        overrides: [String: String] = [:],
        requireCredentials: Bool = false
    ) -> String? {
        do {
            _ = try AgentConfiguration.load(
                file: file,
                environment: environment,
                overrides: overrides,
                requireCredentials: requireCredentials
            )
            return nil
        } catch {
            return error.description
        }
    }

    @Test func theExampleFileDocumentsEveryKeyWithItsDefault() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("agent.conf.example").path
        let fromExample = try AgentConfiguration.load(file: example, environment: [:])
        let defaults = try AgentConfiguration.load(file: nil, environment: [:])
        let documented = Set(fromExample.sources.keys)
        #expect(documented == Set(AgentConfiguration.keys.map(\.name)), "every key is in agent.conf.example")
        #expect(fromExample.listing.map(\.value) == defaults.listing.map(\.value), "with its default value")
    }

    @Test func precedenceIsFlagThenEnvironmentThenFileThenDefault() throws {
        let file = try self.write(
            """
            [dojo]
            ws_url = "wss://file.example/epos"
            software_house_id = "from-file"
            reseller_id = "file-reseller"
            [session]
            max_in_flight = 8
            """
        )
        let resolved = try AgentConfiguration.load(
            file: file,
            environment: ["DOJO_AGENT_DOJO_SOFTWARE_HOUSE_ID": "from-env", "DOJO_AGENT_SESSION_MAX_IN_FLIGHT": "9"],
            overrides: ["session.max_in_flight": "10"]
        )
        let configuration = resolved.configuration
        #expect(configuration.dojo.webSocketURL == "wss://file.example/epos")
        #expect(configuration.dojo.softwareHouseID == "from-env")
        #expect(configuration.dojo.resellerID == "file-reseller")
        #expect(configuration.session.maxInFlight == 10)
        #expect(configuration.session.requestTimeout == .seconds(10))
        #expect(resolved.sources["dojo.ws_url"] == .file(path: file, line: 2))
        #expect(resolved.sources["dojo.software_house_id"] == .environment("DOJO_AGENT_DOJO_SOFTWARE_HOUSE_ID"))
        #expect(resolved.sources["session.max_in_flight"] == .flag)
        #expect(resolved.sources["session.request_timeout"] == nil)
    }

    @Test func apiKeyComesFromTheEnvironmentFileOrCredentialAndIsNeverPrinted() throws {
        let keyFile = try self.write("sk_sandbox_fromfile\n")
        let credentials = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try "sk_sandbox_credential\n".write(toFile: credentials + "/dojo-api-key", atomically: true, encoding: .utf8)

        let fromEnvironment = try AgentConfiguration.load(file: nil, environment: ["DOJO_API_KEY": "sk_sandbox_env"])
        #expect(fromEnvironment.configuration.dojo.apiKey.value == "sk_sandbox_env")
        let fromFile = try AgentConfiguration.load(
            file: nil,
            environment: [:],
            overrides: ["dojo.api_key_file": keyFile]
        )
        #expect(fromFile.configuration.dojo.apiKey.value == "sk_sandbox_fromfile")
        let fromCredential = try AgentConfiguration.load(file: nil, environment: ["CREDENTIALS_DIRECTORY": credentials])
        #expect(fromCredential.configuration.dojo.apiKey.value == "sk_sandbox_credential")

        for resolved in [fromEnvironment, fromFile, fromCredential] {
            let printed = resolved.listing.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
            #expect(!printed.contains("sk_sandbox"))
            #expect(printed.contains("dojo.api_key=<redacted>"))
            #expect("\(resolved.configuration.dojo.apiKey)" == "<redacted>")
        }
    }

    @Test func valuesOfEveryKindParse() throws {
        let configuration = try AgentConfiguration.load(
            file: nil,
            environment: [:],
            overrides: [
                "websocket.ping_interval": "1500ms", "outbox.max_age": "2h", "session.request_timeout": "3",
                "adapter.kind": "process", "adapter.command": "[\"python3\", \"adapter.py\"]",
                "dojo.register_capabilities": "false", "agent.log_level": "debug", "outbox.drain_rate": "2.5",
                "dojo.api_base_url": "http://127.0.0.1:8080/",
            ]
        ).configuration
        #expect(configuration.webSocket.pingInterval == .milliseconds(1500))
        #expect(configuration.outbox.maxAge == .seconds(7200))
        #expect(configuration.session.requestTimeout == .seconds(3))
        #expect(configuration.adapter.kind == .process)
        #expect(configuration.adapter.command == ["python3", "adapter.py"])
        #expect(!configuration.dojo.registerCapabilities)
        #expect(configuration.logLevel == .debug)
        #expect(configuration.outbox.drainRate == 2.5)
        #expect(configuration.dojo.apiBaseURL == "http://127.0.0.1:8080")
    }

    @Test func reconnectAndAuthRetryDelaysShapeTheSessionBackoff() throws {
        let defaults = try AgentConfiguration.load(file: nil, environment: [:]).configuration.session
        #expect(defaults.reconnectPolicy == Backoff.Policy.reconnect)
        #expect(defaults.authRetryPolicy == Backoff.Policy.authRejected)
        let short = try AgentConfiguration.load(
            file: nil,
            environment: [:],
            overrides: ["session.reconnect_max_delay": "500ms", "session.auth_retry_delay": "2s"]
        ).configuration.session
        #expect(short.reconnectPolicy.initial == .milliseconds(500))
        #expect(short.reconnectPolicy.maximum == .milliseconds(500))
        #expect(short.authRetryPolicy.initial == .seconds(2))
        #expect(short.authRetryPolicy.minimum == .seconds(1))
        #expect(short.authRetryPolicy.maximum == .seconds(30))
    }

    @Test func badConfigurationNamesTheKeyAndTheProblem() throws {
        let typo = try self.write("[dojo]\nws_ulr = \"wss://x/\"\n")
        #expect(
            self.loadError(file: typo) == "dojo.ws_ulr: unknown key in \(typo) line 2 (did you mean 'dojo.ws_url'?)"
        )
        let badType = try self.write("[session]\nmax_in_flight = \"many\"\n")
        #expect(
            self.loadError(file: badType)
                == "session.max_in_flight: expected an integer, got a string (from \(badType) line 2)"
        )
        #expect(
            self.loadError(overrides: ["dojo.ws_url": "http://x"])
                == "dojo.ws_url: invalid WebSocket URL 'http://x': the scheme must be ws:// or wss://"
        )
        #expect(
            self.loadError(environment: ["DOJO_AGENT_WEBSOCKET_PONG_TIMEOUT": "soon"])
                == "websocket.pong_timeout: expected a positive duration such as \"500ms\", \"20s\", \"5m\" or \"72h\","
                + " got 'soon' (from environment variable DOJO_AGENT_WEBSOCKET_PONG_TIMEOUT)"
        )
        #expect(
            self.loadError(overrides: ["session.max_in_flight": "0"])
                == "session.max_in_flight: must be from 1 to 1024, got 0 (from the command line)"
        )
        #expect(
            self.loadError(overrides: ["adapter.kind": "process"])
                == "adapter.command: required when adapter.kind is \"process\""
        )
        #expect(self.loadError(file: "/nonexistent.conf") == "cannot read the configuration file '/nonexistent.conf'")
        #expect(self.loadError(requireCredentials: true)?.hasPrefix("dojo.api_key: not set") == true)
        #expect(
            self.loadError(environment: ["DOJO_API_KEY": "sk"], requireCredentials: true)
                == "dojo.software_house_id: not set: Dojo issues it to the EPOS vendor"
        )
        #expect(
            self.loadError(environment: ["DOJO_API_KEY": "sk with space"])
                == "dojo.api_key: contains whitespace or control characters (check the file or variable it came from)"
        )
    }

    @Test func derivedPathsLiveInTheStateDirectory() throws {
        let configuration = try AgentConfiguration.load(
            file: nil,
            environment: ["DOJO_AGENT_AGENT_STATE_DIRECTORY": "/tmp/state"]
        ).configuration
        #expect(configuration.controlSocketPath == "/tmp/state/control.sock")
        #expect(configuration.outboxDatabasePath == "/tmp/state/outbox.sqlite")
        #expect(configuration.agentDatabasePath == "/tmp/state/agent.sqlite")
        #expect(configuration.demoDatabasePath == "/tmp/state/demo-pos.sqlite")
    }
}
