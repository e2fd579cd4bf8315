import AgentSupport
import DojoProtocol
public import Foundation
public import Logging
import Transport

/// One log event, merged and ready to format: what every backend (logfmt, JSON lines, journald) writes.
///
/// `component` is the agent area that logged (the `component` metadata the agent sets on its child loggers, else
/// the logger's label); it is not repeated among the fields. Fields are sorted by key, so a line's layout is stable.
public struct LogRecord: Sendable {
    public var timestamp: Date
    public var level: Logger.Level
    public var component: String
    public var message: String
    public var fields: [(key: String, value: Logger.MetadataValue)]
    public var file: String
    public var function: String
    public var line: UInt

    public init(
        timestamp: Date,
        level: Logger.Level,
        component: String,
        message: String,
        fields: [(key: String, value: Logger.MetadataValue)] = [],
        file: String = "",
        function: String = "",
        line: UInt = 0
    ) {
        self.timestamp = timestamp
        self.level = level
        self.component = component
        self.message = message
        self.fields = fields
        self.file = file
        self.function = function
        self.line = line
    }

    /// The record of `event`: the handler's metadata, then the provider's, then the event's own (later wins).
    init(event: LogEvent, label: String, metadata: Logger.Metadata, provider: Logger.MetadataProvider?, now: Date) {
        var merged = metadata
        if let provided = provider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        if let error = event.error, merged["error"] == nil { merged["error"] = .quoted(describing: error) }
        let component = merged.removeValue(forKey: "component").map { "\($0)" } ?? label
        self.init(
            timestamp: now,
            level: event.level,
            component: component,
            message: "\(event.message)",
            fields: merged.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) },
            file: event.file,
            function: event.function,
            line: event.line
        )
    }
}

/// The limits every format applies, so that no line grows without bound whatever a value holds.
public enum LogLimits {
    /// Unicode scalars kept of the message (an adapter's stderr line arrives already clipped at 1000).
    public static let message = 4096
    /// Unicode scalars kept of one field value (outside text arrives already clipped at `LogText.limit`).
    public static let value = 2048
    /// Bytes of one logfmt or JSON line (journald entry), newline excluded. Fields that would pass it are left
    /// off and counted in `log.dropped_fields`.
    public static let line = 32 * 1024

    /// `text` clipped to `limit` scalars, with `…(N bytes)` after a clipped one (as `LogText` marks it).
    static func clip(_ text: String, _ limit: Int) -> String {
        var count = 0
        var index = text.unicodeScalars.startIndex
        while index != text.unicodeScalars.endIndex {
            if count == limit { return String(text.unicodeScalars[..<index]) + "…(\(text.utf8.count) bytes)" }
            count += 1
            index = text.unicodeScalars.index(after: index)
        }
        return text
    }
}

/// The swift-log level names, written as such in every format (`level=notice`).
extension Logger.Level {
    /// The syslog priority journald files the level under (`PRIORITY=`): trace and debug are 7 (debug), info 6,
    /// notice 5, warning 4, error 3, critical 2 (crit).
    public var syslogPriority: Int {
        switch self {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}

// MARK: - Timestamps

/// RFC 3339 UTC with milliseconds (`2026-12-02T00:31:26.123Z`): the wire's own timestamp formatter.
enum LogTimestamp {
    static func format(_ date: Date) -> String {
        Timestamp(millisecondsSince1970: Int64((date.timeIntervalSince1970 * 1000).rounded(.down))).iso8601String
    }
}
