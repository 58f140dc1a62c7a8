import Foundation
import GRDB

/// How the fake stores BigQuery values in SQLite and prints them back: dates as `YYYY-MM-DD` text,
/// timestamps as UTC `YYYY-MM-DD HH:MM:SS[.ffffff]` text, booleans as 0/1, numbers as numbers.
enum FakeBigQueryValues {
    /// The canonical BigQuery name of a type (`INTEGER` → `INT64`, …), or nil when the fake does not know it.
    static func canonicalType(_ name: String) -> String? {
        switch name.uppercased() {
        case "STRING": "STRING"
        case "INT64", "INTEGER", "INT", "SMALLINT", "BIGINT", "TINYINT", "BYTEINT": "INT64"
        case "FLOAT64", "FLOAT": "FLOAT64"
        case "NUMERIC", "DECIMAL", "BIGNUMERIC", "BIGDECIMAL": "NUMERIC"
        case "BOOL", "BOOLEAN": "BOOL"
        case "DATE": "DATE"
        case "TIMESTAMP": "TIMESTAMP"
        case "DATETIME": "DATETIME"
        case "BYTES": "BYTES"
        default: nil
        }
    }

    /// The type as BigQuery's REST API names it in schemas (legacy names, as `tables.get` answers).
    static func restType(_ canonical: String) -> String {
        switch canonical {
        case "INT64": "INTEGER"
        case "FLOAT64": "FLOAT"
        case "BOOL": "BOOLEAN"
        default: canonical
        }
    }

    /// The SQLite column type storing a canonical BigQuery type.
    static func sqliteType(_ canonical: String) -> String {
        switch canonical {
        case "INT64", "BOOL": "INTEGER"
        case "FLOAT64", "NUMERIC": "REAL"
        default: "TEXT"
        }
    }

    /// Logical bytes of one stored value, as BigQuery counts them for `numBytes` and billing.
    static func sizeExpression(column: String, type: String) -> String {
        let quoted = "\"\(column)\""
        switch type {
        case "STRING", "BYTES": return "coalesce(2 + length(cast(\(quoted) as blob)), 0)"
        case "BOOL": return "(\(quoted) is not null)"
        case "NUMERIC": return "(\(quoted) is not null) * 16"
        default: return "(\(quoted) is not null) * 8"
        }
    }

    // MARK: Reading values in

    /// A JSON value of a load or `insertAll` row converted for storage in a column of `type`, or a
    /// BigQuery-style reason why it cannot be.
    static func storable(_ json: FakeJSON, type: String) -> Result<DatabaseValue, FakeValueError> {
        if json.isNull { return .success(.null) }
        let text: String
        switch json {
        case let .string(value), let .number(value): text = value
        case let .bool(value): text = value ? "true" : "false"
        case .array: return .failure(FakeValueError("Array specified for non-repeated field of type \(type)"))
        default: return .failure(FakeValueError("Cannot convert a JSON object to \(type)"))
        }
        return storable(text: text, type: type, isString: json.string != nil)
    }

    /// Text converted for storage in a column of `type`.
    static func storable(text: String, type: String, isString: Bool = true) -> Result<DatabaseValue, FakeValueError> {
        switch type {
        case "INT64":
            if let value = Int64(text) { return .success(value.databaseValue) }
            if let double = Double(text), double.rounded() == double, let value = Int64(exactly: double) {
                return .success(value.databaseValue)
            }
            return .failure(FakeValueError("Could not parse '\(text)' as INT64"))
        case "FLOAT64", "NUMERIC":
            guard let value = Double(text) else { return .failure(FakeValueError("Could not parse '\(text)' as \(type)")) }
            return .success(value.databaseValue)
        case "BOOL":
            switch text.lowercased() {
            case "true", "1": return .success(1.databaseValue)
            case "false", "0": return .success(0.databaseValue)
            default: return .failure(FakeValueError("Could not parse '\(text)' as BOOL"))
            }
        case "DATE":
            guard let day = normalizedDate(text) else { return .failure(FakeValueError("Could not parse '\(text)' as DATE")) }
            return .success(day.databaseValue)
        case "TIMESTAMP", "DATETIME":
            let micros = isString ? timestampMicros(text) : Double(text).map { Int64(($0 * 1_000_000).rounded()) }
            guard let micros else { return .failure(FakeValueError("Could not parse '\(text)' as \(type)")) }
            return .success(timestampText(micros).databaseValue)
        default:
            return .success(text.databaseValue)
        }
    }

