import DojoProtocol
import Foundation
import InMemoryLogging
import Logging
import Testing
import Transport

@testable import DojoAgentCore

/// Text from Dojo reaches the log quoted, escaped and clipped (`LogText`): it can never forge or stretch a line.
@Suite(.timeLimit(.minutes(1)))
struct LogInjectionTests {
    /// Every record the dispatcher logs (swift-log's `InMemoryLogHandler`), with its metadata rendered as a log
    /// handler would render it.
    struct Records {
        private let handler = InMemoryLogHandler()

        var all: [(message: String, metadata: [String: String])] {
            self.handler.entries.map { ("\($0.message)", $0.metadata.mapValues { "\($0)" }) }
        }

        func logger() -> Logger {
            var logger = Logger(label: "log-injection") { _ in self.handler }
            logger.logLevel = .trace
            return logger
        }
    }

    /// Serves `frames` through a real dispatcher (real SQLite store) and returns the responses.
    private func serve(_ frames: [String], logger: Logger) async throws -> [String] {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dispatcher = Dispatcher(
            adapter: TestAdapter(),
            store: try AgentStore(path: directory + "/agent.sqlite"),
            configuration: .init(),
            clock: ContinuousClock(),
            logger: logger
        )
        let responses = TestLockedArray()
        try await dispatcher.serve(frames: frames.async) { responses.append(String(decoding: $0, as: UTF8.self)) }
        return responses.values
    }

    @Test func idsAndFramesFromDojoCannotForgeOrStretchALogLine() async throws {
        let forged = #"x\n2026-01-01T00:00:00+0000 critical dojo.agent : FORGED\u0000\u001b[2J\r"#
        let huge = String(repeating: "A", count: 1_000_000)
        let frames = [
            #"{"id":"g1","method":"GetReservationByIdV1","params":{"reservationId":"\#(forged)"}}"#,
            #"{"id":"g2\n FORGED","method":"GetReservationByIdV1","params":{"reservationId":"\#(huge.prefix(200))"}}"#,
            #"{"id":"b1","method":"GetReservationByIdV1","params":{"reservationId":7}} trailing \#(huge)"#,
            "not json\n2026-01-01T00:00:00+0000 critical FORGED \(huge)",
            #"{"method":"Note\nFORGED"}"#,
        ]
        let records = Records()
        let responses = try await self.serve(frames, logger: records.logger())
        #expect(responses.count == 3, "the frames with a readable id are answered")

        let all = records.all
        #expect(all.count >= 5)
        for record in all {
            for (key, value) in record.metadata {
                #expect(
                    !value.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) },
                    "\(key) carries a raw control character: \(value.debugDescription)"
                )
                // 200 scalars, each at most 8 characters escaped, and the clip marker.
                #expect(value.count <= 200 * 8 + 40, "\(key) is \(value.count) characters long")
            }
        }
        let handled = try #require(all.first { $0.message == "request handled" && $0.metadata["rpc.id"] == "g1" })
        #expect(
            handled.metadata["entity"]
                == #"reservation:x\n2026-01-01T00:00:00+0000 critical dojo.agent : FORGED\u{0}\u{1B}[2J\r"#
        )
        #expect(all.contains { $0.message == "unreadable frame from Dojo" && $0.metadata["rpc.id"] == "none" })
        // The frame itself is a payload: on a line of its own, at trace.
        let unreadable = try #require(
            all.first {
                $0.message == "unreadable frame's text" && $0.metadata["frame.excerpt"]?.hasPrefix("not json") == true
            }
        )
        #expect(unreadable.metadata["frame.excerpt"]?.hasPrefix(#"not json\n2026-01-01T00:00:00+0000"#) == true)
        #expect(unreadable.metadata["frame.excerpt"]?.hasSuffix("…(1000050 bytes)") == true)
        let notification = try #require(all.first { $0.message.hasPrefix("ignored a JSON-RPC notification") })
        #expect(notification.metadata["rpc.method"] == #"Note\nFORGED"#)
    }
}

/// Responses collected from the dispatcher's `send`.
final class TestLockedArray: @unchecked Sendable {
    // @unchecked Sendable: `items` is only touched with `lock` held.
    private let lock = NSLock()
    private var items: [String] = []

    var values: [String] { self.lock.withLock { self.items } }

    func append(_ item: String) {
        self.lock.withLock { self.items.append(item) }
    }
}

extension Array where Element: Sendable {
    /// The elements as an async sequence, in order.
    fileprivate var async: AsyncStream<Element> {
        let (stream, continuation) = AsyncStream.makeStream(of: Element.self)
        for element in self { continuation.yield(element) }
        continuation.finish()
        return stream
    }
}
