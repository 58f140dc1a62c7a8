import Foundation
import SluiceCore
import Testing
@testable import Worker

@Suite struct ValueCoercionTests {
    @Test(arguments: [
        ("42", Value.integer(42)), ("-7", .integer(-7)), ("+3", .integer(3)), (" 12\t", .integer(12)),
        ("9223372036854775807", .integer(.max)), ("-9223372036854775808", .integer(.min)), ("", .null), ("  ", .null),
    ])
    func integersThatFit(text: String, expected: Value) {
        #expect(ColumnType.integer.coerce(text) == expected)
    }

    @Test(arguments: ["9223372036854775808", "-9223372036854775809", "1.0", "x12", "12x", "-", "+", "1 2", "0x10"])
    func integersThatDoNotFit(text: String) {
        #expect(ColumnType.integer.coerce(text) == nil)
    }

    @Test(arguments: [
        ("1.5", Value.float(1.5)), ("-2e3", .float(-2000)), (".5", .float(0.5)), ("5.", .float(5)), ("7", .float(7)),
        ("1.25E-2", .float(0.0125)), ("", .null),
    ])
    func floatsThatFit(text: String, expected: Value) {
        #expect(ColumnType.float.coerce(text) == expected)
    }

    @Test(arguments: ["nan", "inf", "-Infinity", "1e", "1e400", ".", "1.2.3", "0x1p3", "€1"])
    func floatsThatDoNotFit(text: String) {
        #expect(ColumnType.float.coerce(text) == nil)
    }


    /// Short decimals take a fast path (digits and a power of ten, no String): against the standard
    /// library's parser (strtod) as an oracle, on random decimals of every length around the path's
    /// limits (15 digits, 22 after the point), the result is the very same double, sign of zero included.
    @Test func shortDecimalsParseToTheSameDoubleAsTheStandardLibrary() {
        var generator = SplitMix64(seed: 0x5EED_F10A7)
        var texts = ["0", "-0", "0.0", "-0.0", "000123.4500", "999999999999999", "0.000000000000000000001", "123456789012345.6"]
        for _ in 0..<20_000 {
            let whole = Int(generator.next() % 17)
            let fraction = Int(generator.next() % 25)
            let digits = String((0..<(whole + fraction)).map { _ in Character(String(generator.next() % 10)) })
            var text = generator.next() % 3 == 0 ? "-" : ""
            text += whole == 0 && fraction == 0 ? "0" : String(digits.prefix(whole))
            if fraction > 0 { text += "." + String(digits.suffix(fraction)) }
            texts.append(text)
        }
        for text in texts {
            let expected = Double(text)
            #expect(ColumnType.float.coerce(text) == expected.map(Value.float), "\(text)")
            if let expected, case let .float(value)? = ColumnType.float.coerce(text) {
                #expect(value.sign == expected.sign, "\(text)")
            }
        }
    }
    @Test func booleansInEveryAcceptedSpelling() {
        for text in ["true", "TRUE", "True", "1", "yes", "YES"] {
            #expect(ColumnType.boolean.coerce(text) == .boolean(true), "\(text)")
        }
        for text in ["false", "False", "0", "no", "NO"] {
            #expect(ColumnType.boolean.coerce(text) == .boolean(false), "\(text)")
        }
        for text in ["t", "y", "2", "truth", "nope"] {
            #expect(ColumnType.boolean.coerce(text) == nil, "\(text)")
        }
        #expect(ColumnType.boolean.coerce("") == .null)
    }

    @Test(arguments: ["2026-02-28", "2024-02-29", "2000-02-29", "2026-12-31", "0001-01-01", "9999-12-31"])
    func realDates(text: String) {
        #expect(ColumnType.date.coerce(text) == .date(text))
    }

    @Test(arguments: [
        "2026-02-29", "2026-02-30", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00", "0000-01-01",
        "2026-1-01", "2026/01/01", "2026-01-01 10:00:00", "yesterday",
    ])
    func impossibleOrMalformedDates(text: String) {
        #expect(ColumnType.date.coerce(text) == nil)
    }

