import ArgumentParser
import DojoAgentCore
import DojoProtocol
import Foundation
import SystemCalls

/// `dojo-agent status`: what the running agent is doing, through its control socket (Docs/operations.md,
/// "Status").
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running agent's session, requests, adapter, outbox, registration and watchdog.",
        discussion: """
            Exit status (as LSB init scripts, for monitoring): 0 running and healthy (connected to Dojo); \
            1 running but degraded (not connected, adapter not ready, registration failed, dead-lettered or \
            stalled events, a loop not answering the watchdog: the output lists which); 3 not running (nothing \
            listens on the control socket); 4 status unknown (the socket refused us or answered nonsense); 78 a \
            configuration error. --json prints one object of the documented schema ("schema": 1). --watch \
            redraws every --interval seconds until Ctrl-C. Secrets never appear in the output.
            """
    )

    /// LSB `status` exit codes, plus 1 for running-but-degraded.
    enum Exit: Int32 {
        case healthy = 0
        case degraded = 1
        case notRunning = 3
        case unknown = 4
    }

    @Flag(help: "Print the answer as one JSON object (schema 1, Docs/operations.md).")
    var json = false

    @Flag(help: "Redraw the status in place, like top, until Ctrl-C.")
    var watch = false

    @Option(help: "Seconds between redraws with --watch.")
    var interval: Double = 2

    @OptionGroup var options: ConfigOptions

    func validate() throws {
        guard self.interval >= 0.1 else { throw ValidationError("--interval must be at least 0.1 seconds") }
        guard !(self.json && self.watch) else { throw ValidationError("--json and --watch do not go together") }
    }

    func run() async throws {
        let configuration = try self.options.load(requireCredentials: false).configuration
        let client = ControlClient(socketPath: configuration.controlSocketPath, timeoutSeconds: 10)
        if self.watch {
            await StatusWatch(client: client, interval: self.interval).run()
        }
        let fields: [String: JSONValue]
        switch await Self.fetch(client) {
        case .failure(let message, let exit):
            CommandOutput.fail(message, status: exit.rawValue)
        case .success(let answer):
            fields = answer
        }
        if self.json {
            print(JSONValue.object(fields).serialized())
        } else {
            print(StatusText.render(fields, width: nil).joined(separator: "\n"))
        }
        let healthy = fields["health"]?.objectValue?["state"]?.stringValue == "ok"
        throw ExitCode(healthy ? Exit.healthy.rawValue : Exit.degraded.rawValue)
    }

    enum Fetched {
        case success([String: JSONValue])
        case failure(String, Exit)
    }

    static func fetch(_ client: ControlClient) async -> Fetched {
        let response: ControlResponse
        do throws(ControlError) {
            response = try await client.send(ControlRequest(command: "status"))
        } catch {
            return .failure(error.message, error.code == .agentNotRunning ? .notRunning : .unknown)
        }
        guard response.isOK else { return .failure(response.error ?? "the agent refused", .unknown) }
        guard response.fields["schema"] == .integer(Int64(AgentStatusReport.schemaVersion)) else {
            return .failure("the agent answered with another status schema (is it another version?)", .unknown)
        }
        return .success(response.fields)
    }
}

/// `status --watch`: the table redrawn in place on the alternate screen (as `top` does), clipped to the terminal
/// so that nothing wraps or scrolls; the terminal is given back as it was on Ctrl-C, SIGTERM or SIGHUP.
struct StatusWatch {
    let client: ControlClient
    let interval: Double

    static let enterScreen = "\u{1B}[?1049h\u{1B}[?25l"
    static let leaveScreen = "\u{1B}[?25h\u{1B}[?1049l"

    func run() async -> Never {
        let numbers = [SIGINT, SIGTERM, SIGHUP]
        Syscall.takeOverSignals(numbers)
        let signals = numbers.map { number -> any DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
            source.setEventHandler {
                Self.write(Self.leaveScreen)
                Syscall.exitProcess(0)
            }
            source.resume()
            return source
        }
        _ = signals
        Self.write(Self.enterScreen)
        while true {
            let size = Self.terminalSize()
            var lines: [String]
            switch await StatusCommand.fetch(self.client) {
            case .success(let fields):
                lines = StatusText.render(fields, width: size.columns)
            case .failure(let message, _):
                lines = ["dojo-agent status: \(message)", "", "retrying every \(Self.seconds(self.interval))"]
            }
            lines.append("")
            lines.append("refreshed \(Self.clock()) every \(Self.seconds(self.interval)); Ctrl-C quits")
            let shown = lines.prefix(max(1, size.rows - 1)).map { Self.clip($0, to: size.columns) }
            // Home, each line then clear-to-end-of-line, then clear the rest of the screen: no flicker.
            Self.write("\u{1B}[H" + shown.map { $0 + "\u{1B}[K" }.joined(separator: "\r\n") + "\u{1B}[J")
            try? await Task.sleep(for: .milliseconds(Int(self.interval * 1000)))
        }
    }

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func terminalSize() -> (rows: Int, columns: Int) {
        Syscall.terminalSize() ?? (24, 80)
    }

    static func clip(_ line: String, to columns: Int) -> String {
        line.count <= columns ? line : String(line.prefix(max(1, columns - 1))) + "…"
    }

