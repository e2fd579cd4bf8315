/// The RFC 3339 grammar the agent accepts, as a single forward pass over UTF-8 bytes.
enum TimestampParser {
    struct Failure: Error, Hashable {
        var reason: String
    }

    static func parse(_ bytes: [UInt8]) -> Result<Int64, Failure> {
        bytes.withUnsafeBufferPointer { parse(buffer: $0) }
    }

    /// Parses a string's UTF-8 in place (a native string's storage: no copy into an array).
    static func parse(_ text: String) -> Result<Int64, Failure> {
        var text = text
        return text.withUTF8 { parse(buffer: $0) }
    }

    private static func parse(buffer bytes: UnsafeBufferPointer<UInt8>) -> Result<Int64, Failure> {
        var cursor = Cursor(bytes: bytes)
        do {
            return .success(try cursor.parseDateTime())
        } catch {
            return .failure(error)
        }
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        mutating func digits(_ count: Int, _ what: String) throws(Failure) -> Int {
            var value = 0
            for _ in 0..<count {
                guard index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9")
                else {
                    throw Failure(reason: "expected \(what) at offset \(index)")
                }
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            return value
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
            guard index < bytes.count, bytes[index] == byte else {
                throw Failure(reason: "expected \(what) at offset \(index)")
            }
            index += 1
        }

        mutating func parseDateTime() throws(Failure) -> Int64 {
            let year = try digits(4, "a 4-digit year")
            try expect(UInt8(ascii: "-"), "'-' after the year")
            let month = try digits(2, "a 2-digit month")
            guard (1...12).contains(month) else { throw Failure(reason: "month \(month) is out of range") }
            try expect(UInt8(ascii: "-"), "'-' after the month")
            let day = try digits(2, "a 2-digit day")
            let monthLength = Calendar.daysInMonth(year: year, month: month)
            guard (1...monthLength).contains(day) else {
                throw Failure(reason: "day \(day) is out of range for \(pad(year, 4))-\(pad(month, 2))")
            }
            guard index < bytes.count,
                bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: "t")
                    || bytes[index] == UInt8(ascii: " ")
            else {
                throw Failure(reason: "expected 'T' between date and time at offset \(index)")
            }
            index += 1
            let hour = try digits(2, "a 2-digit hour")
            guard hour <= 23 else { throw Failure(reason: "hour \(hour) is out of range") }
            try expect(UInt8(ascii: ":"), "':' after the hour")
            let minute = try digits(2, "2-digit minutes")
            guard minute <= 59 else { throw Failure(reason: "minute \(minute) is out of range") }
            try expect(UInt8(ascii: ":"), "':' after the minutes")
            let second = try digits(2, "2-digit seconds")
            // 60 is a leap second (RFC 3339 §5.6); it counts as the first instant of the next minute.
            guard second <= 60 else { throw Failure(reason: "second \(second) is out of range") }
            var millisecond = 0
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
                index += 1
                var count = 0
                while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                    if count < 3 { millisecond = millisecond * 10 + Int(bytes[index] - UInt8(ascii: "0")) }
                    count += 1
                    index += 1
                }
                guard count > 0 else { throw Failure(reason: "expected digits after the decimal point") }
                // Fewer than three digits are tenths or hundredths; more are truncated, never rounded.
                for _ in count..<max(count, 3) { millisecond *= 10 }
            }
            let offsetSeconds = try parseZone()
            guard index == bytes.count else {
                throw Failure(reason: "unexpected characters after the time zone at offset \(index)")
            }
            let days = Int64(Calendar.daysFromCivil(year: year, month: month, day: day))
            let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
            let milliseconds = seconds * 1000 + Int64(millisecond)
            // A zone offset (or a leap second) can move a four-digit local date to year -1 or 10000 in UTC, which
            // the canonical form cannot write in four digits: refuse it rather than answer with an unreadable time.
            guard Self.representable.contains(milliseconds) else {
                throw Failure(reason: "the instant in UTC is outside the years 0000-9999")
            }
            return milliseconds
        }

        /// 0000-01-01T00:00:00.000Z through 9999-12-31T23:59:59.999Z, the instants `yyyy-MM-ddTHH:mm:ss.SSSZ` writes.
        static let representable: ClosedRange<Int64> = {
            let day: Int64 = 86_400_000
            let first = Int64(Calendar.daysFromCivil(year: 0, month: 1, day: 1)) * day
            let afterLast = Int64(Calendar.daysFromCivil(year: 10_000, month: 1, day: 1)) * day
            return first...(afterLast - 1)
        }()

        /// The zone's offset east of UTC, in seconds.
        mutating func parseZone() throws(Failure) -> Int {
            guard index < bytes.count else {
                throw Failure(reason: "missing time zone (expected Z or ±hh:mm)")
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "Z") || byte == UInt8(ascii: "z") {
                index += 1
                return 0
            }
            guard byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") else {
                throw Failure(reason: "expected Z or ±hh:mm at offset \(index)")
            }
            index += 1
            let hours = try digits(2, "a 2-digit offset hour")
            guard hours <= 23 else { throw Failure(reason: "offset hour \(hours) is out of range") }
            var minutes = 0
            if index < bytes.count {
                if bytes[index] == UInt8(ascii: ":") { index += 1 }
                minutes = try digits(2, "2-digit offset minutes")
                guard minutes <= 59 else { throw Failure(reason: "offset minute \(minutes) is out of range") }
            }
            let magnitude = hours * 3600 + minutes * 60
            return byte == UInt8(ascii: "-") ? -magnitude : magnitude
        }
    }
}

/// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01).
///
/// Algorithms from Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms"
/// (http://howardhinnant.github.io/date_algorithms.html): exact for every year, with no tables and no loops.
enum Calendar {
    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}

/// Formats milliseconds as `yyyy-MM-ddTHH:mm:ss.SSSZ` into a fixed 24-byte buffer.
enum TimestampFormatter {
    static func format(_ milliseconds: Int64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        append(milliseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the text ``format(_:)`` gives, without making a string (a response writes it straight out).
    static func append(_ milliseconds: Int64, to bytes: inout [UInt8]) {
        let (days, millisecondOfDay) = floorDivide(milliseconds, 86_400_000)
        let date = Calendar.civilFromDays(Int(days))
        // Years outside 0...9999 cannot be written as four digits; they only arise from arithmetic in code.
        guard (0...9999).contains(date.year) else {
            var clock = [UInt8](repeating: 0, count: 12)
            putTime(Int(millisecondOfDay), into: &clock, at: 0)
            let text =
                "\(date.year)-\(pad(date.month, 2))-\(pad(date.day, 2))T\(String(decoding: clock, as: UTF8.self))Z"
            bytes.append(contentsOf: text.utf8)
            return
        }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: 24))
        put(date.year, width: 4, into: &bytes, at: start)
        bytes[start + 4] = UInt8(ascii: "-")
        put(date.month, width: 2, into: &bytes, at: start + 5)
        bytes[start + 7] = UInt8(ascii: "-")
        put(date.day, width: 2, into: &bytes, at: start + 8)
        bytes[start + 10] = UInt8(ascii: "T")
        putTime(Int(millisecondOfDay), into: &bytes, at: start + 11)
        bytes[start + 23] = UInt8(ascii: "Z")
    }

    /// `HH:mm:ss.SSS` (12 bytes) at `start`.
    private static func putTime(_ millisecondOfDay: Int, into bytes: inout [UInt8], at start: Int) {
        put(millisecondOfDay / 3_600_000, width: 2, into: &bytes, at: start)
        bytes[start + 2] = UInt8(ascii: ":")
        put(millisecondOfDay / 60_000 % 60, width: 2, into: &bytes, at: start + 3)
        bytes[start + 5] = UInt8(ascii: ":")
        put(millisecondOfDay / 1000 % 60, width: 2, into: &bytes, at: start + 6)
        bytes[start + 8] = UInt8(ascii: ".")
        put(millisecondOfDay % 1000, width: 3, into: &bytes, at: start + 9)
    }

    private static func put(_ value: Int, width: Int, into bytes: inout [UInt8], at start: Int) {
        var remaining = value
        for position in stride(from: start + width - 1, through: start, by: -1) {
            bytes[position] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value / divisor
        let remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
