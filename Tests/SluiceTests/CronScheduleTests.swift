import Foundation
import SluiceCore
import Testing

/// An instant from `YYYY-MM-DDTHH:MM:SSZ`.
private func utc(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    guard let date = formatter.date(from: text) else {
        Issue.record("bad test timestamp \(text)")
        return Date(timeIntervalSince1970: 0)
    }
    return date
}

private func zone(_ identifier: String) -> TimeZone {
    guard let zone = TimeZone(identifier: identifier) else {
        Issue.record("unknown time zone \(identifier)")
        return TimeZone(secondsFromGMT: 0) ?? .current
    }
    return zone
}

/// One lookup: expression, zone, the instant to look after, and the expected next fire (UTC).
struct CronCase: Sendable, CustomTestStringConvertible {
    let expression: String
    let zone: String
    let after: String
    let next: String
    let note: String

    init(_ expression: String, _ zone: String = "UTC", after: String, next: String, _ note: String = "") {
        self.expression = expression
        self.zone = zone
        self.after = after
        self.next = next
        self.note = note
    }

    var testDescription: String { "'\(expression)' in \(zone) after \(after) \(note)" }
}

@Suite("CronSchedule")
struct CronScheduleTests {
    static let plainCases: [CronCase] = [
        CronCase("* * * * *", after: "2026-01-01T00:00:00Z", next: "2026-01-01T00:01:00Z", "strictly after"),
        CronCase("* * * * *", after: "2026-01-01T00:00:30Z", next: "2026-01-01T00:01:00Z", "mid-minute"),
        CronCase("*/15 * * * *", after: "2026-01-01T10:07:00Z", next: "2026-01-01T10:15:00Z"),
        CronCase("0 * * * *", after: "2026-01-01T10:00:00Z", next: "2026-01-01T11:00:00Z"),
        CronCase("1-30/5 * * * *", after: "2026-01-01T10:26:00Z", next: "2026-01-01T11:01:00Z", "range with step"),
        CronCase("5/15 * * * *", after: "2026-01-01T10:50:00Z", next: "2026-01-01T11:05:00Z", "start with step"),
        CronCase("30 9 * * 1-5", after: "2026-01-02T10:00:00Z", next: "2026-01-05T09:30:00Z", "Friday to Monday"),
        CronCase("0 0 1 * *", after: "2026-01-31T12:00:00Z", next: "2026-02-01T00:00:00Z", "month end"),
        CronCase("0 0 * * *", after: "2026-12-31T23:59:59Z", next: "2027-01-01T00:00:00Z", "year end"),
        CronCase("59 23 31 12 *", after: "2026-06-01T00:00:00Z", next: "2026-12-31T23:59:00Z"),
        CronCase("0 0 31 * *", after: "2026-02-01T00:00:00Z", next: "2026-03-31T00:00:00Z", "skips February"),
        CronCase("0 0 31 * *", after: "2026-04-01T00:00:00Z", next: "2026-05-31T00:00:00Z", "skips April"),
        CronCase("0 0 29 2 *", after: "2026-03-01T00:00:00Z", next: "2028-02-29T00:00:00Z", "next leap year"),
        CronCase("0 0 29 2 *", after: "2096-03-01T00:00:00Z", next: "2104-02-29T00:00:00Z", "2100 is not leap"),
        CronCase("0 0 29 2 *", after: "2000-01-01T00:00:00Z", next: "2000-02-29T00:00:00Z", "2000 is leap"),
        CronCase("0 12 1,15 * *", after: "2026-01-01T12:00:00Z", next: "2026-01-15T12:00:00Z", "list"),
        CronCase("0 9 * jan,JUL Mon", after: "2026-02-01T00:00:00Z", next: "2026-07-06T09:00:00Z", "names, any case"),
        CronCase("0 0 13 * FRI", after: "2026-01-01T00:00:00Z", next: "2026-01-02T00:00:00Z", "either day: Friday"),
        CronCase("0 0 13 * FRI", after: "2026-01-10T00:00:00Z", next: "2026-01-13T00:00:00Z", "either day: the 13th"),
        CronCase("0 0 */10 * FRI", after: "2026-01-02T00:00:00Z", next: "2026-05-01T00:00:00Z", "'*/10' day: both must match"),
        CronCase("0 0 * * 7", after: "2026-01-01T00:00:00Z", next: "2026-01-04T00:00:00Z", "7 is Sunday"),
        CronCase("0 0 * * 0", after: "2026-01-01T00:00:00Z", next: "2026-01-04T00:00:00Z", "0 is Sunday"),
        CronCase("0 0 * * 5-7", after: "2026-01-03T01:00:00Z", next: "2026-01-04T00:00:00Z", "range to 7"),
        CronCase("0 0 * * sat-sun", after: "2026-01-01T00:00:00Z", next: "2026-01-03T00:00:00Z", "named range ending on Sunday"),
        CronCase("0 0 * * FRI-0", after: "2026-01-03T12:00:00Z", next: "2026-01-04T00:00:00Z", "range ending on 0"),
        CronCase("@hourly", after: "2026-01-01T10:30:00Z", next: "2026-01-01T11:00:00Z"),
        CronCase("@daily", after: "2026-01-01T10:30:00Z", next: "2026-01-02T00:00:00Z"),
        CronCase("@midnight", after: "2026-01-01T10:30:00Z", next: "2026-01-02T00:00:00Z"),
        CronCase("@weekly", after: "2026-01-01T10:30:00Z", next: "2026-01-04T00:00:00Z"),
        CronCase("@monthly", after: "2026-01-01T10:30:00Z", next: "2026-02-01T00:00:00Z"),
        CronCase("@yearly", after: "2026-05-05T00:00:00Z", next: "2027-01-01T00:00:00Z"),
        CronCase("@ANNUALLY", after: "2026-05-05T00:00:00Z", next: "2027-01-01T00:00:00Z"),
        CronCase("0 */2 * * *", after: "2026-01-01T23:00:00Z", next: "2026-01-02T00:00:00Z", "demo schedule"),
        CronCase("0 0 * * *", "America/New_York", after: "2026-01-01T00:00:00Z", next: "2026-01-01T05:00:00Z", "local midnight"),
        CronCase("0 9 * * *", "Europe/London", after: "2026-07-01T00:00:00Z", next: "2026-07-01T08:00:00Z", "summer time"),
        CronCase("0 9 * * *", "Asia/Kolkata", after: "2026-01-01T00:00:00Z", next: "2026-01-01T03:30:00Z", "half-hour offset"),
        CronCase("0 0 1 1 *", "Pacific/Auckland", after: "2026-06-01T00:00:00Z", next: "2026-12-31T11:00:00Z", "local new year"),
    ]

