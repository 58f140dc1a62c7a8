import Foundation

/// Turning source text into typed values, and ordering values as incremental cursors.
/// Everything here parses bytes by hand: it runs once per cell of every extracted row.
extension ColumnType {
    /// The instant a timestamp or date text names (`2024-05-01T10:00:00Z`, `2024-05-01 10:00:00+02:00`,
    /// `2024-05-01`; UTC when it carries no offset), or nil when it is neither.
    public static func instant(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes in
            ByteField.parseTimestamp(ByteField.trimmed(bytes)).map { Date(timeIntervalSince1970: TimeInterval($0.seconds)) }
        }
    }

    /// The value of `text` as this type, or nil when it does not fit (a bad record).
    /// Empty text is `.null` for every type, as in BigQuery's CSV loads (the empty null marker).
    public func coerce(_ text: String) -> Value? {
        var text = text
        return text.withUTF8 { coerce(utf8: $0) }
    }

    /// The value of `text` as this type, or nil when it does not fit (a bad record).
    public func coerce(_ text: Substring) -> Value? {
        var text = text
        return text.withUTF8 { coerce(utf8: $0) }
    }

    /// The value of UTF-8 bytes as this type, or nil when they do not fit (a bad record): text that is
    /// not valid UTF-8 fits no type. Surrounding spaces and tabs are ignored for every type but `string`.
    public func coerce(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Value? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.scratchSize) { scratch in
            coerce(utf8: bytes, scratch: scratch)?.value
        }
    }

    /// Bytes `coerce(utf8:scratch:)` may write: a timestamp rewritten in its canonical form.
    public static let scratchSize = 19

    /// `coerce(utf8:)` without making a value: the text of a string, date or timestamp points into
    /// `bytes` or, for a timestamp that must be rewritten (another offset, a `T`, no seconds), into
    /// `scratch` (at least `scratchSize` bytes). This is the one definition of what fits each type.
    public func coerce(utf8 bytes: UnsafeBufferPointer<UInt8>, scratch: UnsafeMutableBufferPointer<UInt8>) -> FieldValue? {
        switch self {
        case .string: bytes.isEmpty ? .null : ByteField.isUTF8(bytes) ? .string(bytes) : nil
        case .integer: Self.nonEmpty(bytes) { ByteField.integer($0).map(FieldValue.integer) }
        case .float: Self.nonEmpty(bytes) { ByteField.float($0).map(FieldValue.float) }
        case .boolean: Self.nonEmpty(bytes) { ByteField.boolean($0).map(FieldValue.boolean) }
        case .date: Self.nonEmpty(bytes) { ByteField.isDate($0) ? .date($0) : nil }
        case .timestamp: Self.nonEmpty(bytes) { ByteField.timestamp($0, scratch: scratch).map(FieldValue.timestamp) }
        }
    }

    /// `.null` for blank text, else `parse` of the text without surrounding spaces and tabs.
    private static func nonEmpty(
        _ bytes: UnsafeBufferPointer<UInt8>, _ parse: (UnsafeBufferPointer<UInt8>) -> FieldValue?
    ) -> FieldValue? {
        let field = ByteField.trimmed(bytes)
        return field.isEmpty ? .null : parse(field)
    }

    /// How a value of this type is described in a bad-record message: "is not an integer".
    public var expectation: String {
        switch self {
        case .string: "is not text"
        case .integer: "is not an integer"
        case .float: "is not a number"
        case .boolean: "is not a boolean (true/false, 1/0, yes/no)"
        case .date: "is not a valid date (YYYY-MM-DD)"
        case .timestamp: "is not a valid timestamp (YYYY-MM-DD HH:MM:SS, optional fraction and offset)"
        }
    }
}

extension Value {
    /// Orders a cursor value against a watermark: integers and floats numerically, dates and timestamps
    /// chronologically (a date is its midnight), everything else as text — but two texts that both
    /// read as numbers, or both as times, order as those. nil when either side is null.
    public static func compareCursor(_ value: Value, _ watermark: Value) -> ComparisonResult? {
        switch (value, watermark) {
        case (.null, _), (_, .null):
            return nil
        case let (.integer(a), .integer(b)):
            return order(a, b)
        case (.integer, .float), (.float, .integer), (.float, .float):
            guard let a = value.number, let b = watermark.number else { return nil }
            return order(a, b)
        case let (.timestamp(a), .timestamp(b)), let (.date(a), .date(b)):
            // Same form on both sides: the text orders like the times (no midnight to add).
            return order(a, b)
        case (.date, .timestamp), (.timestamp, .date):
            guard let a = value.timestampText, let b = watermark.timestampText else { return nil }
            return order(a, b)
        case let (.string(a), .string(b)):
            // An undeclared cursor column is text; numbers and times in it still order as such
            // ("10" after "9"), or a read from the watermark would skip rows.
            for type in [ColumnType.integer, .float, .timestamp] {
                if let x = type.coerce(a), let y = type.coerce(b), x != .null, y != .null {
                    return compareCursor(x, y)
                }
            }
            return order(a, b)
        default:
            guard let a = value.text, let b = watermark.text else { return nil }
            return order(a, b)
        }
    }

