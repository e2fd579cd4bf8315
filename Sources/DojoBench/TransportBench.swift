import ArgumentParser
import DojoSimulator
import Foundation
import Logging

/// `dojo-bench transport`: echo round trips through the libwebsockets client over loopback, `ws://` and `wss://`,
/// with small and medium messages. The `ws://` 64-byte row is the baseline the others are compared with.
struct TransportBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transport",
        abstract: "Echo round trips over loopback through the WebSocket transport, ws and wss."
    )

    @Option(help: "Messages per run.") var count = 20_000
    @Option(help: "Messages in flight.") var window = 64

    func run() async throws {
        var logger = Logger(label: "dojo.bench")
        logger.logLevel = .critical
        let tls = try GeneratedTLS.make()
        defer { tls.remove() }
        print("transport bench: \(self.count) echo round trips, \(self.window) in flight, Hummingbird peer on loopback")
        var rows: [(String, SessionBench.Measurement)] = []
        for (scheme, useTLS) in [("ws", false), ("wss", true)] {
            for size in [64, 4096] {
                let measured = try await SessionBench.withEchoTarget(logger: logger, tls: useTLS ? tls : nil) {
                    connection in
                    let frames = (0..<(self.count + 500)).map { index in
                        let id = "e\(index)"
                        let header = "{\"id\":\"\(id)\",\"pad\":\""
                        return (id, header + String(repeating: "x", count: max(0, size - header.count - 2)) + "\"}")
                    }
                    _ = try await SessionBench.drive(
                        connection,
                        frames: Array(frames.prefix(500)),
                        window: self.window,
                        interval: nil
                    )
                    return try await SessionBench.drive(
                        connection,
                        frames: Array(frames.dropFirst(500)),
                        window: self.window,
                        interval: nil
                    )
                }
                rows.append(("\(scheme) \(size) B", measured))
            }
        }
        let baseline = rows[0].1.throughput
        print("")
        print("run            round trips/s   vs ws 64 B   p50 ms   p99 ms")
        for (name, row) in rows {
            print(
                name.padding(toLength: 14, withPad: " ", startingAt: 0)
                    + String(
                        format: " %14.0f   %9.0f%%   %6.2f   %6.2f",
                        row.throughput,
                        row.throughput / baseline * 100,
                        row.p50,
                        row.p99
                    )
            )
        }
    }
}
