import Foundation

/// When a mute ends, as written in Slack: after a length of time, at the next local time of day, or at
/// a local time tomorrow. Local times are read in the manifest's time zone.
public enum MuteEnd: Sendable, Equatable, CustomStringConvertible {
    /// `30m`, `4h`, `2d`, `1h30m`: that long from now.
    case after(TimeSpan)
    /// `until 09:00`: the next 09:00 — today if it is still ahead, else tomorrow.
    case until(TimeOfDay)
    /// `until tomorrow 09:00` (or `tomorrow`): that time on the next local day.
    case untilTomorrow(TimeOfDay)

    /// The longest mute accepted as a duration.
    public static let longest = TimeSpan.days(90)
    /// The time `tomorrow` alone means.
    public static let morning = TimeOfDay(hour: 9, minute: 0)

    /// The instant the mute ends, for a mute set at `now`. Local times follow daylight saving: a time
    /// skipped by the spring jump ends at the first instant after the gap, a time that occurs twice in
    /// autumn ends at its first occurrence.
    public func date(from now: Date, in timeZone: TimeZone) -> Date {
        let nowSeconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let today = Days.floorDivide(nowSeconds + Int64(timeZone.secondsFromGMT(for: now)), 86_400)
        func instant(day: Int64, _ time: TimeOfDay) -> Date {
            let local = day * 86_400 + Int64(time.hour * 3600 + time.minute * 60)
            return Date(timeIntervalSince1970: TimeInterval(CronSchedule.instant(ofLocal: local, in: timeZone)))
        }
        switch self {
        case let .after(span):
            return now.addingTimeInterval(span.timeInterval)
        case let .until(time):
            let candidate = instant(day: today, time)
            return candidate > now ? candidate : instant(day: today + 1, time)
        case let .untilTomorrow(time):
            return instant(day: today + 1, time)
        }
    }

    /// Reads a mute end from the start of `words` and says how many words it used, or nil when they do
    /// not start with one. Accepts `30m`, `4h`, `2d`, `1h30m` (at most `longest`), `for 4h`,
    /// `until 09:00`, `until tomorrow 09:00`, `until tomorrow`, `tomorrow 09:00` and `tomorrow`
    /// (tomorrow at `morning`), in any case.
    public static func parse(_ words: [String]) -> (MuteEnd, consumed: Int)? {
        let lowered = words.prefix(3).map { $0.lowercased() }
        guard let first = lowered.first else { return nil }
        let second = lowered.count > 1 ? lowered[1] : nil
        let third = lowered.count > 2 ? lowered[2] : nil
        switch first {
        case "until", "till":
            if second == "tomorrow" {
                if let time = third.flatMap(timeOfDay) { return (.untilTomorrow(time), 3) }
                return (.untilTomorrow(morning), 2)
            }
            return second.flatMap(timeOfDay).map { (.until($0), 2) }
        case "tomorrow":
            if let time = second.flatMap(timeOfDay) { return (.untilTomorrow(time), 2) }
            return (.untilTomorrow(morning), 1)
        case "for":
            return second.flatMap(span).map { (.after($0), 2) }
        default:
            return span(first).map { (.after($0), 1) }
        }
    }

    /// The end as it is written back: `1h30m`, `until 09:00`, `until tomorrow 09:00`. Parses to itself.
    public var description: String {
        switch self {
        case let .after(span):
            var rest = span.seconds
            var text = ""
            for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
                text += "\(rest / size)\(unit)"
                rest %= size
            }
            return text.isEmpty ? "0s" : text
        case let .until(time):
            return "until \(time)"
        case let .untilTomorrow(time):
            return "until tomorrow \(time)"
        }
    }

    /// A local time of day written `H:MM` or `HH:MM` in digits.
    private static func timeOfDay(_ word: String) -> TimeOfDay? {
        guard word.unicodeScalars.allSatisfy({ $0 == ":" || ("0"..."9").contains($0) }) else { return nil }
        return TimeOfDay(parsing: word)
    }

    /// A duration word within `longest`. Long words are refused before parsing: no real duration needs
    /// more than 12 characters, and the limit keeps every sum far from overflowing.
    private static func span(_ word: String) -> TimeSpan? {
        guard word.count <= 12, let span = TimeSpan(parsing: word), span <= longest else { return nil }
        return span
    }
}