    /// `YYYY-M-D` (BigQuery's canonical date format) as zero-padded `YYYY-MM-DD`, or nil.
    static func normalizedDate(_ text: String) -> String? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, (1...2).contains(parts[1].count), (1...2).contains(parts[2].count),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// Microseconds since the epoch of a timestamp written `YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z|UTC|±HH[:MM]]`.
    static func timestampMicros(_ text: String) -> Int64? {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        guard rest.count >= 10, let date = normalizedDate(String(rest.prefix(10))) else { return nil }
        rest = rest.dropFirst(10)
        let dateParts = date.split(separator: "-").compactMap { Int($0) }
        var seconds = Int64(daysFromCivil(year: dateParts[0], month: dateParts[1], day: dateParts[2])) * 86_400
        var micros: Int64 = 0
        if let first = rest.first, first == " " || first == "T" || first == "t" {
            rest = rest.dropFirst()
            let clock = rest.prefix { $0.isNumber || $0 == ":" || $0 == "." }
            rest = rest.dropFirst(clock.count)
            let pieces = clock.split(separator: ":", omittingEmptySubsequences: false)
            guard (2...3).contains(pieces.count), let hour = Int(pieces[0]), let minute = Int(pieces[1]),
                  pieces[0].count == 2, pieces[1].count == 2, hour < 24, minute < 60 else { return nil }
            var second = 0
            if pieces.count == 3 {
                let secondParts = pieces[2].split(separator: ".", omittingEmptySubsequences: false)
                guard let whole = Int(secondParts[0]), secondParts[0].count == 2, whole < 60, secondParts.count <= 2 else { return nil }
                second = whole
                if secondParts.count == 2 {
                    let digits = secondParts[1]
                    guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isNumber) else { return nil }
                    let padded = String(digits.prefix(6)).padding(toLength: 6, withPad: "0", startingAt: 0)
                    micros = Int64(padded) ?? 0
                }
            }
            seconds += Int64(hour * 3600 + minute * 60 + second)
        }
        let zone = rest.trimmingCharacters(in: .whitespaces)
        if zone.isEmpty || zone == "Z" || zone == "z" || zone.uppercased() == "UTC" {
            return seconds * 1_000_000 + micros
        }
        guard let sign = zone.first, sign == "+" || sign == "-" else { return nil }
        let offset = zone.dropFirst().split(separator: ":")
        guard let hours = offset.first.flatMap({ Int($0) }), offset.count <= 2 else { return nil }
        let minutes = offset.count == 2 ? Int(offset[1]) ?? 0 : 0
        let shift = Int64(hours * 3600 + minutes * 60) * (sign == "+" ? 1 : -1)
        return (seconds - shift) * 1_000_000 + micros
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC) of microseconds since the epoch.
    static func timestampText(_ micros: Int64) -> String {
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = micros - seconds * 1_000_000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilFromDays(Int(days))
        var text = String(
            format: "%04d-%02d-%02d %02d:%02d:%02d", year, month, day, Int(secondOfDay / 3600),
            Int(secondOfDay % 3600 / 60), Int(secondOfDay % 60))
        if fraction > 0 { text += String(format: ".%06d", Int(fraction)) }
        return text
    }

    /// The UTC day `YYYY-MM-DD` of a date or timestamp text.
    static func day(of text: String) -> String? {
        if let date = normalizedDate(text) { return date }
        return timestampMicros(text).map { String(timestampText($0).prefix(10)) }
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of days since 1970-01-01.
    static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    // MARK: Printing values out

    /// A stored value as BigQuery's REST API prints a cell of `type` (nil for NULL). Timestamps are
    /// floating-point seconds (`1.7634609E9`), or microseconds when `int64Timestamps`.
    static func restCell(_ value: DatabaseValue, type: String, int64Timestamps: Bool) -> String? {
        switch value.storage {
        case .null:
            return nil
        case let .int64(int):
            switch type {
            case "BOOL": return int != 0 ? "true" : "false"
            case "FLOAT64": return String(Double(int))
            default: return String(int)
            }
        case let .double(double):
            switch type {
            case "INT64": return Int64(exactly: double.rounded()).map(String.init) ?? String(double)
            case "NUMERIC": return numericText(double)
            default: return String(double)
            }
        case let .string(text):
            guard type == "TIMESTAMP", let micros = timestampMicros(text) else { return text }
            return int64Timestamps ? String(micros) : floatSeconds(micros)
        case let .blob(data):
            return data.base64EncodedString()
        }
    }

    /// A NUMERIC value without a trailing `.0`.
    static func numericText(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Seconds since the epoch in the notation BigQuery uses for timestamps in JSON: `1.7634609E9`.
    static func floatSeconds(_ micros: Int64) -> String {
        guard micros >= 1_000_000 else { return String(Double(micros) / 1_000_000) }
        let whole = String(micros / 1_000_000)
        var fraction = String(format: "%06d", Int(micros % 1_000_000))
        while fraction.hasSuffix("0") { fraction.removeLast() }
        var digits = whole + fraction
        while digits.count > 1, digits.hasSuffix("0") { digits.removeLast() }
        let mantissa = String(digits.prefix(1)) + "." + (digits.count > 1 ? String(digits.dropFirst()) : "0")
        return mantissa + "E\(whole.count - 1)"
    }

    /// The BigQuery type a column of stored values most likely has.
    static func inferredType(of values: [DatabaseValue]) -> String {
        var sawInt = false
        var sawDouble = false
        var sawDate = false
        var sawTimestamp = false
        var sawText = false
        for value in values {
            switch value.storage {
            case .null: continue
            case .int64: sawInt = true
            case .double: sawDouble = true
            case let .string(text):
                if text.count == 10, normalizedDate(text) == text {
                    sawDate = true
                } else if text.count >= 19, text.count <= 26, timestampMicros(text).map(timestampText) == text {
                    sawTimestamp = true
                } else {
                    sawText = true
                }
            case .blob: sawText = true
            }
        }
        if sawText || ((sawInt || sawDouble) && (sawDate || sawTimestamp)) { return "STRING" }
        if sawTimestamp { return "TIMESTAMP" }
        if sawDate { return "DATE" }
        if sawDouble { return "FLOAT64" }
        if sawInt { return "INT64" }
        return "STRING"
    }

    /// Whether stored values fit a declared column type (for keeping a referenced table's type).
    static func fits(_ values: [DatabaseValue], type: String) -> Bool {
        let inferred = inferredType(of: values)
        if values.allSatisfy(\.isNull) { return true }
        switch type {
        case "BOOL": return values.allSatisfy { value in
            if case let .int64(int) = value.storage { return int == 0 || int == 1 }
            return value.isNull
        }
        case "NUMERIC", "FLOAT64": return inferred == "FLOAT64" || inferred == "INT64"
        case "DATETIME": return inferred == "TIMESTAMP"
        case "STRING": return inferred != "INT64" && inferred != "FLOAT64"
        default: return inferred == type
        }
    }
}

/// Why a value does not fit its column.
struct FakeValueError: Error, Sendable {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}