    static let daylightSavingCases: [CronCase] = [
        // London, clocks forward 2026-03-29 01:00 GMT → 02:00 BST.
        CronCase("30 1 * * *", "Europe/London", after: "2026-03-28T12:00:00Z", next: "2026-03-29T01:00:00Z", "skipped time fires after the gap"),
        CronCase("30 1 * * *", "Europe/London", after: "2026-03-29T01:00:00Z", next: "2026-03-30T00:30:00Z", "then the next day, in BST"),
        CronCase("0,30 1 * * *", "Europe/London", after: "2026-03-29T00:00:00Z", next: "2026-03-29T01:00:00Z", "two skipped times"),
        CronCase("0,30 1 * * *", "Europe/London", after: "2026-03-29T01:00:00Z", next: "2026-03-30T00:00:00Z", "fire once for the gap"),
        CronCase("0 2 * * *", "Europe/London", after: "2026-03-28T12:00:00Z", next: "2026-03-29T01:00:00Z", "02:00 BST exists"),
        CronCase("*/15 * * * *", "Europe/London", after: "2026-03-29T00:45:00Z", next: "2026-03-29T01:00:00Z"),
        CronCase("*/15 * * * *", "Europe/London", after: "2026-03-29T01:00:00Z", next: "2026-03-29T01:15:00Z", "02:15 BST"),
        // London, clocks back 2026-10-25 02:00 BST → 01:00 GMT.
        CronCase("30 1 * * *", "Europe/London", after: "2026-10-24T12:00:00Z", next: "2026-10-25T00:30:00Z", "repeated time fires at the first"),
        CronCase("30 1 * * *", "Europe/London", after: "2026-10-25T00:30:00Z", next: "2026-10-26T01:30:00Z", "not at the second"),
        CronCase("*/30 * * * *", "Europe/London", after: "2026-10-25T00:30:00Z", next: "2026-10-25T02:00:00Z", "repeated hour once"),
        CronCase("0 * * * *", "Europe/London", after: "2026-10-25T01:10:00Z", next: "2026-10-25T02:00:00Z", "from inside the repeat"),
        // New York, clocks forward 2026-03-08 02:00 EST → 03:00 EDT.
        CronCase("30 2 * * *", "America/New_York", after: "2026-03-07T12:00:00Z", next: "2026-03-08T07:00:00Z", "skipped time fires at 03:00 EDT"),
        CronCase("30 2 * * *", "America/New_York", after: "2026-03-08T07:00:00Z", next: "2026-03-09T06:30:00Z"),
        CronCase("0 3 * * *", "America/New_York", after: "2026-03-07T12:00:00Z", next: "2026-03-08T07:00:00Z"),
        // New York, clocks back 2026-11-01 02:00 EDT → 01:00 EST.
        CronCase("30 1 * * *", "America/New_York", after: "2026-10-31T12:00:00Z", next: "2026-11-01T05:30:00Z", "first 01:30, EDT"),
        CronCase("30 1 * * *", "America/New_York", after: "2026-11-01T05:30:00Z", next: "2026-11-02T06:30:00Z", "then the next day, EST"),
        CronCase("0 9 * * *", "America/New_York", after: "2026-11-01T00:00:00Z", next: "2026-11-01T14:00:00Z", "09:00 EST"),
    ]

