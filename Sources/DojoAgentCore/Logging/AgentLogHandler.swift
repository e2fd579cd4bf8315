public import Foundation
public import Logging
import Synchronization
import SystemCalls

/// `agent.log_format`: where and how the agent's log goes (Docs/operations.md, "Logs").
public enum LogFormat: String, Sendable, CaseIterable {
    /// journald's native protocol when stderr is the journal's stream (systemd sets `JOURNAL_STREAM`), else logfmt.
    case auto
    /// One logfmt line per event on stderr.
    case logfmt
    /// One JSON object per line on stderr.
    case json
    /// journald's native protocol, whatever stderr is (an entry journald cannot take goes to stderr as logfmt).
    case journald
}

/// Where one record goes.
public protocol LogSink: Sendable {
    func write(_ record: LogRecord)
}

/// Lines on a descriptor (stderr), one `write` per line under a lock, so lines of concurrent events never mix.
public final class LineLogSink: LogSink {
    public enum Format: Sendable {
        case logfmt
        case json
    }

    public let format: Format
    private let descriptor: Int32
    private let lock = Mutex(())

    public init(format: Format, descriptor: Int32 = 2) {
        self.format = format
        self.descriptor = descriptor
    }

    public func write(_ record: LogRecord) {
        let line =
            switch self.format {
            case .logfmt: LogfmtFormat.line(record)
            case .json: JSONLineFormat.line(record)
            }
        let bytes = Array((line + "\n").utf8)
        self.lock.withLock { _ in _ = LogSystemCalls.writeAll(bytes, to: self.descriptor) }
    }
}

/// journald's native protocol: one datagram per record to journald's socket. A record journald does not take
/// (no socket, journald stalled for a second, an entry too large) goes to `fallback` instead, so nothing is lost.
public final class JournalLogSink: LogSink {
    public let socketPath: String
    public let identifier: String
    private let descriptor: Int32?
    private let fallback: any LogSink

    public init(socketPath: String, identifier: String = "dojo-agent", fallback: any LogSink) {
        self.socketPath = socketPath
        self.identifier = identifier
        self.descriptor = LogSystemCalls.openDatagramSocket()
        self.fallback = fallback
    }

    deinit {
        if let descriptor { LogSystemCalls.close(descriptor) }
    }

    public func write(_ record: LogRecord) {
        guard let descriptor,
            LogSystemCalls.send(
                JournalFormat.entry(record, identifier: self.identifier),
                from: descriptor,
                to: self.socketPath
            )
                == 0
        else {
            self.fallback.write(record)
            return
        }
    }
}

/// The level every logger of the process shares: setting it anywhere (a SIGHUP reload) changes it for all.
public final class LogLevelControl: Sendable {
    private let value: Mutex<Logger.Level>

    public init(_ level: Logger.Level) { self.value = Mutex(level) }

    public var level: Logger.Level {
        get { self.value.withLock { $0 } }
        set { self.value.withLock { $0 = newValue } }
    }
}

/// The agent's swift-log handler: merges metadata into a ``LogRecord`` and hands it to a ``LogSink``.
public struct AgentLogHandler: LogHandler {
    public let label: String
    public let sink: any LogSink
    public let levelControl: LogLevelControl
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let now: @Sendable () -> Date

    public init(
        label: String,
        sink: any LogSink,
        level: LogLevelControl,
        metadataProvider: Logger.MetadataProvider? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.label = label
        self.sink = sink
        self.levelControl = level
        self.metadataProvider = metadataProvider
        self.now = now
    }

    public var logLevel: Logger.Level {
        get { self.levelControl.level }
        set { self.levelControl.level = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        self.sink.write(
            LogRecord(
                event: event,
                label: self.label,
                metadata: self.metadata,
                provider: self.metadataProvider,
                now: self.now()
            )
        )
    }
}

/// Picks the backend for `agent.log_format` and the environment.
public enum AgentLogging {
    /// Overrides journald's socket (tests stand a socket of their own in for it).
    public static let journalSocketVariable = "DOJO_JOURNAL_SOCKET"
    public static let defaultJournalSocket = "/run/systemd/journal/socket"

    public enum Backend: Equatable, Sendable {
        case logfmt
        case json
        case journald(socket: String)
    }

    /// `auto` is journald exactly when `JOURNAL_STREAM` names what stderr is (systemd's rule: a process whose
    /// stderr was redirected elsewhere, or a child that inherited the variable, keeps writing lines).
    public static func backend(for format: LogFormat, environment: [String: String]) -> Backend {
        backend(for: format, environment: environment, stderrIdentity: LogSystemCalls.identity(ofDescriptor: 2))
    }

    /// ``backend(for:environment:)`` with stderr's identity given (tests).
    public static func backend(
        for format: LogFormat,
        environment: [String: String],
        stderrIdentity: (device: UInt64, inode: UInt64)?
    ) -> Backend {
        let socket = environment[journalSocketVariable].flatMap { $0.isEmpty ? nil : $0 } ?? defaultJournalSocket
        switch format {
        case .logfmt: return .logfmt
        case .json: return .json
        case .journald: return .journald(socket: socket)
        case .auto:
            return isJournalStream(environment["JOURNAL_STREAM"], stderr: stderrIdentity)
                ? .journald(socket: socket) : .logfmt
        }
    }

    /// Whether `JOURNAL_STREAM` (`<device>:<inode>`, decimal) names the descriptor with `stderr`'s identity.
    public static func isJournalStream(_ value: String?, stderr: (device: UInt64, inode: UInt64)?) -> Bool {
        guard let value, let stderr else { return false }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        return device == stderr.device && inode == stderr.inode
    }

    /// The sink for `backend`: lines on stderr, or journald with logfmt on stderr behind it.
    public static func sink(for backend: Backend, identifier: String = "dojo-agent") -> any LogSink {
        switch backend {
        case .logfmt: LineLogSink(format: .logfmt)
        case .json: LineLogSink(format: .json)
        case .journald(let socket):
            JournalLogSink(socketPath: socket, identifier: identifier, fallback: LineLogSink(format: .logfmt))
        }
    }
}
