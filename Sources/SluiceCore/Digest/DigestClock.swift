import Foundation

/// When the daily digest is due: `slack.digest.at` read as a wall-clock time in the manifest's time
/// zone, daylight-saving changes included. A time skipped by a forward jump is due at the first
/// instant after the gap; a time that occurs twice when clocks go back is due at its first occurrence
/// (the same rules as cron schedules).
public struct DigestClock: Sendable, Equatable {
    /// Local time of day the digest is due.
    public var at: TimeOfDay
    /// The time zone `at` is read in.
    public var timeZone: TimeZone

    /// Creates a digest clock.
    public init(at: TimeOfDay, timeZone: TimeZone) {
        self.at = at
        self.timeZone = timeZone
    }

    /// The instant the digest of local day `day` (`YYYY-MM-DD`) is due; nil when `day` is invalid.
    public func due(onDay day: String) -> Date? {
        Days.dayNumber(of: day).map(due(onDayNumber:))
    }

    /// The first due instant strictly after `date`.
    public func nextDue(after date: Date) -> Date {
        var number = dayNumber(of: date)
        while due(onDayNumber: number) <= date { number += 1 }
        return due(onDayNumber: number)
    }

    /// The day whose digest a process starting at `now` must post late: today's, when it was due
    /// before `now` and `lastPostedDay` (the day of the last scheduled digest) is not today. A digest
    /// not yet due today is posted on time later; an earlier day's missed digest is not posted, since
    /// today's replaces it.
    public func missedDay(at now: Date, lastPostedDay: String?) -> String? {
        let today = dayNumber(of: now)
        guard due(onDayNumber: today) <= now else { return nil }
        let day = Days.text(ofDayNumber: today)
        return lastPostedDay == day ? nil : day
    }

    /// The local day of `date`.
    public func day(of date: Date) -> String {
        Days.string(date, in: timeZone)
    }

    private func dayNumber(of date: Date) -> Int64 {
        let local = Int64(date.timeIntervalSince1970.rounded(.down)) + Int64(timeZone.secondsFromGMT(for: date))
        return Days.floorDivide(local, 86_400)
    }

    private func due(onDayNumber number: Int64) -> Date {
        let local = number * 86_400 + Int64(at.hour * 3600 + at.minute * 60)
        return Date(timeIntervalSince1970: TimeInterval(CronSchedule.instant(ofLocal: local, in: timeZone)))
    }
}
