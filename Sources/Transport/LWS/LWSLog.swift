import AgentSupport
import CLibWebSockets
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Bridges libwebsockets' process-wide log to swift-log, and lets a service thread capture the lines logged on it.
///
/// Why capture: libwebsockets 4.1 reports TLS failures with a useless `CONNECTION_ERROR` string
/// ("connect SSL err 1: error:00000001…"); the real reason ("hostname mismatch", "unable to get local issuer
/// certificate") only appears in its ERR/WARN log lines, which are emitted on the service thread that owns the
/// connection. Each service thread registers a capture buffer; the emit callback appends to the buffer of the
/// thread it runs on.
enum LWSLog {
    /// ERR | WARN. NOTICE would print two lines per context; INFO/DEBUG are for debugging lws itself
    /// (set `DOJO_LWS_DEBUG=1` to get them at swift-log debug level).
    private static let defaultMask: Int32 = LLL_ERR | LLL_WARN

    private static let captures = PThreadLock<[UInt: [String]]>([:])

    /// Installs the emit callback once per process. Must run before the first context is created.
    static let install: Void = {
        let debug = getenv("DOJO_LWS_DEBUG").map { String(cString: $0) == "1" } ?? false
        let mask = debug ? LLL_ERR | LLL_WARN | LLL_NOTICE | LLL_INFO : defaultMask
        lws_set_log_level(mask, lwsEmit)
    }()

    /// Through the process's logging backend like every other line (the agent's journald or logfmt), under
    /// `component=dojo.transport.lws`.
    static let logger: Logger = {
        var logger = Logger(label: "dojo.transport.lws")
        logger[metadataKey: "component"] = "dojo.transport.lws"
        return logger
    }()

    /// Starts capturing lines logged on the calling thread.
    static func beginCapture() {
        let key = UInt(pthread_self())
        captures.withLock { $0[key] = [] }
    }

    /// Stops capturing on the calling thread and returns what was captured.
    @discardableResult
    static func endCapture() -> [String] {
        let key = UInt(pthread_self())
        return captures.withLock { $0.removeValue(forKey: key) ?? [] }
    }

    /// The lines captured so far on the calling thread.
    static func captured() -> [String] {
        let key = UInt(pthread_self())
        return captures.withLock { $0[key] ?? [] }
    }

    fileprivate static func emit(level: Int32, line: String) {
        let key = UInt(pthread_self())
        captures.withLock { buffers in
            guard var lines = buffers[key] else { return }
            if lines.count < 64 { lines.append(line) }
            buffers[key] = lines
        }
        logger.log(level: swiftLogLevel(level), "\(LogText.escaped(line))", metadata: ["lws.level": "\(name(level))"])
    }

    /// Where an lws line goes in the agent's log: ERR at error, WARN at warning, NOTICE at notice, the rest
    /// (INFO, DEBUG and lws' own finer levels, only with `DOJO_LWS_DEBUG=1`) at debug.
    static func swiftLogLevel(_ level: Int32) -> Logger.Level {
        if level & LLL_ERR != 0 { return .error }
        if level & LLL_WARN != 0 { return .warning }
        if level & LLL_NOTICE != 0 { return .notice }
        return .debug
    }

    /// lws' own name of a level (`lws.level=WARN`).
    static func name(_ level: Int32) -> String {
        if level & LLL_ERR != 0 { return "ERR" }
        if level & LLL_WARN != 0 { return "WARN" }
        if level & LLL_NOTICE != 0 { return "NOTICE" }
        if level & LLL_INFO != 0 { return "INFO" }
        return "DEBUG"
    }
}

private func lwsEmit(_ level: Int32, _ line: UnsafePointer<CChar>?) {
    guard let line else { return }
    var text = String(cString: line)
    // lws lines look like "[2026/11/22 10:00:00:0000] E: message\n": keep the message.
    if let marker = text.range(of: "] ") { text = String(text[marker.upperBound...]) }
    // …and its level letter ("E: "), which the log line's level says.
    if text.count > 3, text.dropFirst().hasPrefix(": ") { text = String(text.dropFirst(3)) }
    while text.last == "\n" || text.last == "\r" { text.removeLast() }
    LWSLog.emit(level: level, line: text)
}