    @Test("next fire", arguments: plainCases + daylightSavingCases)
    func nextFire(_ example: CronCase) throws {
        let schedule = try CronSchedule(parsing: example.expression)
        let next = schedule.nextFire(after: utc(example.after), in: zone(example.zone))
        #expect(next == utc(example.next))
    }

    /// Predicates written independently of the parser, checked minute by minute over 10 days in UTC.
    static let bruteForceCases: [(String, @Sendable (DateComponents) -> Bool)] = [
        ("*/15 9-17 * * MON-FRI", { c in c.minute! % 15 == 0 && (9...17).contains(c.hour!) && (2...6).contains(c.weekday!) }),
        ("0 0,12 1,5,10 * *", { c in c.minute == 0 && [0, 12].contains(c.hour!) && [1, 5, 10].contains(c.day!) }),
        ("7 */5 * * 0", { c in c.minute == 7 && c.hour! % 5 == 0 && c.weekday == 1 }),
        ("45 23 28-31 * *", { c in c.minute == 45 && c.hour == 23 && c.day! >= 28 }),
        ("0 6 2 * TUE", { c in c.minute == 0 && c.hour == 6 && (c.day == 2 || c.weekday == 3) }),
    ]

    @Test("agrees with a minute-by-minute scan", arguments: bruteForceCases)
    func bruteForce(_ expression: String, _ fires: @Sendable (DateComponents) -> Bool) throws {
        let schedule = try CronSchedule(parsing: expression)
        let utcZone = zone("UTC")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utcZone
        let start = utc("2026-02-25T00:00:00Z")
        var expected: [Date] = []
        for minute in 1...(10 * 1440) {
            let instant = start.addingTimeInterval(TimeInterval(minute * 60))
            if fires(calendar.dateComponents([.minute, .hour, .day, .weekday], from: instant)) {
                expected.append(instant)
            }
        }
        var actual: [Date] = []
        var cursor = start
        while let next = schedule.nextFire(after: cursor, in: utcZone), let last = expected.last, next <= last {
            actual.append(next)
            cursor = next
        }
        #expect(!expected.isEmpty)
        #expect(actual == expected)
    }

