import Foundation

/// Calendar days written `YYYY-MM-DD` (proleptic Gregorian, years 0001–9999): conversion from
/// instants in a time zone, validation, ranges and arithmetic. Pure integer arithmetic, so it is
/// fast enough for tight loops (cron lookups, volume windows).
public enum Days {
    /// The local day of `date` in `timeZone`, as `YYYY-MM-DD`.
    public static func string(_ date: Date, in timeZone: TimeZone) -> String {
        let local = Int64(date.timeIntervalSince1970.rounded(.down)) + Int64(timeZone.secondsFromGMT(for: date))
        return text(ofDayNumber: floorDivide(local, 86_400))
    }

    /// Year, month and day of a valid `YYYY-MM-DD` day; nil when the text is not exactly that shape
    /// or names a day that does not exist (`2026-02-29`).
    public static func parse(_ day: String) -> DateComponents? {
        guard let number = dayNumber(of: day) else { return nil }
        let civil = civil(fromDayNumber: number)
        return DateComponents(year: civil.year, month: civil.month, day: civil.day)
    }

    /// Every day from `from` to `to`, both included; nil when either is invalid or `from` is after `to`.
    public static func range(from: String, to: String) -> [String]? {
        guard let first = dayNumber(of: from), let last = dayNumber(of: to), first <= last else { return nil }
        return (first...last).map(text(ofDayNumber:))
    }

    /// The day `days` days after `day` (before, when negative); nil when `day` is invalid or the
    /// result leaves years 0001–9999.
    public static func adding(_ days: Int, to day: String) -> String? {
        guard let number = dayNumber(of: day) else { return nil }
        let (result, overflow) = number.addingReportingOverflow(Int64(days))
        guard !overflow, (minimumDayNumber...maximumDayNumber).contains(result) else { return nil }
        return text(ofDayNumber: result)
    }

    /// The weekday of `day`: 1 = Sunday … 7 = Saturday (Foundation's numbering); nil when invalid.
    public static func weekday(of day: String) -> Int? {
        dayNumber(of: day).map { weekdayIndex(ofDayNumber: $0) + 1 }
    }

    // MARK: - Day numbers (days since 1970-01-01), shared with the cron evaluator

    /// Day number of 0001-01-01.
    static let minimumDayNumber: Int64 = dayNumber(year: 1, month: 1, day: 1)
    /// Day number of 9999-12-31.
    static let maximumDayNumber: Int64 = dayNumber(year: 9999, month: 12, day: 31)

    /// Days since 1970-01-01 of a valid `YYYY-MM-DD`, or nil.
    static func dayNumber(of day: String) -> Int64? {
        let bytes = Array(day.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let dayOfMonth = number(8..<10),
              year >= 1, (1...12).contains(month), (1...daysInMonth(year: year, month: month)).contains(dayOfMonth)
        else { return nil }
        return dayNumber(year: year, month: month, day: dayOfMonth)
    }

    /// Days since 1970-01-01 of a civil date (H. Hinnant's `days_from_civil`).
    static func dayNumber(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day number (H. Hinnant's `civil_from_days`).
    public static func civil(fromDayNumber number: Int64) -> (year: Int, month: Int, day: Int) {
        let z = number + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    /// 0 = Sunday … 6 = Saturday.
    static func weekdayIndex(ofDayNumber number: Int64) -> Int {
        Int(floorModulo(number + 4, 7))
    }

    /// Days in a month of the proleptic Gregorian calendar.
    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Gregorian leap-year rule.
    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// `YYYY-MM-DD` of a day number.
    static func text(ofDayNumber number: Int64) -> String {
        let civil = civil(fromDayNumber: number)
        return pad(civil.year, 4) + "-" + pad(civil.month, 2) + "-" + pad(civil.day, 2)
    }

    /// Division rounding towards negative infinity.
    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    /// Remainder with the sign of the divisor.
    static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 {
        a - floorDivide(a, b) * b
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
