/// One `sd_notify(3)` datagram, built without libsystemd: newline-separated `KEY=value` assignments.
///
/// Pure: building a message touches nothing, so its text is tested on its own. Values are single-line (any
/// control character, a newline included, becomes a space) because a newline would start a new assignment.
public struct SystemdMessage: Sendable, Equatable, CustomStringConvertible {
    /// One assignment.
    public enum Field: Sendable, Equatable {
        /// `READY=1`: startup finished (for `Type=notify`, the unit becomes active).
        case ready
        /// `STATUS=…`: a free-form line `systemctl status` shows.
        case status(String)
        /// `STOPPING=1`: shutdown began.
        case stopping
        /// `RELOADING=1`: a configuration reload began (always with `MONOTONIC_USEC=`).
        case reloading
        /// `MONOTONIC_USEC=…`: `CLOCK_MONOTONIC` now, in microseconds (systemd ≥ 253 requires it with `RELOADING=1`).
        case monotonicMicroseconds(UInt64)
        /// `EXTEND_TIMEOUT_USEC=…`: the start, stop or runtime timeout is extended to this many microseconds from now.
        case extendTimeoutMicroseconds(UInt64)
        /// `WATCHDOG=1`: the keep-alive ping.
        case watchdog

        var text: String {
            switch self {
            case .ready: "READY=1"
            case .status(let line): "STATUS=" + SystemdMessage.singleLine(line)
            case .stopping: "STOPPING=1"
            case .reloading: "RELOADING=1"
            case .monotonicMicroseconds(let value): "MONOTONIC_USEC=\(value)"
            case .extendTimeoutMicroseconds(let value): "EXTEND_TIMEOUT_USEC=\(value)"
            case .watchdog: "WATCHDOG=1"
            }
        }
    }

    /// The assignments, in order.
    public var fields: [Field]

    public init(_ fields: [Field]) {
        self.fields = fields
    }

    /// `READY=1`, with a status line if one is given.
    public static func ready(status: String? = nil) -> Self {
        Self([.ready] + (status.map { [.status($0)] } ?? []))
    }

    /// `STATUS=line`.
    public static func status(_ line: String) -> Self { Self([.status(line)]) }

    /// `STOPPING=1`, with a status line if one is given.
    public static func stopping(status: String? = nil) -> Self {
        Self([.stopping] + (status.map { [.status($0)] } ?? []))
    }

    /// `RELOADING=1` and `MONOTONIC_USEC=` (the monotonic clock at the start of the reload, in microseconds).
    public static func reloading(monotonicMicroseconds: UInt64, status: String? = nil) -> Self {
        Self([.reloading, .monotonicMicroseconds(monotonicMicroseconds)] + (status.map { [.status($0)] } ?? []))
    }

    /// `EXTEND_TIMEOUT_USEC=`: asks for `microseconds` more from now (a long shutdown drain still making progress).
    public static func extendTimeout(microseconds: UInt64) -> Self {
        Self([.extendTimeoutMicroseconds(microseconds)])
    }

    /// `WATCHDOG=1`.
    public static let watchdog = Self([.watchdog])

    /// The datagram's text: one assignment per line, newline-terminated.
    public var description: String {
        self.fields.map { $0.text + "\n" }.joined()
    }

    /// The datagram's bytes.
    public var bytes: [UInt8] { Array(self.description.utf8) }

    /// `text` on one line: control characters (newline, CR, tab, NUL…) become spaces; at most 1,024 bytes, cut on
    /// a character boundary with a trailing "…".
    static func singleLine(_ text: String) -> String {
        var line = String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }
            )
        )
        let limit = 1024
        if line.utf8.count > limit {
            var cut = ""
            for character in line {
                if cut.utf8.count + character.utf8.count > limit - 3 { break }
                cut.append(character)
            }
            line = cut + "…"
        }
        return line
    }
}