    @Test("leap-day schedules skip non-leap centuries")
    func leapDayChain() throws {
        let schedule = try CronSchedule(parsing: "0 0 29 2 *")
        var cursor = utc("2001-01-01T00:00:00Z")
        var years: [String] = []
        for _ in 0..<30 {
            guard let next = schedule.nextFire(after: cursor, in: zone("Europe/London")) else { break }
            years.append(String(Days.string(next, in: zone("Europe/London")).prefix(4)))
            cursor = next
        }
        #expect(years.count == 30)
        #expect(years.prefix(3) == ["2004", "2008", "2012"])
        #expect(years.contains("2096") && !years.contains("2100") && years.contains("2104"))
    }

    @Test("description is the expression")
    func description() throws {
        let schedule = try CronSchedule(parsing: "@daily")
        #expect(schedule.description == "@daily")
        #expect(schedule.expression == "@daily")
        let first = try CronSchedule(parsing: "0 */2 * * *")
        let second = try CronSchedule(parsing: "0 */2 * * *")
        #expect(first == second)
        #expect(first != schedule)
    }

    static let errorCases: [(String, String)] = [
        ("0 25 * * *", "cron field 2 (hour) '25' is out of range 0-23 in '0 25 * * *'"),
        ("60 * * * *", "cron field 1 (minute) '60' is out of range 0-59"),
        ("* * 0 * *", "cron field 3 (day-of-month) '0' is out of range 1-31"),
        ("* * * 13 *", "cron field 4 (month) '13' is out of range 1-12"),
        ("* * * * 8", "cron field 5 (day-of-week) '8' is out of range 0-7"),
        ("* * *", "cron expression '* * *' has 3 fields; expected 5 (minute hour day-of-month month day-of-week)"),
        ("", "has 0 fields"),
        ("0 0 * * * *", "has 6 fields"),
        ("*/0 * * * *", "cron field 1 (minute) '*/0' has step '0'; a step must be a whole number of at least 1"),
        ("*/x * * * *", "has step 'x'"),
        ("5-1 * * * *", "'5-1' is a range that runs backwards"),
        ("* * * * 6-1", "cron field 5 (day-of-week) '6-1' is a range that runs backwards"),
        ("* * * FOO *", "cron field 4 (month) 'FOO' is not a number or a name such as JAN"),
        ("* * * * funday", "'funday' is not a number or a name such as SUN"),
        ("x * * * *", "cron field 1 (minute) 'x' is not a number in"),
        ("1,,2 * * * *", "'1,,2' has an empty list item"),
        ("1-2-3 * * * *", "'1-2-3' is not a value, a range or a step"),
        ("*/5/2 * * * *", "has more than one '/'"),
        ("@reboot", "unknown cron macro '@reboot'"),
        ("0 0 30 2 *", "never fires: none of its months has day 30"),
        ("0 0 31 4,6,9,11 *", "never fires"),
    ]

