import ArgumentParser
import DojoProtocol
import DojoSimulator
import Foundation
import Logging

/// How the simulator listens and what it expects (shared by every command).
struct SimulatorOptions: ParsableArguments {
    @Option(help: "The address to bind.")
    var host = "127.0.0.1"

    @Option(help: "The port (0: any free port; the URLs are printed).")
    var port = 0

    @Option(
        help: ArgumentHelp(
            "TLS: 'none' (ws://, http://) or 'generated' (wss://, https:// with a throw-away CA from openssl).",
            valueName: "mode"
        )
    )
    var tls: String?

    @Option(help: "Serve wss:// with this PEM certificate chain (with --tls-key).")
    var tlsCertificate: String?

    @Option(help: "The PEM private key for --tls-certificate.")
    var tlsKey: String?

    @Option(help: "The API key the agent must present as 'Authorization: Basic <key>'.")
    var apiKey = DojoSimulator.Configuration().apiKey

    @Option(name: .customLong("software-house-id"), help: "The software-house-id the agent must send.")
    var softwareHouseID = DojoSimulator.Configuration().softwareHouseID ?? "dojo-sim"

    @Option(help: "The 'version' header REST calls must carry.")
    var apiVersion = DojoSimulator.Configuration().apiVersion ?? "2026-02-27"

    @Option(help: "How long a request waits for the agent's answer.")
    var requestTimeout = "10s"

    @Flag(help: "Do not fetch entities back after POS events.")
    var noFetch = false

    @Option(help: "Simulator log level on stderr (trace, debug, info, notice, warning, error).")
    var logLevel = "warning"

    @OptionGroup(title: "Faults") var faults: FaultOptions

    /// The simulator configuration these options describe; `defaultTLS` applies when `--tls` is not given.
    func configuration(defaultTLS: String = "none") throws -> DojoSimulator.Configuration {
        var configuration = DojoSimulator.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.apiKey = apiKey
        configuration.softwareHouseID = softwareHouseID
        configuration.apiVersion = apiVersion
        configuration.fetchAfterEvents = !noFetch
        guard let timeout = Duration(parsing: requestTimeout) else {
            throw ValidationError("--request-timeout: expected a duration such as 10s, got '\(requestTimeout)'")
        }
        configuration.requestTimeout = timeout
        switch (tlsCertificate, tlsKey, tls ?? (tlsCertificate != nil ? "files" : defaultTLS)) {
        case (let certificate?, let key?, "files"):
            configuration.tls = .files(.init(certificateChain: certificate, privateKey: key))
        case (nil, nil, "none"):
            configuration.tls = .none
        case (nil, nil, "generated"):
            configuration.tls = .generated
        default:
            throw ValidationError("--tls is 'none' or 'generated', or give both --tls-certificate and --tls-key")
        }
        configuration.faults = try faults.faults()
        configuration.logger = makeLogger()
        return configuration
    }

    func makeLogger() -> Logger {
        var logger = Logger(label: "dojo.sim") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        return logger
    }
}

/// Faults from the command line (scenarios can inject them too, step by step).
struct FaultOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Refuse the next handshakes with these statuses, in order (e.g. 401 or 503,503).",
            valueName: "statuses"
        )
    )
    var rejectHandshakes: String?

    @Option(
        help: ArgumentHelp(
            "Answer the next POST /epos/events with these instead of 200, in order (e.g. 500,429:2,400; 429:2 adds Retry-After: 2).",
            valueName: "answers"
        )
    )
    var eventResponses: String?

    @Option(help: ArgumentHelp("Wait this long before sending each request (e.g. 200ms).", valueName: "duration"))
    var delayRequests: String?

    @Option(help: ArgumentHelp("Wait this long before answering each REST call (e.g. 2s).", valueName: "duration"))
    var delayEventResponses: String?

    @Flag(help: "Every connection stops answering the agent's pings (the agent must notice and reconnect).")
    var stopAnsweringPings = false

    @Option(
        help: ArgumentHelp(
            "Drop every connection (no close frame) after it has been open this long.",
            valueName: "duration"
        )
    )
    var dropAfter: String?

    @Option(help: ArgumentHelp("Drop the connection right after sending the N-th request.", valueName: "N"))
    var dropDuringRequest: Int?

    @Flag(help: "Send every request twice with the same JSON-RPC id; both answers must agree.")
    var duplicateRequests = false

    @Flag(help: "Send malformed frames at the start of every connection (each must be survived).")
    var malformedOnConnect = false

    func faults() throws -> DojoSimulator.Faults {
        var faults = DojoSimulator.Faults()
        if let rejectHandshakes {
            faults.rejectHandshakes = try rejectHandshakes.split(separator: ",").map {
                guard let status = Int($0), (100...599).contains(status) else {
                    throw ValidationError("--reject-handshakes: '\($0)' is not an HTTP status")
                }
                return status
            }
        }
        if let eventResponses {
            faults.eventResponses = try eventResponses.split(separator: ",").map {
                guard let response = EventResponse(parsing: String($0)) else {
                    throw ValidationError("--event-responses: '\($0)' is not a status or status:retryAfter")
                }
                return response
            }
        }
        faults.requestDelay = try duration(delayRequests, "--delay-requests") ?? .zero
        faults.eventResponseDelay = try duration(delayEventResponses, "--delay-event-responses") ?? .zero
        faults.dropAfter = try duration(dropAfter, "--drop-after")
        faults.ignorePings = stopAnsweringPings
        faults.dropDuringRequest = dropDuringRequest
        faults.duplicateRequests = duplicateRequests
        faults.malformedOnConnect = malformedOnConnect
        return faults
    }

    private func duration(_ text: String?, _ flag: String) throws -> Duration? {
        guard let text else { return nil }
        guard let value = Duration(parsing: text) else {
            throw ValidationError("\(flag): expected a duration such as 500ms or 2s, got '\(text)'")
        }
        return value
    }
}