    /// Orders a cursor value against a stored watermark, reading the watermark as the value's own kind.
    /// nil when the value is null.
    public static func compareCursor(_ value: Value, _ watermark: String) -> ComparisonResult? {
        let type: ColumnType
        switch value {
        case .null: return nil
        case .integer: type = .integer
        case .float: type = .float
        case .boolean: type = .boolean
        case .date: type = .date
        case .timestamp: type = .timestamp
        case .string: type = .string
        }
        return compareCursor(value, Value.watermark(watermark, as: type))
    }

    /// A stored watermark read as a cursor of column type `type`, so it compares like one: numbers as
    /// numbers, dates and timestamps as timestamps; text when it does not fit.
    public static func watermark(_ text: String, as type: ColumnType) -> Value {
        let candidates: [ColumnType]
        switch type {
        case .integer: candidates = [.integer, .float]
        case .float: candidates = [.float]
        case .date, .timestamp: candidates = [.timestamp]
        case .boolean: candidates = [.boolean]
        case .string: candidates = []
        }
        for candidate in candidates {
            if let value = candidate.coerce(text), value != .null { return value }
        }
        return .string(text)
    }

    /// The UTC timestamp `seconds` after 1970-01-01 00:00:00.
    public static func timestamp(secondsSince1970 seconds: Int64) -> Value {
        .timestamp(ByteField.format(secondsSince1970: seconds))
    }

    /// Seconds since 1970 (UTC) of a date (its midnight) or timestamp; nil for other values.
    public var secondsSince1970: Int64? {
        switch self {
        case let .date(text), let .timestamp(text):
            guard let normalized = ColumnType.timestamp.coerce(text), case .timestamp(var utc) = normalized else {
                return nil
            }
            return utc.withUTF8 { ByteField.parseTimestamp($0)?.seconds }
        default:
            return nil
        }
    }

    /// The `YYYY-MM-DD` day of a date or timestamp value (the first ten characters of its text).
    public var day: String? {
        switch self {
        case let .date(text), let .timestamp(text): String(text.prefix(10))
        case let .string(text) where text.utf8.count >= 10: String(text.prefix(10))
        default: nil
        }
    }

    private var number: Double? {
        switch self {
        case let .integer(v): Double(v)
        case let .float(v): v
        default: nil
        }
    }

    private var timestampText: String? {
        switch self {
        case let .date(text): text + " 00:00:00"
        case let .timestamp(text): text
        default: nil
        }
    }

    private static func order<T: Comparable>(_ a: T, _ b: T) -> ComparisonResult {
        a < b ? .orderedAscending : (a == b ? .orderedSame : .orderedDescending)
    }
}

/// Byte-level parsers behind `ColumnType.coerce(utf8:)`.
enum ByteField {
    private static let space: UInt8 = 0x20, tab: UInt8 = 0x09
    private static let zero: UInt8 = 0x30, nine: UInt8 = 0x39
    private static let plus: UInt8 = 0x2B, minus: UInt8 = 0x2D, dot: UInt8 = 0x2E, colon: UInt8 = 0x3A

