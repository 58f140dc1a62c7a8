import PostgresNIO
import SluiceCore

/// PostgreSQL values, as postgres-nio receives them (the binary format: it asks for binary results),
/// turned into the text fields the load coerces:
/// - `int2`/`int4`/`int8`/`oid`: decimal; `numeric`: its exact decimal text, scale kept (`12.50`),
///   `NaN`/`Infinity` as PostgreSQL prints them; `float4`/`float8`: the shortest text that reads back
///   to the same number (`1.5`, `1e-05`);
/// - `text`, `varchar`, `char`, `name`, `json`: the text; `jsonb`: its JSON text; `uuid`: lowercase
///   `8-4-4-4-12` hex; `bool`: `true`/`false`; `bytea`: **base64** (BigQuery's form of BYTES);
/// - `date`: `YYYY-MM-DD`; `timestamp`: `YYYY-MM-DDTHH:MM:SS.ffffff`; `timestamptz`:
///   `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC. Always six fraction digits, so the text of two timestamps
///   orders like the times (a cursor kept as text compares correctly). Years before 1 end in ` BC`,
///   and `±infinity` is `infinity`/`-infinity`, as PostgreSQL prints them.
///
/// Arrays are read as `to_json(column)` (JSON arrays, `[1,2,3]`, `["a","b"]`) and every other type
/// as `column::text` (see `PostgresReadQuery`), so they arrive as `json` or `text`.
enum PostgresFieldText {
    /// How one result column's values are turned into text.
    enum Kind: Sendable, Equatable {
        case text, jsonb, bool, int2, int4, int8, oid, float4, float8, numeric, uuid, bytea, date, timestamp, timestamptz
    }

    /// The reading of a result column of type `type`; nil when its binary form is not read here (the
    /// query then asks for its text or its JSON instead).
    static func kind(of type: PostgresDataType) -> Kind? {
        switch type.rawValue {
        case 25, 1043, 1042, 19, 18, 114, 705: .text  // text, varchar, bpchar, name, "char", json, unknown
        case 3802: .jsonb
        case 16: .bool
        case 21: .int2
        case 23: .int4
        case 20: .int8
        case 26: .oid
        case 700: .float4
        case 701: .float8
        case 1700: .numeric
        case 2950: .uuid
        case 17: .bytea
        case 1082: .date
        case 1114: .timestamp
        case 1184: .timestamptz
        default: nil
        }
    }

    /// The binary value did not have its type's shape.
    struct Malformed: Error {
        let kind: Kind
    }

    /// Appends the text of `value` (a `kind` value's binary form) to `batch` as the next field;
    /// `scratch` is room the conversion reuses.
    @inline(__always)
    static func append(_ value: ByteBuffer, as kind: Kind, to batch: inout RecordBatch, scratch: inout [UInt8]) throws(Malformed) {
        switch kind {
        case .text:
            batch.append(field: value.readableBytesView)
        case .jsonb:
            // Version byte 1, then the JSON text.
            guard value.readableBytes >= 1, value.getInteger(at: value.readerIndex, as: UInt8.self) == 1 else {
                throw Malformed(kind: kind)
            }
            batch.append(field: value.readableBytesView.dropFirst())
        default:
            scratch.removeAll(keepingCapacity: true)
            guard write(value, as: kind, into: &scratch) else { throw Malformed(kind: kind) }
            batch.append(field: scratch)
        }
    }

