import ArgumentParser
import DojoSimulator
import Foundation
import Logging

/// `dojo-bench rss`: the resident memory of a real `dojo-agent run` (demo POS) idle and connected to a peer
/// standing in for Dojo, read from `/proc/PID/status` and `/proc/PID/smaps_rollup` after it has settled.
struct IdleMemoryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rss",
        abstract: "Idle resident memory of a connected dojo-agent (demo POS)."
    )

    @Option(help: "The dojo-agent binary to measure.") var agent = ".build/release/dojo-agent"
    @Option(help: "Seconds to let it settle after connecting.") var settle = 3

    func run() async throws {
        var logger = Logger(label: "dojo.bench")
        logger.logLevel = .critical
        var peerConfiguration = WebSocketPeer.Configuration()
        peerConfiguration.logger = logger
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-bench-rss-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await WebSocketPeer.withPeer(configuration: peerConfiguration) { peer in
            let config = directory.appendingPathComponent("agent.conf").path
            try """
            [dojo]
            ws_url = "\(peer.url(path: "/epos"))"
            api_base_url = "http://127.0.0.1:9"
            api_key = "sk_sandbox_bench"
            software_house_id = "bench"
            register_capabilities = false

            [agent]
            state_directory = "\(directory.path)"
            log_level = "warning"

            [adapter]
            kind = "demo"
            """.write(toFile: config, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: self.agent)
            process.arguments = ["run", "--config", config]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer {
                process.terminate()
                process.waitUntilExit()
            }
            let connection = try await SessionBench.connection(from: peer, what: "the agent")
            try await Task.sleep(for: .seconds(self.settle))
            let pid = process.processIdentifier
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            let rollup = (try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8)) ?? ""
            let pick: (String, [String]) -> String = { text, keys in
                text.split(separator: "\n").filter { line in keys.contains { line.hasPrefix($0 + ":") } }
                    .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
                    .joined(separator: ", ")
            }
            print("dojo-agent idle, connected (\(self.agent), \(self.settle) s after connecting):")
            print("  " + pick(status, ["VmRSS", "RssAnon", "RssFile", "Threads"]))
            print("  smaps_rollup: " + pick(rollup, ["Rss", "Pss", "Private_Dirty", "Anonymous"]))
            // Read to the end: `String(contentsOfFile:)` trusts the size of a /proc file (0) and stops early.
            let smaps = String(
                decoding: FileHandle(forReadingAtPath: "/proc/\(pid)/smaps")?.readDataToEndOfFile() ?? Data(),
                as: UTF8.self
            )
            print("  by mapping (Rss kB, largest first):")
            for (name, kB) in Self.rssByMapping(smaps).prefix(12) {
                print("    \(String(kB).padding(toLength: 7, withPad: " ", startingAt: 0)) \(name)")
            }
            await connection.drop()
        }
    }

    /// Sums `Rss` per mapped file (anonymous mappings as `[anon]`, `[heap]`, `[stack]`) from `/proc/PID/smaps`.
    static func rssByMapping(_ smaps: String) -> [(String, Int)] {
        var totals: [String: Int] = [:]
        var current = "[anon]"
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), fields.count >= 5 {
                current = fields.count >= 6 ? fields[5...].joined(separator: " ") : "[anon]"
            } else if fields.first == "Rss:", fields.count >= 2, let kB = Int(fields[1]) {
                totals[current, default: 0] += kB
            }
        }
        return totals.sorted { $0.value > $1.value }
    }
}
