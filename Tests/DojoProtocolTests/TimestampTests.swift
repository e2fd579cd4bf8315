import DojoProtocol
import Testing

@Suite struct TimestampTests {
    static let base: Int64 = 1_723_455_000_000  // 2024-08-12T09:30:00.000Z

    @Test(arguments: [
        ("2024-08-12T09:30:00.000Z", base),
        ("2024-08-12T09:30:00Z", base),
        ("2024-08-12T09:30:00.5Z", base + 500),
        ("2024-08-12T09:30:00.12Z", base + 120),
        ("2024-08-12T09:30:00.123456789Z", base + 123),
        ("2024-08-12T09:30:00.9999Z", base + 999),
        ("2024-08-12T10:30:00+01:00", base),
        ("2024-08-12T04:00:00-05:30", base),
        ("2024-08-12T10:30:00.000+0100", base),
        ("2024-08-12T10:30:00+01", base),
        ("2024-08-12t09:30:00z", base),
        ("2024-08-12 09:30:00Z", base),
        ("2024-08-12T09:29:60Z", base),
        ("2024-08-13T00:30:00+15:00", base),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000),
        ("2000-02-29T12:00:00Z", 951_825_600_000),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59.999Z", -1),
        ("1969-07-20T20:17:40Z", -14_182_940_000),
        ("0001-01-01T00:00:00Z", -62_135_596_800_000),
        ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
    ])
    func parsesRFC3339(_ text: String, _ milliseconds: Int64) throws {
        #expect(try Timestamp(iso8601: text).millisecondsSince1970 == milliseconds)
    }

    @Test(arguments: [
        ("tomorrow", "expected a 4-digit year at offset 0"),
        ("", "expected a 4-digit year at offset 0"),
        ("2024-08-12", "expected 'T' between date and time at offset 10"),
        ("2024-08-12T09:30:00", "missing time zone (expected Z or ±hh:mm)"),
        ("2024-08-12T09:30Z", "expected ':' after the minutes at offset 16"),
        ("2024-13-01T00:00:00Z", "month 13 is out of range"),
        ("2024-00-01T00:00:00Z", "month 0 is out of range"),
        ("2023-02-29T00:00:00Z", "day 29 is out of range for 2023-02"),
        ("1900-02-29T00:00:00Z", "day 29 is out of range for 1900-02"),
        ("2024-04-31T00:00:00Z", "day 31 is out of range for 2024-04"),
        ("2024-08-12T24:00:00Z", "hour 24 is out of range"),
        ("2024-08-12T09:60:00Z", "minute 60 is out of range"),
        ("2024-08-12T09:30:61Z", "second 61 is out of range"),
        ("2024-08-12T09:30:00.Z", "expected digits after the decimal point"),
        ("2024-08-12T09:30:00Zjunk", "unexpected characters after the time zone at offset 20"),
        ("2024-08-12T09:30:00+25:00", "offset hour 25 is out of range"),
        ("2024-08-12T09:30:00+01:60", "offset minute 60 is out of range"),
        ("2024-08-12T09:30:00 UTC", "expected Z or ±hh:mm at offset 19"),
        ("24-08-12T09:30:00Z", "expected a 4-digit year at offset 2"),
        ("+2024-08-12T09:30:00Z", "expected a 4-digit year at offset 0"),
    ])
    func rejectsGarbageWithAPreciseReason(_ text: String, _ reason: String) {
        let error = #expect(throws: DojoProtocolError.self) { try Timestamp(iso8601: text) }
        #expect(error?.code == .invalidValue)
        #expect(error?.message == "expected an ISO 8601 date-time, got \"\(text)\" (\(reason))")
    }

    /// Fuzzing reproducer (Docs/reliability.md, "Fuzzing", finding 1): a zone offset or a leap second pushed a
    /// four-digit local date past 9999 (or before 0000) in UTC; the parser accepted it and the formatter then wrote
    /// `10000-01-01T…`, which nothing (this parser included) reads back.
    @Test(arguments: [
        "9999-12-31T23:59:59.9999999-23:59",
        "9999-12-31T23:59:60Z",
        "9999-12-31T23:00:00-01:00",
        "0000-01-01T00:00:00+00:01",
    ])
    func refusesAnInstantTheCanonicalFormCannotWrite(_ text: String) {
        let error = #expect(throws: DojoProtocolError.self) { try Timestamp(iso8601: text) }
        #expect(error?.message.hasSuffix("(the instant in UTC is outside the years 0000-9999)") == true)
    }

    @Test(arguments: ["9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999+23:59", "0000-01-01T00:00:00-23:59"])
    func keepsTheEdgesOfTheWritableRange(_ text: String) throws {
        let timestamp = try Timestamp(iso8601: text)
        #expect(try Timestamp(iso8601: timestamp.iso8601String) == timestamp)
    }

    @Test func longGarbageIsQuotedAsAShortEscapedExcerpt() {
        let text = "\"" + String(repeating: "x", count: 100)
        let error = #expect(throws: DojoProtocolError.self) { try Timestamp(iso8601: text) }
        #expect(
            error?.message
                == #"expected an ISO 8601 date-time, got "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…" (expected a 4-digit year at offset 0)"#
        )
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (base + 7, "2024-08-12T09:30:00.007Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (1_709_164_800_000, "2024-02-29T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
    ])
    func formatsAsUTCWithMilliseconds(_ milliseconds: Int64, _ text: String) {
        #expect(Timestamp(millisecondsSince1970: milliseconds).iso8601String == text)
        #expect(Timestamp(millisecondsSince1970: milliseconds).description == text)
    }

    @Test func offsetInputIsNormalisedToUTC() throws {
        #expect(try Timestamp(iso8601: "2024-08-12T23:30:00.25-02:00").iso8601String == "2024-08-13T01:30:00.250Z")
    }

    @Test func everyDayOfFourCenturiesRoundTrips() throws {
        // 1900...2299 covers all leap-year rules (divisible by 4, by 100, by 400).
        var milliseconds = try Timestamp(iso8601: "1900-01-01T00:00:00Z").millisecondsSince1970
        let end = try Timestamp(iso8601: "2300-01-01T00:00:00Z").millisecondsSince1970
        var days = 0
        while milliseconds < end {
            let timestamp = Timestamp(millisecondsSince1970: milliseconds + 45_296_789)  // 12:34:56.789
            #expect(try Timestamp(iso8601: timestamp.iso8601String) == timestamp)
            milliseconds += 86_400_000
            days += 1
        }
        #expect(days == 146_097)  // days in 400 Gregorian years
    }

    @Test func ordersChronologically() throws {
        let early = try Timestamp(iso8601: "2024-08-12T10:00:00+01:00")
        let late = try Timestamp(iso8601: "2024-08-12T09:30:00.001Z")
        #expect(early < late)
    }

    @Test func codableUsesTheCanonicalString() throws {
        let timestamp = try Timestamp(iso8601: "2024-08-12T09:30:00Z")
        #expect(timestamp.jsonValue == "2024-08-12T09:30:00.000Z")
        #expect(try Timestamp(json: "2024-08-12T09:30:00.000Z") == timestamp)
    }
}
