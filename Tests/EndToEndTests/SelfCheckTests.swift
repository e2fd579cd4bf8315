import DojoProtocol
import Foundation
import Testing

/// The repository root (the shipped Scenarios and Examples are found from it).
private let checkoutRoot = URL(fileURLWithPath: scenariosDirectory).deletingLastPathComponent().path

/// The built `dojo-sim`, beside `dojo-agent`.
private let simulatorBinary = URL(fileURLWithPath: agentBinary).deletingLastPathComponent()
    .appendingPathComponent("dojo-sim").path

/// What one `dojo-sim check` run printed, its exit status and its `--report` JSON.
struct SelfCheckRun {
    var status: Int32
    var output: String
    var report: JSONValue?
    var markdown: String?

    /// The matrix row of `capability`.
    func row(_ capability: String) -> JSONValue? {
        report?["capabilities"]?.arrayValue?.first { $0["capability"]?.stringValue == capability }
    }

    func status(of capability: String) -> String? { row(capability)?["status"]?.stringValue }
}

/// Runs `executable ARGUMENTS` from the checkout with its output in `outputFile`, and waits (at most 300 s) for
/// it to exit; the process is killed if it is still running when this returns. Nil if it did not exit in time.
func runToExit(_ executable: String, _ arguments: [String], outputFile: String) async throws -> Int32? {
    _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
    let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputFile))
    defer { try? output.close() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: checkoutRoot)
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    let (exits, exited) = AsyncStream<Int32>.makeStream()
    process.terminationHandler = { exited.yield($0.terminationStatus) }
    try process.run()
    defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    return await withTaskGroup(of: Int32?.self) { group in
        group.addTask {
            for await status in exits { return status }
            return nil
        }
        group.addTask {
            try? await Task.sleep(for: .seconds(300))  // a bound on failure, not a wait for success
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// A fresh temporary directory, removed by the caller.
func makeTestDirectory() throws -> String {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("dojo-self-check-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return directory
}

/// Runs `dojo-sim check ARGUMENTS --report …` from the checkout (at most 300 s) and reads its verdict.
func selfCheck(_ arguments: [String]) async throws -> SelfCheckRun {
    let directory = try makeTestDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let reportFile = "\(directory)/report.json"
    let outputFile = "\(directory)/output.txt"
    let status = try await runToExit(
        simulatorBinary,
        ["check", "--agent-binary", agentBinary, "--report", reportFile] + arguments,
        outputFile: outputFile
    )
    let text = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
    guard let status else {
        Issue.record("dojo-sim check did not finish within 300 s:\n\(text)")
        return SelfCheckRun(status: -1, output: text)
    }
    let report = (try? String(contentsOfFile: reportFile, encoding: .utf8)).flatMap { try? JSONValue(parsing: $0) }
    let markdown = try? String(contentsOfFile: "\(directory)/report.md", encoding: .utf8)
    return SelfCheckRun(status: status, output: text, report: report, markdown: markdown)
}

/// The full path of `command` on PATH, if it is installed.
func installed(_ command: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(command)" }.first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
}

/// A passing verdict: exit 0 and every capability Dojo knows declared, checked and passed.
func expectEveryCapabilityPassed(_ run: SelfCheckRun) {
    #expect(run.status == 0, "\(run.output)")
    let rows = run.report?["capabilities"]?.arrayValue ?? []
    #expect(rows.count == Capability.all.count)
    for row in rows {
        #expect(row["status"]?.stringValue == "passed", "\(row.serialized())")
    }
}

private let variantAdapter = "python3 \(checkoutRoot)/Tests/Support/Adapters/variant_adapter.py"
private let reservationCapabilities = [
    "CreateReservation", "GetReservationById", "UpdateReservation", "DeleteReservationById", "SearchReservations",
]

/// `dojo-sim check`, the vendor's self-certification, run as a vendor runs it: the binary, a process adapter,
/// the verdict and its exit status (Docs/simulator.md, "dojo-sim check").
@Suite(.timeLimit(.minutes(10)))
struct SelfCheckTests {
    /// The shipped Python example passes whole: every capability it declares checked and passed, exit 0.
    @Test func thePythonExamplePasses() async throws {
        let run = try await selfCheck(["--adapter-command", "python3 Examples/python-adapter/adapter.py", "--details"])
        // The timing checks ran: a repeated create, back-to-back updates, a request the moment a restart reconnects.
        for check in [
            "CreateReservationV1 repeated create back to back answers one reservation",
            "UpdateReservationV1 back to back for one reservation: answered in order, the last one wins",
            "CreateReservationV1 sent the moment the socket opens after a restart is served",
        ] {
            #expect(run.output.contains("PASS \(check)"), "\(check)")
        }
        expectEveryCapabilityPassed(run)
        #expect(run.markdown?.contains("| CreateReservation | yes | yes |") == true)
    }

    /// The Node.js example passes whole (skipped, saying so, where node is not installed).
    @Test(.enabled(if: installed("node") != nil, "node is not installed: the Node.js example is not checked"))
    func theNodeExamplePasses() async throws {
        expectEveryCapabilityPassed(
            try await selfCheck(["--adapter-command", "node Examples/node-adapter/adapter.js"])
        )
    }

    /// The Java example, compiled with javac alone, passes whole (skipped, saying so, without a JDK).
    @Test(
        .enabled(
            if: installed("javac") != nil && installed("java") != nil,
            "javac/java are not installed: the Java example is not checked"
        )
    )
    func theJavaExamplePasses() async throws {
        let classes = try makeTestDirectory()
        defer { try? FileManager.default.removeItem(atPath: classes) }
        let javac = try await runToExit(
            installed("javac") ?? "javac",
            ["-Xlint:all", "-Werror", "-d", classes, "Examples/java-adapter/Adapter.java"],
            outputFile: "\(classes)/javac.txt"
        )
        let compiler = (try? String(contentsOfFile: "\(classes)/javac.txt", encoding: .utf8)) ?? ""
        try #require(javac == 0, "javac failed:\n\(compiler)")
        expectEveryCapabilityPassed(try await selfCheck(["--adapter-command", "java -cp \(classes) Adapter"]))
    }

    /// Issue 13: a reservations-only adapter without a table id is told once what to pass, and the verdict is
    /// not "passed".
    @Test func aReservationsOnlyAdapterWithoutATableIsToldOnceWhatToPass() async throws {
        let run = try await selfCheck([
            "--adapter-command", "\(variantAdapter) --only \(reservationCapabilities.joined(separator: ","))",
        ])
        let note = "SearchTables is not declared: pass --table-id to check reservation steps"
        #expect(run.output.components(separatedBy: note).count - 1 == 1, "\(run.output)")
        #expect(!run.output.contains("is not set"), "\(run.output)")
        #expect(run.status == 3, "\(run.output)")
        #expect(run.status(of: "CreateReservation") == "not checked")
        #expect(run.row("CreateReservation")?["notCheckableReason"]?.stringValue == "needs a table id (see the note)")
        #expect(run.status(of: "SearchTables") == "not declared")
    }

    /// Issue 13, done when: given a table id, a reservations-only adapter gets every reservation capability
    /// checked and passed, and the rest listed as not declared; exit 0.
    @Test func aReservationsOnlyAdapterGivenATableGetsAFullMatrix() async throws {
        let run = try await selfCheck([
            "--adapter-command", "\(variantAdapter) --only \(reservationCapabilities.joined(separator: ","))",
            "--table-id", "table-1", "--table-id", "table-2",
        ])
        #expect(run.status == 0, "\(run.output)")
        for capability in Capability.all.map(\.name) {
            let expected = reservationCapabilities.contains(capability) ? "passed" : "not declared"
            #expect(run.status(of: capability) == expected, "\(capability): \(run.output)")
        }
    }

    /// The table ids can come from a fixture file's `[check]` section instead of options.
    @Test func tableIDsComeFromAFixtureFile() async throws {
        let directory = try makeTestDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fixture = "\(directory)/check.toml"
        try """
        # what dojo-sim check cannot discover from this POS
        [check]
        table_ids = ["table-1", "table-2"]  # two, so updates can move a booking
        """.write(toFile: fixture, atomically: true, encoding: .utf8)
        let run = try await selfCheck([
            "--adapter-command", "\(variantAdapter) --only \(reservationCapabilities.joined(separator: ","))",
            "--fixture", fixture,
        ])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.status(of: "UpdateReservation") == "passed")
    }

    /// An update that patches instead of replacing fails alone, naming rule 4 (Updates replace).
    @Test func anUpdateThatDoesNotReplaceFailsNamingTheRule() async throws {
        let run = try await selfCheck(["--adapter-command", "\(variantAdapter) --broken update"])
        #expect(run.status == 1, "\(run.output)")
        #expect(run.status(of: "UpdateReservation") == "failed")
        #expect(run.row("UpdateReservation")?["firstFailure"]?["rule"]?["number"] == .integer(4), "\(run.output)")
        #expect(run.status(of: "SearchReservations") == "passed", "only the update is broken")
        try expectQuotedFromTheGuide(run)
    }

    /// An adapter with one capability that cannot be checked without a table: nothing checked, exit 4.
    @Test func nothingCheckedHasItsOwnStatus() async throws {
        let run = try await selfCheck(["--adapter-command", "\(variantAdapter) --only CreateReservation"])
        #expect(run.status == 4, "\(run.output)")
        #expect(run.output.contains("NOTHING CHECKED"))
    }

    /// Issue 13, done when: a broken adapter (an update that patches, a search that repeats an item across
    /// pages) fails, each with the rule it broke quoted from the vendor guide, the request and the answer.
    @Test func aBrokenAdapterFailsNamingTheRule() async throws {
        let run = try await selfCheck([
            "--adapter-command", "\(variantAdapter) --broken update --broken paging",
        ])
        #expect(run.status == 1, "\(run.output)")
        let update = run.row("UpdateReservation")?["firstFailure"]
        #expect(run.status(of: "UpdateReservation") == "failed", "\(run.output)")
        #expect(update?["rule"]?["number"] == .integer(4), "\(run.output)")
        #expect(update?["request"]?.stringValue?.contains("UpdateReservationV1") == true)
        #expect(update?["answer"]?.stringValue?.contains("\"result\"") == true)
        #expect(run.output.contains("broke rule 4 (Docs/vendor-guide.md §2): Updates replace."))
        let search = run.row("SearchReservations")?["firstFailure"]
        #expect(run.status(of: "SearchReservations") == "failed", "\(run.output)")
        #expect(search?["rule"]?["number"] == .integer(6), "\(run.output)")
        #expect(run.output.contains("broke rule 6 (Docs/vendor-guide.md §2): Page searches."))
        try expectQuotedFromTheGuide(run)
    }

    /// An adapter that refuses requests while it is still starting (after answering `initialize`) fails the
    /// restart check: Dojo sends requests the moment the socket opens.
    @Test func anAdapterNotReadyAfterARestartFailsTheRestartCheck() async throws {
        let run = try await selfCheck(["--adapter-command", "\(variantAdapter) --broken not-ready", "--details"])
        #expect(run.status == 1, "\(run.output)")
        // Which request of the restart check meets the refusal first depends on timing: any of them, failed.
        let failed = run.output.split(separator: "\n").filter {
            $0.contains("FAIL ") && $0.contains("sent the moment the socket opens after a restart is served")
        }
        #expect(!failed.isEmpty, "\(run.output)")
    }

    /// Every rule a verdict quotes is in Docs/vendor-guide.md §2, word for word (line breaks and bold aside).
    func expectQuotedFromTheGuide(_ run: SelfCheckRun) throws {
        let guide = try String(contentsOfFile: "\(checkoutRoot)/Docs/vendor-guide.md", encoding: .utf8)
        let flat = guide.replacingOccurrences(of: "**", with: "").split(whereSeparator: \.isWhitespace)
            .joined(separator: " ")
        for row in run.report?["capabilities"]?.arrayValue ?? [] {
            guard let text = row["firstFailure"]?["rule"]?["text"]?.stringValue else { continue }
            #expect(flat.contains(text), "not in the guide: \(text)")
        }
    }
}
