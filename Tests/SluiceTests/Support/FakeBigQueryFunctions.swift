import Foundation
import GRDB

/// The BigQuery functions the fake adds to SQLite (the translator rewrites calls to them):
/// `countif`, `safe_divide`, `div`, and `bq_*` helpers for casts, date and timestamp arithmetic
/// and the clock.
enum FakeBigQueryFunctions {
    static func install(in db: Database, now: @escaping @Sendable () -> Date) {
        db.add(function: DatabaseFunction("countif", argumentCount: 1, pure: true, aggregate: CountIf.self))
        db.add(function: DatabaseFunction("safe_divide", argumentCount: 2, pure: true) { values in
            guard let numerator = Double.fromDatabaseValue(values[0]), let denominator = Double.fromDatabaseValue(values[1]),
                  denominator != 0 else { return nil }
            return numerator / denominator
        })
        db.add(function: DatabaseFunction("div", argumentCount: 2, pure: true) { values in
            guard let numerator = Int64.fromDatabaseValue(values[0]), let denominator = Int64.fromDatabaseValue(values[1]) else { return nil }
            guard denominator != 0 else { throw DatabaseError(message: "division by zero: \(numerator) / 0") }
            return numerator / denominator
        })
        db.add(function: DatabaseFunction("bq_cast", argumentCount: 2, pure: true) { values in
            try cast(values[0], to: String.fromDatabaseValue(values[1]) ?? "STRING", safe: false)
        })
        db.add(function: DatabaseFunction("bq_safe_cast", argumentCount: 2, pure: true) { values in
            try cast(values[0], to: String.fromDatabaseValue(values[1]) ?? "STRING", safe: true)
        })
        db.add(function: DatabaseFunction("bq_timestamp", argumentCount: 1, pure: true) { values in
            guard let text = String.fromDatabaseValue(values[0]) else { return nil }
            guard let micros = FakeBigQueryValues.timestampMicros(text) else { throw DatabaseError(message: "Invalid timestamp: '\(text)'") }
            return FakeBigQueryValues.timestampText(micros)
        })
        db.add(function: DatabaseFunction("bq_timestamp_diff", argumentCount: 3, pure: true) { values in
            guard let end = micros(values[0]), let start = micros(values[1]), let unit = String.fromDatabaseValue(values[2]) else { return nil }
            return (end - start) / (try unitMicros(unit))
        })
        db.add(function: DatabaseFunction("bq_timestamp_add", argumentCount: 3, pure: true) { values in
            guard let start = micros(values[0]), let amount = Int64.fromDatabaseValue(values[1]),
                  let unit = String.fromDatabaseValue(values[2]) else { return nil }
            return FakeBigQueryValues.timestampText(start + amount * (try unitMicros(unit)))
        })
        db.add(function: DatabaseFunction("bq_date_diff", argumentCount: 3, pure: true) { values in
            guard let end = day(values[0]), let start = day(values[1]), let unit = String.fromDatabaseValue(values[2]) else { return nil }
            switch unit {
            case "DAY": return end.days - start.days
            case "WEEK": return (end.days - start.days) / 7
            case "MONTH": return (end.year * 12 + end.month) - (start.year * 12 + start.month)
            case "YEAR": return end.year - start.year
            default: throw DatabaseError(message: "Unsupported DATE_DIFF unit \(unit)")
            }
        })
        db.add(function: DatabaseFunction("bq_date_add", argumentCount: 3, pure: true) { values in
            guard let start = day(values[0]), let amount = Int.fromDatabaseValue(values[1]), let unit = String.fromDatabaseValue(values[2]) else {
                return nil
            }
            switch unit {
            case "DAY": return dayText(start.days + amount)
            case "WEEK": return dayText(start.days + 7 * amount)
            case "MONTH", "YEAR":
                let months = start.year * 12 + (start.month - 1) + (unit == "MONTH" ? amount : 12 * amount)
                let year = months / 12
                let month = months % 12 + 1
                let dayOfMonth = min(start.day, FakeBigQueryValues.daysIn(month: month, year: year))
                return String(format: "%04d-%02d-%02d", year, month, dayOfMonth)
            default: throw DatabaseError(message: "Unsupported DATE_ADD unit \(unit)")
            }
        })
        db.add(function: DatabaseFunction("bq_trunc", argumentCount: 2, pure: true) { values in
            guard let text = String.fromDatabaseValue(values[0]), let unit = String.fromDatabaseValue(values[1]) else { return nil }
            let isDate = FakeBigQueryValues.normalizedDate(text) == text
            guard let micros = FakeBigQueryValues.timestampMicros(text) else { throw DatabaseError(message: "Invalid date or timestamp '\(text)'") }
            let full = FakeBigQueryValues.timestampText(micros)
            let truncated: String
            switch unit {
            case "DAY": truncated = String(full.prefix(10)) + " 00:00:00"
            case "MONTH": truncated = String(full.prefix(7)) + "-01 00:00:00"
            case "YEAR": truncated = String(full.prefix(4)) + "-01-01 00:00:00"
            case "HOUR": truncated = String(full.prefix(13)) + ":00:00"
            default: throw DatabaseError(message: "Unsupported truncation unit \(unit)")
            }
            return isDate ? String(truncated.prefix(10)) : truncated
        })
        db.add(function: DatabaseFunction("bq_extract", argumentCount: 2, pure: true) { values in
            guard let part = String.fromDatabaseValue(values[0]), let stamp = micros(values[1]) else { return nil }
            let text = FakeBigQueryValues.timestampText(stamp)
            func number(_ from: Int, _ length: Int) -> Int {
                Int(text.dropFirst(from).prefix(length)) ?? 0
            }
            switch part {
            case "YEAR": return number(0, 4)
            case "MONTH": return number(5, 2)
            case "DAY": return number(8, 2)
            case "HOUR": return number(11, 2)
            case "MINUTE": return number(14, 2)
            case "SECOND": return number(17, 2)
            case "DATE": return String(text.prefix(10))
            case "DAYOFWEEK":
                let days = stamp >= 0 ? stamp / 86_400_000_000 : (stamp - 86_399_999_999) / 86_400_000_000
                return Int((days + 4) % 7 + 7) % 7 + 1
            default: throw DatabaseError(message: "Unsupported EXTRACT part \(part)")
            }
        })
        db.add(function: DatabaseFunction("bq_current_timestamp", argumentCount: 0, pure: false) { _ in
            FakeBigQueryValues.timestampText(Int64((now().timeIntervalSince1970 * 1_000_000).rounded()))
        })
        db.add(function: DatabaseFunction("bq_current_date", argumentCount: 0, pure: false) { _ in
            String(FakeBigQueryValues.timestampText(Int64(now().timeIntervalSince1970 * 1_000_000)).prefix(10))
        })
    }

