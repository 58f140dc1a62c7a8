import Foundation

/// Why a cron expression was rejected, in words a manifest author can act on.
public struct CronParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong and where, e.g. `cron field 2 (hour) '25' is out of range 0-23 in '0 25 * * *'`.
    public var message: String

    /// Creates an error with its message.
    public init(message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

/// A five-field cron schedule (`minute hour day-of-month month day-of-week`) evaluated in a time zone.
///
/// Supported: `*`, lists (`1,15`), ranges (`1-5`), steps (`*/15`, `1-30/5`, and `5/15` meaning `5-59/15`),
/// month names `JAN`–`DEC` and weekday names `SUN`–`SAT` (any case), `0` and `7` both Sunday (so a
/// weekday range may end on Sunday: `FRI-SUN`), and the macros `@hourly`, `@daily`, `@midnight`,
/// `@weekly`, `@monthly`, `@yearly`, `@annually`.
///
/// As in vixie cron, when both day-of-month and day-of-week are restricted (their field does not start
/// with `*`), a day matches when either matches; otherwise both must match.
///
/// Daylight saving: schedules are read as local wall-clock times. A local time skipped by a forward
/// jump fires at the first instant after the gap (as cronie runs jobs skipped by the jump right after
/// it); a local time that occurs twice when clocks go back fires once, at its first occurrence.
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    /// The expression as written in the manifest.
    public let expression: String

    private let minutes: [Int]
    private let hours: [Int]
    private let daysOfMonth: UInt64
    private let months: UInt64
    private let weekdays: UInt64
    private let dayOfMonthRestricted: Bool
    private let weekdayRestricted: Bool

    /// Parses a cron expression; the error names the field and the offending text.
    public init(parsing expression: String) throws(CronParseError) {
        self.expression = expression
        let trimmed = expression.trimmingCharacters(in: .whitespaces)
        let fields: [String]
        if trimmed.hasPrefix("@") {
            guard let expanded = Self.macros[trimmed.lowercased()] else {
                let known = Self.macros.keys.sorted().joined(separator: ", ")
                throw CronParseError(message: "unknown cron macro '\(trimmed)'; use one of \(known) or five fields")
            }
            fields = expanded.split(separator: " ").map(String.init)
        } else {
            fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        }
        guard fields.count == 5 else {
            throw CronParseError(
                message: "cron expression '\(expression)' has \(fields.count) field\(fields.count == 1 ? "" : "s"); "
                    + "expected 5 (minute hour day-of-month month day-of-week) or a macro such as @daily"
            )
        }
        var masks: [UInt64] = []
        for (index, field) in Self.fields.enumerated() {
            masks.append(try field.parse(fields[index], position: index + 1, expression: expression))
        }
        let sundayAsSeven: UInt64 = 1 << 7
        let weekdayMask = masks[4] & sundayAsSeven == 0 ? masks[4] : (masks[4] & ~sundayAsSeven) | 1
        minutes = Self.members(of: masks[0])
        hours = Self.members(of: masks[1])
        daysOfMonth = masks[2]
        months = masks[3]
        weekdays = weekdayMask
        dayOfMonthRestricted = !fields[2].hasPrefix("*")
        weekdayRestricted = !fields[4].hasPrefix("*")

        if !weekdayRestricted {
            let longest = Self.members(of: months).map { Days.daysInMonth(year: 2000, month: $0) }.max() ?? 0
            let earliestDay = Self.members(of: daysOfMonth).min() ?? 32
            if earliestDay > longest {
                throw CronParseError(
                    message: "cron expression '\(expression)' never fires: none of its months has day \(earliestDay); "
                        + "check the day-of-month (field 3) and month (field 4)"
                )
            }
        }
    }

    /// The expression.
    public var description: String { expression }

    /// The first instant strictly after `date` at which the schedule fires, read in `timeZone`;
    /// nil only if none exists within 400 years.
    public func nextFire(after date: Date, in timeZone: TimeZone) -> Date? {
        let after = Int64(date.timeIntervalSince1970.rounded(.down))
        let localStart = after + Int64(timeZone.secondsFromGMT(for: date))
        let startDay = Days.floorDivide(localStart, 86_400)
        let startSecondOfDay = localStart - startDay * 86_400
        let startMinuteOfDay = Int(startSecondOfDay / 60)

        var (year, month, day) = Days.civil(fromDayNumber: startDay)
        let lastYear = year + 400
        while year <= lastYear {
            if months & (1 << UInt64(month)) != 0 {
                let length = Days.daysInMonth(year: year, month: month)
                while day <= length {
                    let number = Days.dayNumber(year: year, month: month, day: day)
                    if matches(day: day, weekday: Days.weekdayIndex(ofDayNumber: number)),
                       let fire = firstFire(onDay: number, isStartDay: number == startDay,
                                            startMinuteOfDay: startMinuteOfDay, after: after, in: timeZone) {
                        return Date(timeIntervalSince1970: TimeInterval(fire))
                    }
                    day += 1
                }
            }
            day = 1
            month += 1
            if month > 12 {
                month = 1
                year += 1
            }
        }
        return nil
    }

    // MARK: - Evaluation

    private func matches(day: Int, weekday: Int) -> Bool {
        let dayOK = daysOfMonth & (1 << UInt64(day)) != 0
        let weekdayOK = weekdays & (1 << UInt64(weekday)) != 0
        return dayOfMonthRestricted && weekdayRestricted ? (dayOK || weekdayOK) : (dayOK && weekdayOK)
    }

    /// The earliest firing instant on a local day that is after `after`, in epoch seconds.
    private func firstFire(onDay number: Int64, isStartDay: Bool, startMinuteOfDay: Int, after: Int64,
                           in timeZone: TimeZone) -> Int64? {
        for hour in hours {
            if isStartDay, (hour + 1) * 60 <= startMinuteOfDay { continue }
            for minute in minutes {
                let minuteOfDay = hour * 60 + minute
                // A local time at or before the start's own local minute fires at or before `after`.
                if isStartDay, minuteOfDay <= startMinuteOfDay { continue }
                let local = number * 86_400 + Int64(minuteOfDay) * 60
                let instant = Self.instant(ofLocal: local, in: timeZone)
                if instant > after { return instant }
            }
        }
        return nil
    }

    /// The instant (epoch seconds) a local wall-clock time (seconds since 1970-01-01 local) maps to:
    /// its first occurrence, or, inside a gap, the first instant after the gap.
    static func instant(ofLocal local: Int64, in timeZone: TimeZone) -> Int64 {
        func offset(_ instant: Int64) -> Int64 {
            Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
        }
        let candidates = Set([offset(local - 172_800), offset(local), offset(local + 172_800)])
        let valid = candidates.map { local - $0 }.filter { offset($0) == local - $0 }
        if let first = valid.min() { return first }
        // In a gap: the local time is skipped. Find the first instant whose local time is at or past it.
        var low = local - (candidates.max() ?? 0)
        var high = local - (candidates.min() ?? 0)
        while low < high {
            let middle = low + (high - low) / 2
            if middle + offset(middle) >= local { high = middle } else { low = middle + 1 }
        }
        return high
    }

    // MARK: - Parsing

    private static let macros: [String: String] = [
        "@hourly": "0 * * * *",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *",
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
    ]

    private static let fields: [Field] = [
        Field(name: "minute", range: 0...59, names: [:]),
        Field(name: "hour", range: 0...23, names: [:]),
        Field(name: "day-of-month", range: 1...31, names: [:]),
        Field(
            name: "month", range: 1...12,
            names: ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12]
        ),
        Field(
            name: "day-of-week", range: 0...7,
            names: ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]
        ),
    ]

    private static func members(of mask: UInt64) -> [Int] {
        (0..<64).filter { mask & (1 << UInt64($0)) != 0 }
    }

    /// One of the five fields: its name, its allowed values and the names it accepts.
    private struct Field: Sendable {
        let name: String
        let range: ClosedRange<Int>
        let names: [String: Int]

        /// A bit mask of the values the field's text selects.
        func parse(_ text: String, position: Int, expression: String) throws(CronParseError) -> UInt64 {
            func failure(_ problem: String) -> CronParseError {
                CronParseError(message: "cron field \(position) (\(name)) \(problem) in '\(expression)'")
            }
            var mask: UInt64 = 0
            for item in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard !item.isEmpty else { throw failure("'\(text)' has an empty list item") }
                let parts = item.split(separator: "/", omittingEmptySubsequences: false)
                guard parts.count <= 2 else { throw failure("'\(item)' has more than one '/'") }
                var step = 1
                if parts.count == 2 {
                    guard parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(parts[1]), value > 0 else {
                        throw failure("'\(item)' has step '\(parts[1])'; a step must be a whole number of at least 1")
                    }
                    step = value
                }
                let base = parts[0]
                let low: Int
                let high: Int
                if base == "*" {
                    (low, high) = (range.lowerBound, range.upperBound)
                } else {
                    let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                    guard bounds.count <= 2 else { throw failure("'\(item)' is not a value, a range or a step") }
                    low = try value(bounds[0], failure: failure)
                    if bounds.count == 2 {
                        let end = try value(bounds[1], failure: failure)
                        high = name == "day-of-week" && end == 0 ? 7 : end
                        guard low <= high else {
                            throw failure("'\(base)' is a range that runs backwards; write the smaller value first")
                        }
                    } else {
                        high = parts.count == 2 ? range.upperBound : low
                    }
                }
                for selected in stride(from: low, through: high, by: step) {
                    mask |= 1 << UInt64(selected)
                }
            }
            return mask
        }

        private func value(_ text: Substring, failure: (String) -> CronParseError) throws(CronParseError) -> Int {
            if let named = names[text.lowercased()] { return named }
            guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(text) else {
                let hint = names.isEmpty ? "a number" : "a number or a name such as \(names.min { $0.value < $1.value }?.key.uppercased() ?? "")"
                throw failure("'\(text)' is not \(hint)")
            }
            guard range.contains(number) else {
                throw failure("'\(text)' is out of range \(range.lowerBound)-\(range.upperBound)")
            }
            return number
        }
    }
}