    /// Writes the text of a non-text value; false when its bytes do not fit its type.
    static func write(_ value: ByteBuffer, as kind: Kind, into out: inout [UInt8]) -> Bool {
        let count = value.readableBytes
        let at = value.readerIndex
        switch kind {
        case .text, .jsonb:
            out.append(contentsOf: value.readableBytesView.dropFirst(kind == .jsonb ? 1 : 0))
        case .bool:
            guard count == 1, let byte = value.getInteger(at: at, as: UInt8.self) else { return false }
            out.append(contentsOf: byte == 0 ? falseText : trueText)
        case .int2:
            guard count == 2, let v = value.getInteger(at: at, as: Int16.self) else { return false }
            decimal(Int64(v), into: &out)
        case .int4:
            guard count == 4, let v = value.getInteger(at: at, as: Int32.self) else { return false }
            decimal(Int64(v), into: &out)
        case .int8:
            guard count == 8, let v = value.getInteger(at: at, as: Int64.self) else { return false }
            decimal(v, into: &out)
        case .oid:
            guard count == 4, let v = value.getInteger(at: at, as: UInt32.self) else { return false }
            decimal(Int64(v), into: &out)
        case .float4:
            guard count == 4, let bits = value.getInteger(at: at, as: UInt32.self) else { return false }
            out.append(contentsOf: Float(bitPattern: bits).description.utf8)
        case .float8:
            guard count == 8, let bits = value.getInteger(at: at, as: UInt64.self) else { return false }
            out.append(contentsOf: Double(bitPattern: bits).description.utf8)
        case .numeric:
            return numeric(value, into: &out)
        case .uuid:
            guard count == 16 else { return false }
            for i in 0..<16 {
                if i == 4 || i == 6 || i == 8 || i == 10 { out.append(dash) }
                guard let byte = value.getInteger(at: at + i, as: UInt8.self) else { return false }
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        case .bytea:
            base64(value, into: &out)
        case .date:
            guard count == 4, let days = value.getInteger(at: at, as: Int32.self) else { return false }
            if days == .max { out.append(contentsOf: infinityText); return true }
            if days == .min { out.append(contentsOf: minusInfinityText); return true }
            let year = date(Int64(days) + epochDay, into: &out)
            if year <= 0 { out.append(contentsOf: bcText) }
        case .timestamp, .timestamptz:
            guard count == 8, let micros = value.getInteger(at: at, as: Int64.self) else { return false }
            if micros == .max { out.append(contentsOf: infinityText); return true }
            if micros == .min { out.append(contentsOf: minusInfinityText); return true }
            let day = floorDivide(micros, 86_400_000_000)
            let ofDay = micros - day * 86_400_000_000
            let year = date(day + epochDay, into: &out)
            out.append(0x54)  // T
            let seconds = ofDay / 1_000_000
            digits(seconds / 3600, width: 2, into: &out)
            out.append(colon)
            digits(seconds / 60 % 60, width: 2, into: &out)
            out.append(colon)
            digits(seconds % 60, width: 2, into: &out)
            out.append(dot)
            digits(ofDay % 1_000_000, width: 6, into: &out)
            if kind == .timestamptz { out.append(0x5A) }  // Z
            if year <= 0 { out.append(contentsOf: bcText) }
        }
        return true
    }

    // MARK: Numeric

    /// PostgreSQL's binary numeric: digit count, weight (of the first base-10000 digit), sign, display
    /// scale, then the base-10000 digits; written as PostgreSQL's own `numeric_out` writes it.
    private static func numeric(_ value: ByteBuffer, into out: inout [UInt8]) -> Bool {
        let at = value.readerIndex
        guard value.readableBytes >= 8,
              let count = value.getInteger(at: at, as: Int16.self), count >= 0,
              let weight = value.getInteger(at: at + 2, as: Int16.self),
              let sign = value.getInteger(at: at + 4, as: UInt16.self),
              let scale = value.getInteger(at: at + 6, as: UInt16.self),
              value.readableBytes == 8 + 2 * Int(count)
        else { return false }
        switch sign {
        case 0xC000: out.append(contentsOf: "NaN".utf8); return true
        case 0xD000: out.append(contentsOf: "Infinity".utf8); return true
        case 0xF000: out.append(contentsOf: "-Infinity".utf8); return true
        case 0x4000: out.append(minus)
        case 0x0000: break
        default: return false
        }
        func digit(_ index: Int) -> Int64? {
            guard index >= 0, index < Int(count) else { return 0 }
            guard let d = value.getInteger(at: at + 8 + 2 * index, as: Int16.self), d >= 0, d < 10_000 else { return nil }
            return Int64(d)
        }
        if weight < 0 {
            out.append(zero)
        } else {
            for index in 0...Int(weight) {
                guard let d = digit(index) else { return false }
                if index == 0 { decimal(d, into: &out) } else { digits(d, width: 4, into: &out) }
            }
        }
        guard scale > 0 else { return true }
        out.append(dot)
        var written = 0
        var index = Int(weight) + 1
        while written < Int(scale) {
            guard let d = digit(index) else { return false }
            var divisor: Int64 = 1000
            while divisor > 0, written < Int(scale) {
                out.append(zero + UInt8(truncatingIfNeeded: d / divisor % 10))
                divisor /= 10
                written += 1
            }
            index += 1
        }
        return true
    }

    // MARK: Pieces

    private static let zero: UInt8 = 0x30, minus: UInt8 = 0x2D, dash: UInt8 = 0x2D, colon: UInt8 = 0x3A, dot: UInt8 = 0x2E
    private static let trueText = Array("true".utf8), falseText = Array("false".utf8)
    private static let infinityText = Array("infinity".utf8), minusInfinityText = Array("-infinity".utf8)
    private static let bcText = Array(" BC".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let base64Digits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    /// 2000-01-01, PostgreSQL's epoch, in days since 1970-01-01.
    private static let epochDay: Int64 = 10_957

    /// Writes `YYYY-MM-DD` of a day since 1970-01-01 (years before 1 as PostgreSQL counts them: 1 BC
    /// is year 0001, the caller adds ` BC`); returns the proleptic year (0 for 1 BC).
    private static func date(_ day: Int64, into out: inout [UInt8]) -> Int64 {
        let civil = Days.civil(fromDayNumber: day)
        let (y, m, d) = (Int64(civil.year), Int64(civil.month), Int64(civil.day))
        let shown = y <= 0 ? 1 - y : y
        if shown > 9999 { decimal(shown, into: &out) } else { digits(shown, width: 4, into: &out) }
        out.append(dash)
        digits(m, width: 2, into: &out)
        out.append(dash)
        digits(d, width: 2, into: &out)
        return y
    }

    /// `value` in decimal, with a minus sign when negative.
    private static func decimal(_ value: Int64, into out: inout [UInt8]) {
        if value < 0 { out.append(minus) }
        let magnitude = value.magnitude
        var divisor: UInt64 = 1
        while divisor <= magnitude / 10 { divisor *= 10 }
        while divisor > 0 {
            out.append(zero + UInt8(truncatingIfNeeded: magnitude / divisor % 10))
            divisor /= 10
        }
    }

    /// The last `width` decimal digits of a non-negative `value`, zero-padded.
    @inline(__always)
    private static func digits(_ value: Int64, width: Int, into out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(zero, count: width))
        var rest = value
        var index = start + width - 1
        while index >= start {
            out[index] = zero &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
            index -= 1
        }
    }

    /// Standard base64 with padding.
    private static func base64(_ value: ByteBuffer, into out: inout [UInt8]) {
        let bytes = value.readableBytesView
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let b0 = UInt32(bytes[index])
            let b1 = index + 1 < bytes.endIndex ? UInt32(bytes[index + 1]) : 0
            let b2 = index + 2 < bytes.endIndex ? UInt32(bytes[index + 2]) : 0
            let triple = b0 << 16 | b1 << 8 | b2
            let available = bytes.endIndex - index
            out.append(base64Digits[Int(triple >> 18 & 63)])
            out.append(base64Digits[Int(triple >> 12 & 63)])
            out.append(available > 1 ? base64Digits[Int(triple >> 6 & 63)] : 0x3D)
            out.append(available > 2 ? base64Digits[Int(triple & 63)] : 0x3D)
            index += 3
        }
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
