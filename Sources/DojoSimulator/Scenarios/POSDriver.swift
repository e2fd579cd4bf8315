public import DojoProtocol
import Foundation

/// Makes the POS report a change, for a scenario's `notify` step: the agent must then deliver the event to
/// `POST /epos/events`, and the simulator fetches the entity back.
public protocol POSDriver: Sendable {
    /// Makes the POS (through the agent) publish `event`.
    func notify(_ event: PosEvent) async throws
}

/// A driver that runs a command with the event type and id appended, such as
/// `dojo-agent notify --config agent.conf` → `dojo-agent notify --config agent.conf PartyUpdated p-1`.
public struct CommandPOSDriver: POSDriver {
    /// The command and its first arguments.
    public var arguments: [String]

    /// Creates a driver for `arguments` (the executable is looked up in `PATH` when it has no slash).
    public init(arguments: [String]) {
        self.arguments = arguments
    }

    /// Splits a command line on spaces, honouring single and double quotes.
    public init(commandLine: String) {
        self.init(arguments: CommandLine.splitArguments(commandLine))
    }

    /// Runs the command and waits for it.
    ///
    /// - Throws: ``SimulatorError`` (`invalidInput`) with the command's stderr when it fails.
    public func notify(_ event: PosEvent) async throws {
        let argv = arguments + [event.type.rawValue, event.entityID]
        let result = try await runProcess(argv)
        guard result.status == 0 else {
            throw SimulatorError(
                .invalidInput,
                "\(argv.joined(separator: " ")) exited with status \(result.status): \(result.errors.trimmingWhitespace())"
            )
        }
    }
}

/// A driver backed by a closure (tests, embedding).
public struct ClosurePOSDriver: POSDriver {
    private let body: @Sendable (PosEvent) async throws -> Void

    /// Wraps `body`.
    public init(_ body: @escaping @Sendable (PosEvent) async throws -> Void) {
        self.body = body
    }

    /// Calls the closure.
    public func notify(_ event: PosEvent) async throws {
        try await body(event)
    }
}

extension CommandLine {
    /// Splits `line` into arguments on unquoted whitespace; single and double quotes group, backslash escapes
    /// (no other shell syntax: no variables, globs or pipes).
    public static func splitArguments(_ line: String) -> [String] {
        var arguments: [String] = []
        var current = ""
        var quote: Character?
        var escaped = false
        var inArgument = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            if character == "\\" && quote != "'" {
                escaped = true
                inArgument = true
                continue
            }
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                continue
            }
            if character == "\"" || character == "'" {
                quote = character
                inArgument = true
            } else if character.isWhitespace {
                if inArgument { arguments.append(current) }
                current = ""
                inArgument = false
            } else {
                current.append(character)
                inArgument = true
            }
        }
        if inArgument { arguments.append(current) }
        return arguments
    }
}

/// Runs a command to completion off the cooperative pool; returns its status and stderr.
func runProcess(_ argv: [String]) async throws -> (status: Int32, errors: String) {
    guard let executable = argv.first else { throw SimulatorError(.invalidInput, "empty command") }
    return try await withCheckedThrowingContinuation { continuation in
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = Array(argv.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = argv
        }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { finished in
            let output = errors.fileHandleForReading.readDataToEndOfFile()
            // Closed here, not left to deallocation: Foundation on Linux does not release a finished Process (nor so
            // its Pipe), and the soak leaked one pipe per notify until dojo-sim, past 1,024 open fds, crashed in
            // Process.run() (Docs/reliability.md, "Soak").
            try? errors.fileHandleForReading.close()
            continuation.resume(returning: (finished.terminationStatus, String(decoding: output, as: UTF8.self)))
        }
        do {
            try process.run()
        } catch {
            try? errors.fileHandleForReading.close()
            try? errors.fileHandleForWriting.close()
            continuation.resume(throwing: SimulatorError(.invalidInput, "cannot run \(executable): \(error)"))
        }
    }
}
