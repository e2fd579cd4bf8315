public import Logging

/// Makes text that came from outside the agent (Dojo's frames and ids, a peer's close reason, an adapter
/// process's answers and stderr, libwebsockets' lines) safe to put in a log line.
///
/// The rule, for every such value: it is written as a double-quoted, escaped string, clipped to ``limit``
/// Unicode scalars.
/// - `"` and `\` are escaped; `\n`, `\r`, `\t` are written as such; every other control character (C0, DEL,
///   C1) and the Unicode line and paragraph separators (U+2028, U+2029) are written as `\u{XXXX}`. So a
///   value can never end a log line, start a forged one, or hide text from a terminal.
/// - A longer value keeps its first ``limit`` scalars, then `…` after the closing quote and the full length:
///   `"abc…"…(1048576 bytes)`. No log line grows without bound.
///
/// One helper, used at every logger call that carries outside text (`.quoted(…)` in metadata: the escaped form,
/// which the log format then quotes as it must; ``quoted(_:limit:)`` is for text that is not a log field). A line an adapter
/// process writes to stderr goes out as the log message itself (like journald); it takes ``escaped(_:limit:)``:
/// the same escapes but no quotes, so `"` and `\` stay readable, clipped at ``messageLimit``.
public enum LogText {
    /// Unicode scalars kept of one outside value in metadata.
    public static let limit = 200
    /// Unicode scalars kept of an outside line logged as the message (an adapter's stderr line).
    public static let messageLimit = 1000

    /// The quoted, escaped and clipped form of `text`.
    public static func quoted(_ text: some StringProtocol, limit: Int = LogText.limit) -> String {
        render(text, limit: limit, quoted: true)
    }

    /// `text` with control characters escaped and clipped to `limit`, without quotes (`"` and `\` as they are).
    public static func escaped(_ text: some StringProtocol, limit: Int = LogText.messageLimit) -> String {
        render(text, limit: limit, quoted: false)
    }

    private static func render(_ text: some StringProtocol, limit: Int, quoted: Bool) -> String {
        var output = quoted ? "\"" : ""
        var kept = 0
        var clipped = false
        for scalar in text.unicodeScalars {
            if kept == limit {
                clipped = true
                break
            }
            kept += 1
            switch scalar {
            case "\"" where quoted: output += "\\\""
            case "\\" where quoted: output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{00}"..."\u{1F}", "\u{7F}"..."\u{9F}", "\u{2028}", "\u{2029}":
                output += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: output.unicodeScalars.append(scalar)
            }
        }
        if quoted { output += "\"" }
        if clipped { output += "…(\(text.utf8.count) bytes)" }
        return output
    }
}

extension Logger.MetadataValue {
    /// Outside text as a metadata value: escaped and clipped to ``LogText/limit`` like ``LogText/escaped(_:limit:)``,
    /// without quotes of its own: the log format quotes it (logfmt and JSON quote and escape every value that
    /// needs it; journald fields need none), so a structured backend gets the value itself, not `"…"`.
    public static func quoted(_ text: some StringProtocol) -> Logger.MetadataValue {
        .string(LogText.escaped(text, limit: LogText.limit))
    }

    /// The description of a value that may carry outside text (an error quoting a peer), made safe the same way.
    public static func quoted(describing value: Any) -> Logger.MetadataValue {
        .quoted(String(describing: value))
    }
}
