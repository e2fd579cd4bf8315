/// An instant on the wire, held as milliseconds since 1970-01-01T00:00:00Z.
///
/// Dojo's date-times are "ISO8601, millisecond precision". Holding an integer keeps comparison, hashing and
/// storage trivial and exact; text is produced only at the edge, always as `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC.
/// Parsing and formatting are hand-written (no `DateFormatter`, no Foundation): they are on every request's path.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch (negative before 1970).
    public var millisecondsSince1970: Int64

    /// Wraps a count of milliseconds since the Unix epoch.
    public init(millisecondsSince1970: Int64) {
        self.millisecondsSince1970 = millisecondsSince1970
    }

    /// Parses an RFC 3339 / ISO 8601 date-time such as `2024-08-12T09:30:00.000Z` or
    /// `2024-08-12T10:30:00.123456+01:00`.
    ///
    /// Accepted: a four-digit year, `T` (or `t`, or a space) between date and time, seconds `00`–`60`, any number
    /// of fraction digits (truncated to milliseconds), and a zone of `Z`, `z`, `±hh:mm`, `±hhmm` or `±hh`.
    /// A date-time without a zone is refused: its instant would be a guess. So is one whose instant in UTC falls
    /// outside the years 0000–9999 (a zone offset can move it there), which the canonical form cannot write.
    ///
    /// - Throws: ``DojoProtocolError`` (code ``DojoProtocolError/Code/invalidValue``) whose message quotes a
    ///   short excerpt of the text and the precise reason.
    public init(iso8601 text: String) throws(DojoProtocolError) {
        switch TimestampParser.parse(text) {
        case .success(let milliseconds):
            self.init(millisecondsSince1970: milliseconds)
        case .failure(let failure):
            throw DojoProtocolError(code: .invalidValue, message: Self.message(for: text, failure))
        }
    }

    static func message(for text: String, _ failure: TimestampParser.Failure) -> String {
        "expected an ISO 8601 date-time, got \(JSONField.excerpt(text)) (\(failure.reason))"
    }

    /// The canonical wire form, `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC.
    public var iso8601String: String { TimestampFormatter.format(millisecondsSince1970) }

    /// Same as ``iso8601String``.
    public var description: String { iso8601String }

    /// Orders instants chronologically.
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSince1970 < rhs.millisecondsSince1970
    }
}

extension Timestamp: HandCodedJSON {
    /// A date-time string (RFC 3339, as ``TimestampParser`` accepts it).
    public static var wireSchema: JSONValue { ["type": "string", "format": "date-time"] }

    /// The epoch.
    public static var wireSample: Timestamp { Timestamp(millisecondsSince1970: 0) }

    /// Decodes a date-time string at `path`.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let text = try JSONField.string(json, at: path)
        switch TimestampParser.parse(text) {
        case .success(let milliseconds):
            self.init(millisecondsSince1970: milliseconds)
        case .failure(let failure):
            throw DojoProtocolError(code: .invalidParams, fieldPath: path, reason: Self.message(for: text, failure))
        }
    }

    /// The canonical string.
    public var jsonValue: JSONValue { .string(iso8601String) }
}