    @Test("parse errors say what and where", arguments: errorCases)
    func parseErrors(_ expression: String, _ message: String) {
        #expect(throws: CronParseError.self) { try CronSchedule(parsing: expression) }
        do {
            _ = try CronSchedule(parsing: expression)
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    static let acceptedFormsCases: [String] = ["0 0 31 2,3 *", "0 0 30 2 MON", "  0 0 * * *  ", "0\t0 * * *", "0 0 29 2 *"]

    @Test("accepted edge forms", arguments: acceptedFormsCases)
    func acceptedForms(_ expression: String) {
        #expect(throws: Never.self) { try CronSchedule(parsing: expression) }
    }
}

@Suite("Days")
struct DaysTests {
    static let stringCases: [(String, String, String)] = [
        ("2026-03-29T23:30:00Z", "UTC", "2026-03-29"),
        ("2026-03-29T23:30:00Z", "Europe/London", "2026-03-30"),
        ("2026-01-01T03:00:00Z", "America/New_York", "2025-12-31"),
        ("2026-06-30T13:00:00Z", "Pacific/Auckland", "2026-07-01"),
        ("1969-12-31T23:59:59Z", "UTC", "1969-12-31"),
    ]

    @Test("local day of an instant", arguments: stringCases)
    func string(_ instant: String, _ zoneName: String, _ day: String) {
        #expect(Days.string(utc(instant), in: zone(zoneName)) == day)
    }

    static let parseCases: [(String, Bool)] = [
        ("2026-02-28", true), ("2028-02-29", true), ("2000-02-29", true), ("2026-12-31", true),
        ("2026-02-29", false), ("2100-02-29", false), ("2026-13-01", false), ("2026-00-10", false),
        ("2026-04-31", false), ("2026-4-01", false), ("2026-04-1", false), ("26-04-01", false),
        ("2026/04/01", false), ("2026-04-01T00", false), ("", false), ("0000-01-01", false), ("2026-0a-01", false),
    ]

    @Test("parse accepts only real YYYY-MM-DD days", arguments: parseCases)
    func parse(_ text: String, _ valid: Bool) throws {
        let components = Days.parse(text)
        #expect((components != nil) == valid)
        if valid {
            let parsed = try #require(components)
            let parts = text.split(separator: "-").compactMap { Int($0) }
            #expect([parsed.year, parsed.month, parsed.day] == parts.map(Optional.some))
        }
    }

    @Test("inclusive ranges")
    func range() {
        #expect(Days.range(from: "2026-02-27", to: "2026-03-02") == ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"])
        #expect(Days.range(from: "2026-12-31", to: "2027-01-01") == ["2026-12-31", "2027-01-01"])
        #expect(Days.range(from: "2026-05-05", to: "2026-05-05") == ["2026-05-05"])
        #expect(Days.range(from: "2026-05-06", to: "2026-05-05") == nil)
        #expect(Days.range(from: "2026-02-30", to: "2026-03-05") == nil)
        #expect(Days.range(from: "2026-03-01", to: "tomorrow") == nil)
        #expect(Days.range(from: "2028-01-01", to: "2028-12-31")?.count == 366)
    }

    static let addingCases: [(Int, String, String)] = [
        (1, "2026-12-31", "2027-01-01"), (-1, "2026-03-01", "2026-02-28"), (-1, "2028-03-01", "2028-02-29"),
        (365, "2027-01-01", "2028-01-01"), (0, "2026-07-04", "2026-07-04"), (-7, "2026-01-03", "2025-12-27"),
    ]

    @Test("adding days", arguments: addingCases)
    func adding(_ days: Int, _ day: String, _ expected: String) {
        #expect(Days.adding(days, to: day) == expected)
    }

    @Test("adding rejects invalid days and the edges of the calendar")
    func addingInvalid() {
        #expect(Days.adding(1, to: "2026-02-29") == nil)
        #expect(Days.adding(1, to: "9999-12-31") == nil)
        #expect(Days.adding(-1, to: "0001-01-01") == nil)
        #expect(Days.adding(Int.max, to: "2026-01-01") == nil)
    }

    static let weekdayCases: [(String, Int)] = [
        ("2026-01-04", 1), ("2026-01-05", 2), ("2026-01-01", 5), ("2026-01-03", 7), ("2000-02-29", 3), ("1969-12-31", 4),
    ]

    @Test("weekday: 1 is Sunday", arguments: weekdayCases)
    func weekday(_ day: String, _ expected: Int) {
        #expect(Days.weekday(of: day) == expected)
    }

    @Test("weekday of an invalid day is nil")
    func weekdayInvalid() {
        #expect(Days.weekday(of: "2026-02-30") == nil)
    }
}