    static func clock() -> String {
        Date().formatted(.dateTime.hour(.twoDigits(amPM: .omitted)).minute(.twoDigits).second(.twoDigits))
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

/// The status object as a short aligned table for people.
enum StatusText {
    static func render(_ fields: [String: JSONValue], width: Int?) -> [String] {
        func object(_ key: String) -> [String: JSONValue] { fields[key]?.objectValue ?? [:] }
        let agent = object("agent")
        let health = object("health")
        let session = object("session")
        let adapter = object("adapter")
        let outbox = object("outbox")
        let registration = object("registration")
        let watchdog = object("watchdog")
        let requests = object("requests")

        var rows: [(String, String)] = []
        let uptime = Table.age(agent["uptimeSeconds"]?.number ?? 0)
        let version = agent["version"]?.stringValue ?? "?"
        let pid = agent["pid"]?.number.map { "\(Int($0))" } ?? "?"
        rows.append(("agent", "dojo-agent \(version), pid \(pid), up \(uptime)"))
        rows.append(("health", health["state"]?.stringValue ?? "?"))

        var sessionLine = session["description"]?.stringValue ?? "?"
        let connections = session["connections"]?.number.map { Int($0) } ?? 0
        sessionLine += "; \(connections) connection\(connections == 1 ? "" : "s")"
        sessionLine += ", \(Int(session["reconnects"]?.number ?? 0)) reconnects"
        sessionLine += ", \(Int(session["handshakeRejections"]?.number ?? 0)) handshake rejections"
        rows.append(("session", sessionLine))
        if let last = session["lastDisconnect"]?.objectValue {
            var line = last["reason"]?.stringValue ?? "closed"
            if let code = last["closeCode"]?.number { line += " (close code \(Int(code)))" }
            if let at = last["at"]?.stringValue { line += " at \(at)" }
            rows.append(("last disconnect", line))
        }

        var adapterLine = adapter["description"]?.stringValue ?? "?"
        if let restarts = adapter["restarts"]?.number, restarts > 0 { adapterLine += "; \(Int(restarts)) restarts" }
        rows.append(("adapter", adapterLine))

        var outboxLine = outbox["readError"]?.stringValue.map { "cannot be read: \($0)" } ?? ""
        if outboxLine.isEmpty {
            outboxLine = "\(Int(outbox["pending"]?.number ?? 0)) pending, \(Int(outbox["dead"]?.number ?? 0)) dead"
            if let age = outbox["oldestPendingSeconds"]?.number { outboxLine += " (oldest \(Table.age(age)))" }
        }
        outboxLine += "; \(Int(outbox["delivered"]?.number ?? 0)) delivered"
        outboxLine += ", \(Int(outbox["failedAttempts"]?.number ?? 0)) failed attempts"
        if let at = outbox["lastDeliveryAt"]?.stringValue { outboxLine += "; last delivery \(at)" }
        rows.append(("outbox", outboxLine))
        if let error = outbox["lastError"]?.stringValue {
            rows.append(("outbox last error", error + (outbox["lastErrorAt"]?.stringValue.map { " at \($0)" } ?? "")))
        }
        if let file = outbox["quarantinedFile"]?.stringValue { rows.append(("outbox quarantined", file)) }

        var registrationLine = registration["state"]?.stringValue ?? "?"
        if let count = registration["capabilities"]?.number {
            registrationLine += ": \(Int(count)) capabilities"
            if let at = registration["registeredAt"]?.stringValue { registrationLine += " at \(at)" }
        }
        if let error = registration["lastError"]?.stringValue { registrationLine += "; last error: \(error)" }
        rows.append(("registration", registrationLine))

        let loops = watchdog["loops"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let silent = watchdog["silent"]?.arrayValue ?? []
        if watchdog["enabled"] == .bool(true) {
            let ago = watchdog["lastRoundSecondsAgo"]?.number.map { Table.age($0) } ?? "?"
            rows.append(
                (
                    "watchdog",
                    silent.isEmpty
                        ? "on: \(loops.count) loops answer (\(loops.joined(separator: ", "))); last round \(ago) ago"
                        : "on: \(silent.count) of \(loops.count) loops silent; last round \(ago) ago"
                )
            )
        } else {
            rows.append(("watchdog", "off (no systemd watchdog); loops: \(loops.joined(separator: ", "))"))
        }
        let metrics = object("metrics")["listen"]?.stringValue
        rows.append(("metrics", metrics.map { "http://\($0)/metrics" } ?? "off"))

        let total = Int(requests["total"]?.number ?? 0)
        rows.append(("requests", "\(total) answered, \(Int(requests["errors"]?.number ?? 0)) with an error"))

        let keyWidth = rows.map(\.0.count).max() ?? 0
        var lines = rows.map { key, value in
            key.padding(toLength: keyWidth, withPad: " ", startingAt: 0) + "  " + printable(value)
        }
        let methods = requests["methods"]?.arrayValue?.compactMap(\.objectValue) ?? []
        if !methods.isEmpty {
            lines.append("")
            lines.append(
                contentsOf: Table.render(
                    header: ["METHOD", "COUNT", "ERRORS", "P50 MS", "P99 MS"],
                    rows: methods.map { method in
                        let errors = (method["errors"]?.objectValue ?? [:]).sorted { $0.key < $1.key }
                            .map { "\($0.key)=\(Int($0.value.number ?? 0))" }
                        return [
                            method["method"]?.stringValue ?? "?", "\(Int(method["count"]?.number ?? 0))",
                            errors.isEmpty ? "0" : errors.joined(separator: " "),
                            method["p50Ms"]?.number.map { String(format: "%.2f", $0) } ?? "-",
                            method["p99Ms"]?.number.map { String(format: "%.2f", $0) } ?? "-",
                        ]
                    }
                )
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            )
        }
        let problems = health["problems"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if !problems.isEmpty {
            lines.append("")
            lines.append("degraded:")
            lines.append(contentsOf: problems.map { "  - " + printable($0) })
        }
        return lines
    }

    /// `text` with control characters (which can come from a peer, e.g. a close reason) shown as escapes, so a
    /// value can neither break the table nor drive the terminal.
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension JSONValue {
    /// An integer or a double, as a Double.
    fileprivate var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }
}