    @Test(arguments: [
        ("2026-03-01 10:20:30", "2026-03-01 10:20:30"),
        ("2026-03-01T10:20:30", "2026-03-01 10:20:30"),
        ("2026-03-01T10:20:30Z", "2026-03-01 10:20:30"),
        ("2026-03-01t10:20:30z", "2026-03-01 10:20:30"),
        ("2026-03-01T10:20:30.123456Z", "2026-03-01 10:20:30"),
        ("2026-03-01 10:20:30.5", "2026-03-01 10:20:30"),
        ("2026-03-01 10:20:30 UTC", "2026-03-01 10:20:30"),
        ("2026-03-01T01:00:00+02:00", "2026-02-28 23:00:00"),
        ("2024-03-01T01:00:00+02:00", "2024-02-29 23:00:00"),
        ("2026-12-31T23:30:00-01:00", "2027-01-01 00:30:00"),
        ("2026-03-01 10:20:30+0530", "2026-03-01 04:50:30"),
        ("2026-03-01 10:20:30 -03", "2026-03-01 13:20:30"),
        ("2026-03-01 10:20", "2026-03-01 10:20:00"),
        ("2026-03-01", "2026-03-01 00:00:00"),
    ])
    func timestampsNormalizeToUTC(text: String, expected: String) {
        #expect(ColumnType.timestamp.coerce(text) == .timestamp(expected))
    }

    @Test(arguments: [
        "2026-02-30 10:00:00", "2026-03-01 24:00:00", "2026-03-01 10:60:00", "2026-03-01 10:00:60",
        "2026-03-01 10:00:00.", "2026-03-01 10:00:00+25:00", "2026-03-01 10:00:00 CET", "2026-03-01X10:00:00",
        "2026-03-01 1:00:00", "10:00:00", "garbage",
    ])
    func timestampsThatDoNotFit(text: String) {
        #expect(ColumnType.timestamp.coerce(text) == nil)
    }

    @Test func emptyTextIsNullForEveryType() {
        for type in ColumnType.allCases {
            #expect(type.coerce("") == .null, "\(type)")
        }
        #expect(ColumnType.string.coerce("  keep spaces ") == .string("  keep spaces "))
    }

    @Test func substringsCoerceLikeStrings() {
        let line = "id=42;day=2026-03-01"
        let parts = line.split(separator: ";").map { $0.split(separator: "=")[1] }
        #expect(ColumnType.integer.coerce(parts[0]) == .integer(42))
        #expect(ColumnType.date.coerce(parts[1]) == .date("2026-03-01"))
    }

    @Test func integerCursorsCompareNumericallyNotAsText() {
        #expect(Value.compareCursor(.integer(10), "9") == .orderedDescending)
        #expect(Value.compareCursor(.integer(9), "10") == .orderedAscending)
        #expect(Value.compareCursor(.integer(10), "10") == .orderedSame)
        #expect(Value.compareCursor(.integer(10), "9.5") == .orderedDescending)
        #expect(Value.compareCursor(.float(2.5), "10") == .orderedAscending)
    }

    @Test func timestampCursorsCompareChronologically() {
        #expect(Value.compareCursor(.timestamp("2026-03-01 10:00:01"), "2026-03-01T10:00:00Z") == .orderedDescending)
        #expect(Value.compareCursor(.timestamp("2026-03-01 09:30:00"), "2026-03-01T10:00:00+01:00") == .orderedDescending)
        #expect(Value.compareCursor(.timestamp("2026-03-01 00:00:00"), "2026-03-01") == .orderedSame)
        #expect(Value.compareCursor(.date("2026-03-02"), "2026-03-01 23:59:59") == .orderedDescending)
        #expect(Value.compareCursor(.date("2026-03-01"), .timestamp("2026-03-01 00:00:01")) == .orderedAscending)
    }

    @Test func textAndNullCursors() {
        #expect(Value.compareCursor(.string("b"), "a") == .orderedDescending)
        #expect(Value.compareCursor(.null, "a") == nil)
        #expect(Value.compareCursor(.integer(1), .null) == nil)
        #expect(Value.watermark("not a number", as: .integer) == .string("not a number"))
        #expect(Value.watermark("2026-03-01", as: .date) == .timestamp("2026-03-01 00:00:00"))
    }

    @Test func timestampsFromAndToEpochSeconds() {
        #expect(Value.timestamp(secondsSince1970: 0) == .timestamp("1970-01-01 00:00:00"))
        #expect(Value.timestamp(secondsSince1970: -1) == .timestamp("1969-12-31 23:59:59"))
        #expect(Value.timestamp(secondsSince1970: 1_772_360_430) == .timestamp("2026-03-01 10:20:30"))
        #expect(Value.timestamp("2026-03-01 10:20:30").secondsSince1970 == 1_772_360_430)
        #expect(Value.date("2026-03-01").secondsSince1970 == 1_772_323_200)
        #expect(Value.integer(5).secondsSince1970 == nil)
        #expect(Value.timestamp("2026-03-01 10:20:30").day == "2026-03-01")
    }
}