    /// `COUNTIF(condition)`: rows whose condition is true.
    struct CountIf: DatabaseAggregate {
        var count: Int64 = 0

        init() {}

        mutating func step(_ dbValues: [DatabaseValue]) {
            if let value = Int64.fromDatabaseValue(dbValues[0]), value != 0 { count += 1 }
        }

        func finalize() -> (any DatabaseValueConvertible)? { count }
    }

    private static func micros(_ value: DatabaseValue) -> Int64? {
        String.fromDatabaseValue(value).flatMap(FakeBigQueryValues.timestampMicros)
    }

    private static func day(_ value: DatabaseValue) -> (days: Int, year: Int, month: Int, day: Int)? {
        guard let text = String.fromDatabaseValue(value), let date = FakeBigQueryValues.day(of: text) else { return nil }
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        return (FakeBigQueryValues.daysFromCivil(year: parts[0], month: parts[1], day: parts[2]), parts[0], parts[1], parts[2])
    }

    private static func dayText(_ days: Int) -> String {
        let (year, month, day) = FakeBigQueryValues.civilFromDays(days)
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    private static func unitMicros(_ unit: String) throws -> Int64 {
        switch unit {
        case "MICROSECOND": 1
        case "MILLISECOND": 1_000
        case "SECOND": 1_000_000
        case "MINUTE": 60_000_000
        case "HOUR": 3_600_000_000
        case "DAY": 86_400_000_000
        default: throw DatabaseError(message: "Unsupported time unit \(unit)")
        }
    }

    /// BigQuery's `CAST` / `SAFE_CAST` on a stored value.
    static func cast(_ value: DatabaseValue, to type: String, safe: Bool) throws -> (any DatabaseValueConvertible)? {
        func fail(_ message: String) throws -> (any DatabaseValueConvertible)? {
            if safe { return nil }
            throw DatabaseError(message: message)
        }
        switch value.storage {
        case .null:
            return nil
        case let .int64(int):
            switch type {
            case "STRING": return String(int)
            case "BOOL": return int != 0 ? 1 : 0
            case "FLOAT64", "NUMERIC": return Double(int)
            case "INT64": return int
            default: return try fail("Invalid cast from INT64 to \(type)")
            }
        case let .double(double):
            switch type {
            case "STRING": return double.rounded() == double && abs(double) < 1e15 ? String(Int64(double)) : String(double)
            case "INT64":
                guard let int = Int64(exactly: double.rounded(.toNearestOrAwayFromZero)) else { return try fail("Int64 overflow: \(double)") }
                return int
            case "FLOAT64", "NUMERIC": return double
            default: return try fail("Invalid cast from FLOAT64 to \(type)")
            }
        case let .string(text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            switch type {
            case "STRING": return text
            case "INT64":
                guard let int = Int64(trimmed) else { return try fail("Bad int64 value: \(text)") }
                return int
            case "FLOAT64", "NUMERIC":
                guard let double = Double(trimmed) else { return try fail("Bad double value: \(text)") }
                return double
            case "BOOL":
                switch trimmed.lowercased() {
                case "true": return 1
                case "false": return 0
                default: return try fail("Bad bool value: \(text)")
                }
            case "DATE":
                guard let day = FakeBigQueryValues.day(of: trimmed) else { return try fail("Invalid date: '\(text)'") }
                return day
            case "TIMESTAMP", "DATETIME":
                guard let micros = FakeBigQueryValues.timestampMicros(trimmed) else { return try fail("Invalid timestamp: '\(text)'") }
                return FakeBigQueryValues.timestampText(micros)
            default:
                return text
            }
        case .blob:
            return try fail("Invalid cast from BYTES to \(type)")
        }
    }
}
