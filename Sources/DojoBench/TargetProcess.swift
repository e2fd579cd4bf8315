import ArgumentParser
import DemoPOS
import Foundation
import GRDB

/// A `dojo-bench session-target` child process and its usage reports (see `SessionTarget`).
final class TargetProcess: @unchecked Sendable {
    // @unchecked Sendable: used by one task at a time (the bench drives one target after another).

    /// The child's own resource usage at one moment.
    struct Usage {
        var cpuMicroseconds: Int
        var switches: Int
        var calls: Int
        var maxRSSKiB: Int
    }

    let kind: SessionTarget.Kind
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var pending: [UInt8] = []

    init(kind: SessionTarget.Kind, url: String, parties: Int, logInfo: Bool = false) throws {
        self.kind = kind
        self.process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: self.process.executableURL!.path) {
            self.process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        self.process.arguments = [
            "session-target", "--target", kind.rawValue, "--url", url, "--parties", "\(parties)",
        ]
        if logInfo {
            self.process.arguments?.append("--log-info")
            // The lines are written (the cost measured) and dropped.
            self.process.standardError = FileHandle.nullDevice
        }
        self.process.standardInput = self.input
        self.process.standardOutput = self.output
        try self.process.run()
    }

    /// Reads the child's usage (blocks this thread briefly: only between runs, never inside a timed one).
    func usage() throws -> Usage {
        self.input.fileHandleForWriting.write(Data("usage\n".utf8))
        let line = try self.readLine()
        let fields = line.split(separator: " ").compactMap { Int($0) }
        guard line.hasPrefix("usage "), fields.count == 6 else {
            throw ValidationError("the \(self.kind) target answered '\(line)' to a usage request")
        }
        return Usage(
            cpuMicroseconds: fields[0] + fields[1],
            switches: fields[2] + fields[3],
            calls: fields[4],
            maxRSSKiB: fields[5]
        )
    }

    /// Runs `load` (which sends `requests` requests) between two usage readings; checks that the target's adapter
    /// (or the echo) saw every request, and fills in CPU time and context switches per request.
    func measured(
        requests: Int,
        _ load: () async throws -> SessionBench.Measurement
    ) async throws -> SessionBench.Measurement {
        let before = try self.usage()
        var measurement = try await load()
        let after = try self.usage()
        let seen = after.calls - before.calls
        guard seen == requests else {
            throw ValidationError(
                "the \(self.kind) target's adapter saw \(seen) of \(requests) requests: the rest were answered elsewhere"
            )
        }
        measurement.cpuPerRequest = Double(after.cpuMicroseconds - before.cpuMicroseconds) / Double(requests)
        measurement.switchesPerRequest = Double(after.switches - before.switches) / Double(requests)
        return measurement
    }

    /// Ends the child: closing its standard input makes it exit.
    func stop() {
        try? self.input.fileHandleForWriting.close()
        self.process.waitUntilExit()
    }

    private func readLine() throws -> String {
        while true {
            if let newline = self.pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: self.pending[..<newline], as: UTF8.self)
                self.pending.removeSubrange(...newline)
                return line
            }
            let chunk = self.output.fileHandleForReading.availableData
            if chunk.isEmpty { throw ValidationError("the \(self.kind) target exited") }
            self.pending.append(contentsOf: chunk)
        }
    }
}

/// The machine's state for the record: load average and the CPU time stolen by the hypervisor since boot share,
/// and over the last second.
enum MachineState {
    static func read() -> String {
        let load =
            (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3)
            .joined(separator: " ") ?? "?"
        let first = Self.cpuTicks()
        usleep(500_000)
        let second = Self.cpuTicks()
        var steal = "?"
        var busy = "?"
        if let first, let second {
            let total = Double(second.total - first.total)
            if total > 0 {
                steal = String(format: "%.1f %%", Double(second.steal - first.steal) / total * 100)
                busy = String(format: "%.0f %%", Double(second.busy - first.busy) / total * 100)
            }
        }
        return "load average \(load), CPU busy \(busy) and steal \(steal) over 0.5 s"
    }

    private static func cpuTicks() -> (total: Int, busy: Int, steal: Int)? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard fields.count >= 8 else { return nil }
        // user nice system idle iowait irq softirq steal
        let total = fields.prefix(8).reduce(0, +)
        return (total, total - fields[3] - fields[4] - fields[7], fields[7])
    }
}

/// The second baseline: what one demo POS party update costs SQLite itself. A cached (prepared once) `UPDATE` of
/// a party row, one write transaction per row, on a demo POS file (same schema, WAL, same pragmas).
enum SQLiteBaseline {
    /// CPU µs (user + system, this process) per row.
    static func cpuPerRow(rows: Int) async throws -> Double {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dojo-bench-sqlite-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("demo-pos.sqlite").path
        // The demo POS creates and seeds the file; then it is closed and opened bare.
        do { _ = try DemoPOS(path: path) }
        // The demo POS's durability: its pool runs WAL with `synchronous = NORMAL` (GRDB's setting for WAL), so a
        // commit does not fsync. A bare queue would default to FULL, an fsync per commit, and a baseline that costs
        // more than the work it stands for flatters the ratio.
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        let partyID = try await queue.read { db in try String.fetchOne(db, sql: "SELECT id FROM party LIMIT 1") }
        guard let partyID else { throw ValidationError("the demo POS seeded no party") }
        return try queue.inDatabase { db in
            let update = try db.makeStatement(
                sql: """
                    UPDATE party SET dojoPartyId = ?, name = ?, covers = ?, tableIds = ?, status = ?, startTime = ?,
                        expectedEndTime = ?, endTime = ?, hostNotes = ?, guestRequests = ?, deposit = ?
                    WHERE id = ?
                    """
            )
            let begin = try db.makeStatement(sql: "BEGIN IMMEDIATE")
            let commit = try db.makeStatement(sql: "COMMIT")
            func one(_ index: Int) throws {
                try begin.execute()
                try update.execute(arguments: [
                    "dojo-\(partyID)", nil, 4, "[\"table-1\"]", "Ordered", 1_723_455_000_000 + index,
                    1_723_462_200_000, nil, nil, nil, nil, partyID,
                ])
                try commit.execute()
            }
            for index in 0..<500 { try one(index) }
            let started = processCPUMicroseconds()
            for index in 0..<rows { try one(index) }
            return Double(processCPUMicroseconds() - started) / Double(rows)
        }
    }
}

/// User + system CPU time of this process, in µs.
func processCPUMicroseconds() -> Int {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return Int(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000
        + Int(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
}
