import Logging

/// `ts=… level=… component=… msg=… key=value…`: one logfmt line per event, as go-logfmt writes and reads it.
///
/// Safe whatever a value holds: a value is quoted when it contains a space, `=`, `"`, a control character or
/// anything a terminal could take for one (C0, DEL, C1, U+2028/U+2029, U+FFFD); inside quotes `\` `"` `\n` `\r`
/// `\t` take short escapes and every other such character `\uXXXX`. So no value ends the line or starts
/// another, values are clipped (``LogLimits``), and a line never passes ``LogLimits/line`` bytes.
public enum LogfmtFormat {
    public static func line(_ record: LogRecord) -> String {
        var line = "ts=" + LogTimestamp.format(record.timestamp) + " level=\(record.level)"
        line += " component=" + value(LogLimits.clip(record.component, 200))
        line += " msg=" + value(LogLimits.clip(record.message, LogLimits.message))
        let dropped = LogFields.append(
            record.fields.map {
                " " + Self.key($0.key) + "=" + value(LogLimits.clip(LogFields.text($0.value), LogLimits.value))
            },
            to: &line
        )
        if dropped > 0 { line += " log.dropped_fields=\(dropped)" }
        return line
    }

    /// A key as logfmt allows it: printable ASCII other than `=` and `"`; anything else becomes `_`. The four
    /// fixed keys are never repeated: a field named like one is written as `meta.<key>`.
    static func key(_ key: String) -> String {
        let name = LogFields.fixedKeys.contains(key) ? "meta." + key : key
        var safe = String(
            name.unicodeScalars.prefix(100).map { scalar -> Character in
                scalar.value > 0x20 && scalar.value < 0x7F && scalar != "=" && scalar != "\"" ? Character(scalar) : "_"
            }
        )
        if safe.isEmpty { safe = "_" }
        return safe
    }

    /// A value, quoted and escaped only when it has to be (go-logfmt's rule, widened to every control character).
    static func value(_ text: String) -> String {
        let needsQuotes =
            text.isEmpty || text == "null"
            || text.unicodeScalars.contains { $0.value <= 0x20 || $0 == "=" || $0 == "\"" || LogFields.isControl($0) }
        return needsQuotes ? LogFields.quotedString(text) : text
    }
}

/// One JSON object per line: `{"ts":…,"level":…,"component":…,"msg":…,<metadata keys>…}`.
///
/// Every value is a string (or, for nested metadata, an array or object of strings), so a key's type never
/// changes between lines. Control characters, DEL, C1, U+2028 and U+2029 are `\uXXXX`-escaped; clipped like
/// logfmt.
public enum JSONLineFormat {
    public static func line(_ record: LogRecord) -> String {
        var line = "{\"ts\":\"" + LogTimestamp.format(record.timestamp) + "\",\"level\":\"\(record.level)\""
        line += ",\"component\":" + string(LogLimits.clip(record.component, 200))
        line += ",\"msg\":" + string(LogLimits.clip(record.message, LogLimits.message))
        let dropped = LogFields.append(
            record.fields.map { key, metadata in
                let name = LogFields.fixedKeys.contains(key) ? "meta." + key : key
                return "," + string(LogLimits.clip(name, 100)) + ":" + value(metadata)
            },
            to: &line
        )
        if dropped > 0 { line += ",\"log.dropped_fields\":\"\(dropped)\"" }
        return line + "}"
    }

    static func value(_ metadata: Logger.MetadataValue) -> String {
        switch metadata {
        case .string(let text): string(LogLimits.clip(text, LogLimits.value))
        case .stringConvertible(let convertible): string(LogLimits.clip(convertible.description, LogLimits.value))
        case .array(let values): "[" + values.prefix(100).map(value).joined(separator: ",") + "]"
        case .dictionary(let values):
            "{"
                + values.sorted { $0.key < $1.key }.prefix(100).map { string($0.key) + ":" + value($0.value) }
                .joined(separator: ",") + "}"
        }
    }

    static func string(_ text: String) -> String { LogFields.quotedString(text) }
}

