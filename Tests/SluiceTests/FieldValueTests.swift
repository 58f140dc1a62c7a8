import Foundation
import SluiceCore
import Testing
@testable import Worker

/// Borrowed fields mean what values mean: timestamps in every accepted form against Foundation's
/// calendar, and cursor order against `Value.compareCursor`.
@Suite struct FieldValueTests {
    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// `YYYY-MM-DD HH:MM:SS` of a UTC date, by Foundation.
    private static func expected(_ date: Date) -> String {
        let parts = utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
    }

    @Test func timestampsInEveryFormNormalizeLikeFoundationsCalendar() throws {
        var generator = SplitMix64(seed: 0x7135_7A4D)
        func pick(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(generator.next() % UInt64(range.count)) }
        for _ in 0..<5_000 {
            let (year, month) = (pick(1971...2099), pick(1...12))
            let day = pick(1...Self.utc.range(of: .day, in: .month, for: Self.utc.date(from: DateComponents(year: year, month: month))!)!.count)
            let (hour, minute, second) = (pick(0...23), pick(0...59), pick(0...59))
            let withSeconds = pick(0...5) > 0
            var text = String(format: "%04d-%02d-%02d", year, month, day)
            text += ["T", " ", "t"][pick(0...2)] + String(format: "%02d:%02d", hour, minute)
            if withSeconds {
                text += String(format: ":%02d", second)
                if pick(0...1) == 1 { text += "." + String(pick(0...999_999)) }
            }
            let offsetMinutes: Int
            switch pick(0...5) {
            case 0: offsetMinutes = 0
            case 1: offsetMinutes = 0; text += ["Z", "z", " UTC", "+00:00"][pick(0...3)]
            case 2: offsetMinutes = pick(-23...23) * 60; text += String(format: "%@%02d", offsetMinutes < 0 ? "-" : "+", abs(offsetMinutes) / 60)
            default:
                offsetMinutes = pick(-23...23) * 60 + (pick(0...1) == 0 ? 0 : 30) * (pick(0...1) == 0 ? 1 : -1)
                let sign = offsetMinutes < 0 ? "-" : "+"
                text += String(format: "%@%02d%@%02d", sign, abs(offsetMinutes) / 60, pick(0...1) == 0 ? ":" : "", abs(offsetMinutes) % 60)
            }
            let local = Self.utc.date(from: DateComponents(
                year: year, month: month, day: day, hour: hour, minute: minute, second: withSeconds ? second : 0))!
            let instant = local.addingTimeInterval(TimeInterval(-offsetMinutes * 60))
            #expect(ColumnType.timestamp.coerce(text) == .timestamp(Self.expected(instant)), "\(text)")
        }
    }

    @Test func borrowedCursorsOrderLikeValues() {
        var generator = SplitMix64(seed: 0xC0_5052)
        func value() -> Value {
            switch generator.next() % 6 {
            case 0: .null
            case 1: .integer(Int64(generator.next() % 200) - 100)
            case 2: .float(Double(generator.next() % 200) / 4 - 25)
            case 3: .date(String(format: "2026-%02d-%02d", 1 + generator.next() % 3, 1 + generator.next() % 28))
            case 4: .timestamp(String(format: "2026-%02d-01 %02d:00:00", 1 + generator.next() % 3, generator.next() % 24))
            default: .string(["9", "10", "2026-02-01 10:00:00", "b", "a"][Int(generator.next() % 5)])
            }
        }
        let held = (HeldField(), HeldField())
        for _ in 0..<10_000 {
            let (a, b) = (value(), value())
            held.0.hold(a)
            held.1.hold(b)
            let borrowed = FieldValue.compareCursor(held.0.field!, held.1.field!)
            #expect(borrowed == Value.compareCursor(a, b), "\(a) vs \(b)")
            #expect(held.0.field!.value == a)
        }
    }
}
