import DojoSimulator
import Foundation
import Testing

/// `scripts/systemd/dojo-agent.service` passes systemd's own checks: `systemd-analyze verify` (with the unit's
/// binary path pointed at the built `dojo-agent`, since verify insists the executable exists) and
/// `systemd-analyze security --offline=true`, whose exposure score must stay at or below 2.0 (Docs/operations.md §3).
@Suite(.timeLimit(.minutes(1)))
struct UnitFileTests {
    static let unit = URL(fileURLWithPath: scenariosDirectory).deletingLastPathComponent()
        .appendingPathComponent("scripts/systemd/dojo-agent.service").path

    @Test func systemdAnalyzeVerifiesTheUnit() async throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        #expect(text.contains("ExecStart=/usr/bin/dojo-agent run"))
        let copy = directory + "/dojo-agent.service"
        try text.replacingOccurrences(of: "/usr/bin/dojo-agent", with: agentBinary)
            .write(toFile: copy, atomically: true, encoding: .utf8)
        let result = try await run(["systemd-analyze", "verify", copy])
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("dojo-agent.service"), "warnings about the unit:\n\(result.output)")
    }

    @Test func theExposureScoreIsAtMostTwo() async throws {
        let result = try await run(["systemd-analyze", "security", "--offline=true", Self.unit])
        #expect(result.status == 0, "\(result.output)")
        let overall = result.output.split(separator: "\n").first { $0.contains("Overall exposure level") }
        let score = overall.flatMap { line in
            line.split(separator: " ").compactMap { Double($0) }.first
        }
        #expect(score != nil, "\(result.output)")
        #expect((score ?? 10) <= 2.0, "\(overall ?? "")")
    }

    /// Runs `arguments` to completion on a thread of its own (`systemd-analyze security` takes seconds: it must
    /// not hold one of the cooperative pool's threads).
    private func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await offThePool { try Self.runBlocking(arguments) }
    }

    private static func runBlocking(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        // Offline analysis needs no running systemd; run from a neutral directory.
        process.currentDirectoryURL = URL(fileURLWithPath: FileManager.default.temporaryDirectory.path)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