/// Options of the commands that run scenarios.
struct ScenarioOptions: ParsableArguments {
    @Flag(help: "Print what Dojo sent and what came back under each step.")
    var story = false

    @Option(help: ArgumentHelp("Also write the report as JSON to this file.", valueName: "file"))
    var reportJSON: String?

    @Option(
        name: .customLong("var"),
        help: ArgumentHelp("Set a scenario variable (repeatable), e.g. --var table1=T12.", valueName: "name=value")
    )
    var variables: [String] = []

    func variableValues() throws -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for assignment in variables {
            guard let equals = assignment.firstIndex(of: "=") else {
                throw ValidationError("--var expects name=value, got '\(assignment)'")
            }
            values[String(assignment[..<equals])] = .string(String(assignment[assignment.index(after: equals)...]))
        }
        return values
    }
}

/// Options of the commands that wait for an agent someone else started and drive it (`run`, `soak`).
struct DrivingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("How long to wait for the agent to connect.", valueName: "duration"))
    var connectTimeout = "60s"

    @Option(
        help: ArgumentHelp(
            "A command that makes the POS report a change, run with <eventType> <id> appended "
                + "(e.g. \"dojo-agent notify --config agent.conf\"); without it, notify steps are skipped.",
            valueName: "command"
        )
    )
    var notifyCommand: String?

    @Option(
        help: ArgumentHelp("Write ws_url=…, api_base_url=…, port=… to this file once listening.", valueName: "file")
    )
    var readyFile: String?
}

/// Scenario files from paths that may be directories (their `*.yaml`, sorted; not recursive).
func scenarioFiles(_ paths: [String]) throws -> [String] {
    var files: [String] = []
    for path in paths {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ValidationError("no such scenario file or directory: \(path)")
        }
        if isDirectory.boolValue {
            let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".yaml") }
                .sorted()
            files += names.map { "\(path)/\($0)" }
        } else {
            files.append(path)
        }
    }
    return files
}

/// The shipped `Scenarios` directory: `./Scenarios`, else the one in the checkout the binary was built in.
func defaultScenariosDirectory() -> String? {
    let marker = "Scenarios/bookings-flow.yaml"
    if FileManager.default.fileExists(atPath: marker) { return "Scenarios" }
    var directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<5 {
        directory = directory.deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent(marker).path) {
            return directory.appendingPathComponent("Scenarios").path
        }
    }
    return nil
}

/// Writes to stderr.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// The `[dojo]` section an agent needs to talk to this simulator.
func agentSettings(_ simulator: DojoSimulator) -> String {
    var lines = [
        "[dojo]",
        "ws_url = \"\(simulator.webSocketURL)\"",
        "api_base_url = \"\(simulator.apiBaseURL)\"",
        "api_key = \"\(simulator.configuration.apiKey)\"",
        "software_house_id = \"\(simulator.configuration.softwareHouseID ?? "dojo-sim")\"",
    ]
    if let caFile = simulator.caFile { lines.append("ca_file = \"\(caFile)\"") }
    return lines.joined(separator: "\n")
}

/// Writes `key=value` lines (ws_url, api_base_url, port, ca_file) for scripts, atomically.
func writeReadyFile(_ path: String, _ simulator: DojoSimulator) throws {
    var text = "ws_url=\(simulator.webSocketURL)\napi_base_url=\(simulator.apiBaseURL)\nport=\(simulator.port)\n"
    if let caFile = simulator.caFile { text += "ca_file=\(caFile)\n" }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}