    /// True when the bytes are valid UTF-8. ASCII, the common case, is checked by hand and skips the
    /// standard library's validating initializer, which costs three times as much.
    static func isUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var high: UInt8 = 0
        for byte in bytes { high |= byte }
        return high < 0x80 || String(validating: bytes, as: UTF8.self) != nil
    }

    /// `bytes` without leading and trailing spaces and tabs.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0, end = bytes.count
        while start < end, bytes[start] == space || bytes[start] == tab { start += 1 }
        while end > start, bytes[end - 1] == space || bytes[end - 1] == tab { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    /// Optional sign and decimal digits within the `Int64` range.
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        var negative = false
        if bytes[0] == plus || bytes[0] == minus {
            negative = bytes[0] == minus
            i = 1
        }
        guard i < bytes.count else { return nil }
        // Accumulate negatively so that Int64.min fits.
        var value: Int64 = 0
        while i < bytes.count {
            let c = bytes[i]
            guard c >= zero, c <= nine else { return nil }
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = shifted.subtractingReportingOverflow(Int64(c &- zero))
            guard !o1, !o2 else { return nil }
            value = next
            i += 1
        }
        if negative { return value }
        return value == .min ? nil : -value
    }

    /// A finite decimal number: `[sign] digits [. digits] [e [sign] digits]` (digits on at least one side
    /// of the point).
    static func float(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        let n = bytes.count
        let negative = bytes[0] == minus
        if bytes[0] == plus || negative { i = 1 }
        var digits = 0
        // The digits as an integer and how many follow the point, while exact (at most 15 digits).
        var mantissa: UInt64 = 0
        var fractionDigits = 0
        while i < n, bytes[i] >= zero, bytes[i] <= nine {
            mantissa = mantissa &* 10 &+ UInt64(bytes[i] &- zero)
            i += 1
            digits += 1
        }
        if i < n, bytes[i] == dot {
            i += 1
            while i < n, bytes[i] >= zero, bytes[i] <= nine {
                mantissa = mantissa &* 10 &+ UInt64(bytes[i] &- zero)
                i += 1
                digits += 1
                fractionDigits += 1
            }
        }
        guard digits > 0 else { return nil }
        var exponent = false
        if i < n, bytes[i] | 0x20 == 0x65 {
            exponent = true
            i += 1
            if i < n, bytes[i] == plus || bytes[i] == minus { i += 1 }
            var exponentDigits = 0
            while i < n, bytes[i] >= zero, bytes[i] <= nine { i += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return nil }
        }
        guard i == n else { return nil }
        if !exponent, digits <= 15, fractionDigits < exactPowersOfTen.count {
            // Both the digits and the power of ten are exact doubles, so one division rounds
            // correctly: the same double strtod returns, without making a String.
            let value = Double(mantissa) / exactPowersOfTen[fractionDigits]
            return negative ? -value : value
        }
        guard let value = Double(String(decoding: bytes, as: UTF8.self)), value.isFinite else { return nil }
        return value
    }

    /// 10⁰ … 10²², every power of ten a double holds exactly.
    private static let exactPowersOfTen: [Double] = (0...22).map { power in
        (0..<power).reduce(1.0) { value, _ in value * 10 }
    }

    /// `true`/`false`, `1`/`0`, `yes`/`no`, any case.
    static func boolean(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard bytes.count <= 5 else { return nil }
        var word: UInt64 = 0
        for c in bytes { word = word << 8 | UInt64(c >= 0x41 && c <= 0x5A ? c | 0x20 : c) }
        switch word {
        case 0x74_72_75_65, 0x31, 0x79_65_73: return true  // true, 1, yes
        case 0x66_61_6C_73_65, 0x30, 0x6E_6F: return false  // false, 0, no
        default: return nil
        }
    }

    /// Exactly `YYYY-MM-DD`, a real calendar day of years 0001–9999.
    static func isDate(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count == 10 && civilDate(bytes) != nil
    }

    /// A timestamp normalized to UTC `YYYY-MM-DD HH:MM:SS`: the first 19 bytes of `bytes` when they
    /// are that already (a UTC time with seconds, written with a space; a fraction is dropped), else
    /// written into `scratch` (at least 19 bytes).
    static func timestamp(_ bytes: UnsafeBufferPointer<UInt8>, scratch: UnsafeMutableBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        guard let parsed = parseTimestamp(bytes) else { return nil }
        if parsed.utcWithSeconds, bytes[10] == space {
            return UnsafeBufferPointer(rebasing: bytes[0..<19])
        }
        let text = UnsafeMutableBufferPointer(rebasing: scratch[0..<19])
        if parsed.utcWithSeconds {
            // The same digits, with a space for the `T`.
            _ = text.initialize(from: UnsafeBufferPointer(rebasing: bytes[0..<19]))
            text[10] = space
        } else {
            format(secondsSince1970: parsed.seconds, into: text)
        }
        return UnsafeBufferPointer(text)
    }

    /// A parsed timestamp: UTC seconds since 1970, and whether its first 19 bytes already spell them
    /// (`YYYY-MM-DD?HH:MM:SS` with a zero or no offset) but for the separator.
    struct ParsedTimestamp {
        var seconds: Int64
        var utcWithSeconds: Bool
    }

    /// Parses `YYYY-MM-DD`, optionally followed by ` ` or `T`, `HH:MM[:SS[.fraction]]`, and an optional
    /// (optionally space-separated) `Z`, `UTC` or `±HH[:MM]` offset.
    static func parseTimestamp(_ bytes: UnsafeBufferPointer<UInt8>) -> ParsedTimestamp? {
        let n = bytes.count
        guard n >= 10, let (year, month, day) = civilDate(UnsafeBufferPointer(rebasing: bytes[0..<10])) else {
            return nil
        }
        let days = Days.dayNumber(year: Int(year), month: Int(month), day: Int(day))
        if n == 10 {
            return ParsedTimestamp(seconds: days * 86_400, utcWithSeconds: false)
        }
        let separator = bytes[10]
        guard separator == space || separator | 0x20 == 0x74, n >= 16,
              let hour = twoDigits(bytes, 11), hour < 24, bytes[13] == colon,
              let minute = twoDigits(bytes, 14), minute < 60
        else { return nil }
        var second: Int64 = 0
        var hasSeconds = false
        var i = 16
        if i < n, bytes[i] == colon {
            guard n >= 19, let s = twoDigits(bytes, 17), s < 60 else { return nil }
            second = s
            hasSeconds = true
            i = 19
            if i < n, bytes[i] == dot {
                i += 1
                let start = i
                while i < n, bytes[i] >= zero, bytes[i] <= nine { i += 1 }
                guard i > start else { return nil }
            }
        }
        if i < n, bytes[i] == space { i += 1 }
        var offset: Int64 = 0
        if i < n {
            let rest = n - i
            if rest == 1, bytes[i] | 0x20 == 0x7A {
                i += 1
            } else if rest == 3, bytes[i] | 0x20 == 0x75, bytes[i + 1] | 0x20 == 0x74, bytes[i + 2] | 0x20 == 0x63 {
                i += 3
            } else if bytes[i] == plus || bytes[i] == minus {
                let sign: Int64 = bytes[i] == minus ? -1 : 1
                guard let oh = twoDigits(bytes, i + 1), oh <= 23 else { return nil }
                var om: Int64 = 0
                i += 3
                if i < n, bytes[i] == colon { i += 1 }
                if i < n {
                    guard let m = twoDigits(bytes, i), m < 60 else { return nil }
                    om = m
                    i += 2
                }
                offset = sign * (oh * 3600 + om * 60)
            } else {
                return nil
            }
        }
        guard i == n else { return nil }
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return ParsedTimestamp(seconds: seconds, utcWithSeconds: hasSeconds && offset == 0)
    }

    /// `YYYY-MM-DD HH:MM:SS` for UTC seconds since 1970.
    static func format(secondsSince1970 seconds: Int64) -> String {
        String(unsafeUninitializedCapacity: 19) { out in
            format(secondsSince1970: seconds, into: UnsafeMutableBufferPointer(rebasing: out[0..<19]))
            return 19
        }
    }

    /// Writes `YYYY-MM-DD HH:MM:SS` for UTC seconds since 1970 into the 19 bytes of `out`.
    static func format(secondsSince1970 seconds: Int64, into out: UnsafeMutableBufferPointer<UInt8>) {
        let days = Days.floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Days.civil(fromDayNumber: days)
        put(Int64(year), 4, into: out, at: 0)
        out[4] = minus
        put(Int64(month), 2, into: out, at: 5)
        out[7] = minus
        put(Int64(day), 2, into: out, at: 8)
        out[10] = space
        put(secondOfDay / 3600, 2, into: out, at: 11)
        out[13] = colon
        put(secondOfDay / 60 % 60, 2, into: out, at: 14)
        out[16] = colon
        put(secondOfDay % 60, 2, into: out, at: 17)
    }

    private static func civilDate(_ b: UnsafeBufferPointer<UInt8>) -> (Int64, Int64, Int64)? {
        guard b[4] == minus, b[7] == minus,
              let hi = twoDigits(b, 0), let lo = twoDigits(b, 2),
              let month = twoDigits(b, 5), let day = twoDigits(b, 8)
        else { return nil }
        let year = hi * 100 + lo
        guard year >= 1, (1...12).contains(month), day >= 1, day <= Days.daysInMonth(year: Int(year), month: Int(month)) else {
            return nil
        }
        return (year, month, day)
    }

    private static func twoDigits(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> Int64? {
        guard at + 1 < b.count else { return nil }
        let c0 = b[at], c1 = b[at + 1]
        guard c0 >= zero, c0 <= nine, c1 >= zero, c1 <= nine else { return nil }
        return Int64(c0 - zero) * 10 + Int64(c1 - zero)
    }

    private static func put(_ value: Int64, _ width: Int, into out: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        var v = value
        for i in stride(from: start + width - 1, through: start, by: -1) {
            out[i] = zero + UInt8(truncatingIfNeeded: v % 10)
            v /= 10
        }
    }
}