/// journald's native protocol (`systemd.journal-fields(7)`, "Native Journal Protocol"): one datagram per event,
/// each field `NAME=value\n`, or, for a value holding a newline, `NAME\n` + its length as a little-endian
/// 64-bit integer + the bytes + `\n`.
///
/// Fields: `MESSAGE`, `PRIORITY` (syslog level), `SYSLOG_IDENTIFIER`, `DOJO_LEVEL` (the swift-log level, which
/// tells trace from debug), `COMPONENT`, `CODE_FILE`/`CODE_LINE`/`CODE_FUNC`, then every metadata key as a field
/// of its own (``fieldName(_:)``: `rpc.method` → `RPC_METHOD`). Values go raw (journald is binary-safe) but
/// clipped as in the line formats, so an entry stays far below the socket's datagram limit and the memfd
/// fallback that sd-journal uses for huge entries is not needed.
public enum JournalFormat {
    /// Names the agent's own fields use; a metadata key that maps to one is written `META_<NAME>`.
    static let reserved: Set<String> = [
        "MESSAGE", "MESSAGE_ID", "PRIORITY", "SYSLOG_IDENTIFIER", "SYSLOG_FACILITY", "SYSLOG_PID",
        "SYSLOG_TIMESTAMP", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "ERRNO", "TID", "COMPONENT", "DOJO_LEVEL",
    ]

    public static func entry(_ record: LogRecord, identifier: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512)
        append("MESSAGE", LogLimits.clip(record.message, LogLimits.message), to: &bytes)
        append("PRIORITY", "\(record.level.syslogPriority)", to: &bytes)
        append("SYSLOG_IDENTIFIER", identifier, to: &bytes)
        append("DOJO_LEVEL", "\(record.level)", to: &bytes)
        append("COMPONENT", LogLimits.clip(record.component, 200), to: &bytes)
        if !record.file.isEmpty {
            append("CODE_FILE", record.file, to: &bytes)
            append("CODE_LINE", "\(record.line)", to: &bytes)
            append("CODE_FUNC", LogLimits.clip(record.function, 200), to: &bytes)
        }
        var dropped = 0
        for (key, metadata) in record.fields {
            var field: [UInt8] = []
            append(fieldName(key), LogLimits.clip(LogFields.text(metadata), LogLimits.value), to: &field)
            if bytes.count + field.count > LogLimits.line - 32 {
                dropped += 1
                continue
            }
            bytes += field
        }
        if dropped > 0 { append("LOG_DROPPED_FIELDS", "\(dropped)", to: &bytes) }
        return bytes
    }

    /// A metadata key as a journal field name: uppercase ASCII letters, digits and `_` (anything else, `.`
    /// included, becomes `_`), starting with a letter, at most 64 characters.
    public static func fieldName(_ key: String) -> String {
        var name = String(
            key.unicodeScalars.map { scalar -> Character in
                switch scalar {
                case "a"..."z": Character(String(scalar).uppercased())
                case "A"..."Z", "0"..."9": Character(scalar)
                default: "_"
                }
            }
        )
        if let first = name.unicodeScalars.first, !("A"..."Z").contains(first) { name = "F" + name }
        if name.isEmpty { name = "F" }
        if reserved.contains(name) { name = "META_" + name }
        return String(name.prefix(64))
    }

    static func append(_ name: String, _ value: String, to bytes: inout [UInt8]) {
        bytes += Array(name.utf8)
        if value.utf8.contains(0x0A) {
            bytes.append(0x0A)
            var length = UInt64(value.utf8.count).littleEndian
            withUnsafeBytes(of: &length) { bytes += $0 }
            bytes += Array(value.utf8)
        } else {
            bytes.append(UInt8(ascii: "="))
            bytes += Array(value.utf8)
        }
        bytes.append(0x0A)
    }
}

/// What the formats share: which keys are fixed, what counts as a control character, how a value reads as text.
enum LogFields {
    static let fixedKeys: Set<String> = ["ts", "level", "component", "msg"]

    /// C0, DEL, C1, the Unicode line and paragraph separators and U+FFFD: escaped wherever they appear.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028
            || scalar.value == 0x2029 || scalar.value == 0xFFFD
    }

    /// Appends each field that still fits within ``LogLimits/line`` (less room for the dropped count); returns
    /// how many did not.
    static func append(_ fields: [String], to line: inout String) -> Int {
        var dropped = 0
        for field in fields {
            if line.utf8.count + field.utf8.count > LogLimits.line - 32 {
                dropped += 1
            } else {
                line += field
            }
        }
        return dropped
    }

    /// `text` in double quotes, as both logfmt (go-logfmt) and JSON read it: `\\` `\"` `\n` `\r` `\t`, and
    /// `\uXXXX` for every other control character.
    static func quotedString(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": output += "\\\\"
            case "\"": output += "\\\""
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where isControl(scalar): output += unicodeEscape(scalar)
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }

    static func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// A value as text: strings as they are, nested metadata as compact JSON.
    static func text(_ metadata: Logger.MetadataValue) -> String {
        switch metadata {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array, .dictionary: JSONLineFormat.value(metadata)
        }
    }
}
