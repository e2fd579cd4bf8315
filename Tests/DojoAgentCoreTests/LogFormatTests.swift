import DojoAgentCore
import DojoSimulator
import Foundation
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The three log backends (Docs/operations.md, "Logs"): logfmt and JSON lines that nothing from outside can break
/// or stretch, and journald's native protocol over a real datagram socket.
@Suite(.timeLimit(.minutes(1)))
struct LogFormatTests {
    /// 2026-12-02T00:31:26.123Z.
    static let when = Date(timeIntervalSince1970: 1_796_171_486.123)

    static let hostile = "x\n2026-01-01T00:00:00.000Z level=critical msg=FORGED\r\u{0}\u{1B}[2J\"=\\ \u{85}\u{2028}"

    static func record(_ fields: [(String, Logger.MetadataValue)], message: String = "request handled") -> LogRecord {
        LogRecord(
            timestamp: when,
            level: .info,
            component: "dojo.agent.dispatch",
            message: message,
            fields: fields.map { (key: $0.0, value: $0.1) },
            file: "DojoAgentCore/Dispatch/Dispatcher.swift",
            function: "process(_:send:)",
            line: 189
        )
    }

    @Test func logfmtLinesAreTheDocumentedShape() {
        let line = LogfmtFormat.line(
            Self.record([
                ("duration_ms", "3"), ("empty", ""), ("outcome", "ok"), ("rpc.id", "a b"),
                ("rpc.method", "CreateReservationV1"), ("null", "null"),
            ])
        )
        #expect(
            line
                == #"ts=2026-12-02T00:31:26.123Z level=info component=dojo.agent.dispatch msg="request handled" duration_ms=3 empty="" outcome=ok rpc.id="a b" rpc.method=CreateReservationV1 null="null""#
        )
    }

    @Test func noValueBreaksOrForgesALogfmtLine() {
        let line = LogfmtFormat.line(
            Self.record([("rpc.id", .string(Self.hostile)), ("msg", "shadow")], message: Self.hostile)
        )
        #expect(
            !line.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{2028}" }
        )
        #expect(
            line.contains(
                #"rpc.id="x\n2026-01-01T00:00:00.000Z level=critical msg=FORGED\r\u0000\u001b[2J\"=\\ \u0085\u2028""#
            )
        )
        // A field named like a fixed key never shadows it.
        #expect(line.contains(" meta.msg=shadow"))
        // The forged "level=" is inside the quoted message, which starts right after the fixed keys.
        #expect(line.hasPrefix(#"ts=2026-12-02T00:31:26.123Z level=info component=dojo.agent.dispatch msg="x\n2026"#))
    }

    @Test func noLineGrowsWithoutBound() {
        let huge = String(repeating: "é", count: 1_000_000)
        let fields: [(String, Logger.MetadataValue)] = (0..<100).map { ("key\($0)", .string(huge)) }
        for line in [
            LogfmtFormat.line(Self.record(fields, message: huge)),
            JSONLineFormat.line(Self.record(fields, message: huge)),
        ] {
            #expect(line.utf8.count <= LogLimits.line)
            #expect(line.contains("…(2000000 bytes)"))
            #expect(line.contains("log.dropped_fields"))
        }
        let entry = JournalFormat.entry(Self.record(fields, message: huge), identifier: "dojo-agent")
        #expect(entry.count <= LogLimits.line)
    }

    @Test func jsonLinesParseAndKeepEveryValue() throws {
        let nested: Logger.MetadataValue = .dictionary(["b": "2", "a": .array(["x", "y"])])
        let line = JSONLineFormat.line(
            Self.record(
                [("rpc.id", .string(Self.hostile)), ("nested", nested), ("level", "shadow")],
                message: Self.hostile
            )
        )
        #expect(!line.contains("\n") && !line.unicodeScalars.contains { $0 == "\u{2028}" || $0 == "\u{85}" })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["ts"] as? String == "2026-12-02T00:31:26.123Z")
        #expect(object["level"] as? String == "info")
        #expect(object["component"] as? String == "dojo.agent.dispatch")
        #expect(object["msg"] as? String == Self.hostile)
        #expect(object["rpc.id"] as? String == Self.hostile)
        #expect(object["meta.level"] as? String == "shadow")
        let inner = try #require(object["nested"] as? [String: Any])
        #expect(inner["b"] as? String == "2" && inner["a"] as? [String] == ["x", "y"])
    }

    @Test func journalFieldNamesFollowJournaldsRules() {
        #expect(JournalFormat.fieldName("rpc.method") == "RPC_METHOD")
        #expect(JournalFormat.fieldName("http.status") == "HTTP_STATUS")
        #expect(JournalFormat.fieldName("duration_ms") == "DURATION_MS")
        #expect(JournalFormat.fieldName("message") == "META_MESSAGE")
        #expect(JournalFormat.fieldName("priority") == "META_PRIORITY")
        #expect(JournalFormat.fieldName("_hidden") == "F_HIDDEN")
        #expect(JournalFormat.fieldName("9lives") == "F9LIVES")
        #expect(JournalFormat.fieldName("été-ünï") == "F_T___N_")
        #expect(JournalFormat.fieldName(String(repeating: "k", count: 100)).count == 64)
    }

    @Test func syslogPrioritiesFromSwiftLogLevels() {
        let levels: [Logger.Level] = [.trace, .debug, .info, .notice, .warning, .error, .critical]
        #expect(levels.map(\.syslogPriority) == [7, 7, 6, 5, 4, 3, 2])
    }

    /// A real AF_UNIX datagram socket stands in for /run/systemd/journal/socket.
    @Test func journaldReceivesEveryKeyAsAFieldIncludingAValueWithANewline() throws {
        let journal = try JournalStandIn()
        defer { journal.close() }
        let sink = JournalLogSink(socketPath: journal.path, fallback: LineLogSink(format: .logfmt, descriptor: -1))
        let level = LogLevelControl(.info)
        var logger = Logger(label: "dojo.agent") { AgentLogHandler(label: $0, sink: sink, level: level) }
        logger[metadataKey: "component"] = "dojo.agent.dispatch"
        logger.info(
            "request handled",
            metadata: ["rpc.method": "CreateReservationV1", "rpc.id": "r-1", "error": "first\nsecond", "outcome": "ok"]
        )
        logger.debug("not sent: below the level")
        logger.warning("two\nlines")

        let entries = try journal.receive { $0["MESSAGE"] == "two\nlines" }
        #expect(entries.count == 2, "the debug line is below the level")
        let first = entries[0]
        #expect(first["MESSAGE"] == "request handled")
        #expect(first["PRIORITY"] == "6")
        #expect(first["SYSLOG_IDENTIFIER"] == "dojo-agent")
        #expect(first["COMPONENT"] == "dojo.agent.dispatch")
        #expect(first["DOJO_LEVEL"] == "info")
        #expect(first["RPC_METHOD"] == "CreateReservationV1")
        #expect(first["RPC_ID"] == "r-1")
        #expect(first["OUTCOME"] == "ok")
        #expect(first["ERROR"] == "first\nsecond", "a value with a newline goes in the binary-safe form")
        #expect(first["CODE_FILE"]?.hasSuffix("LogFormatTests.swift") == true)
        let second = entries[1]
        #expect(second["MESSAGE"] == "two\nlines")
        #expect(second["PRIORITY"] == "4")
    }

    @Test func aRecordJournaldCannotTakeGoesToTheFallback() throws {
        let pipe = try Pipe.make()
        let sink = JournalLogSink(
            socketPath: "/nonexistent/journal/socket",
            fallback: LineLogSink(format: .logfmt, descriptor: pipe.write)
        )
        sink.write(Self.record([("rpc.method", "GetPartyByIdV1")]))
        Glibc.close(pipe.write)
        let text = pipe.readAll()
        #expect(text.hasPrefix("ts=2026-12-02T00:31:26.123Z level=info component=dojo.agent.dispatch"))
        #expect(text.hasSuffix(" rpc.method=GetPartyByIdV1\n"))
    }

    @Test func autoIsJournaldExactlyWhenJournalStreamNamesStderr() throws {
        let stderr = (device: UInt64(2049), inode: UInt64(123_456))
        let socket = AgentLogging.defaultJournalSocket
        let under = ["JOURNAL_STREAM": "2049:123456"]
        #expect(
            AgentLogging.backend(for: .auto, environment: under, stderrIdentity: stderr) == .journald(socket: socket)
        )
        // Inherited by a process whose stderr is something else (a pipe, a file): lines.
        #expect(
            AgentLogging.backend(for: .auto, environment: ["JOURNAL_STREAM": "2049:9"], stderrIdentity: stderr)
                == .logfmt
        )
        #expect(
            AgentLogging.backend(for: .auto, environment: ["JOURNAL_STREAM": "junk"], stderrIdentity: stderr) == .logfmt
        )
        #expect(AgentLogging.backend(for: .auto, environment: [:], stderrIdentity: stderr) == .logfmt)
        #expect(AgentLogging.backend(for: .json, environment: under, stderrIdentity: stderr) == .json)
        #expect(
            AgentLogging.backend(
                for: .journald,
                environment: ["DOJO_JOURNAL_SOCKET": "/tmp/j.sock"],
                stderrIdentity: nil
            )
                == .journald(socket: "/tmp/j.sock")
        )
    }

    @Test func logFormatIsAConfigurationKey() throws {
        let json = try AgentConfiguration.load(file: nil, environment: [:], overrides: ["agent.log_format": "json"])
        #expect(json.configuration.logFormat == .json)
        #expect(
            try AgentConfiguration.load(file: nil, environment: [:], overrides: [:]).configuration.logFormat == .auto
        )
        #expect(throws: AgentConfigurationError.self) {
            try AgentConfiguration.load(file: nil, environment: [:], overrides: ["agent.log_format": "syslog"])
        }
    }
}

/// A pipe whose read end is drained after the write end closes.
struct Pipe {
    let read: Int32
    let write: Int32

    static func make() throws -> Pipe {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
        return Pipe(read: ends[0], write: ends[1])
    }

    func readAll() -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(self.read, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            data += buffer[..<count]
        }
        Glibc.close(self.read)
        return String(decoding: data, as: UTF8.self)
    }
}
