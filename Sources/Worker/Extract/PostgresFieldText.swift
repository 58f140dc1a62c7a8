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

    /// Writes the text of `value` (a `kind` value's binary form) to `out`; false when its bytes do
    /// not fit its type.
    static func write(_ value: ByteBuffer, as kind: Kind, into out: inout [UInt8]) -> Bool {
        value.withUnsafeReadableBytes { write($0, as: kind, into: &out) }
    }

    /// Writes the text of `value` (a `kind` value's binary form) to `out`; false when its bytes do
    /// not fit its type.
    static func write(_ value: UnsafeRawBufferPointer, as kind: Kind, into out: inout [UInt8]) -> Bool {
        let count = value.count
        switch kind {
        case .text:
            out.append(contentsOf: value)
        case .jsonb:
            // Version byte 1, then the JSON text.
            guard count >= 1, value[0] == 1 else { return false }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: value[1...]))
        case .bool:
            guard count == 1 else { return false }
            out.append(contentsOf: value[0] == 0 ? falseText : trueText)
        case .int2:
            guard count == 2 else { return false }
            fixed(&out) { $0.decimal(Int64(integer(value, 0, as: Int16.self))) }
        case .int4:
            guard count == 4 else { return false }
            fixed(&out) { $0.decimal(Int64(integer(value, 0, as: Int32.self))) }
        case .int8:
            guard count == 8 else { return false }
            fixed(&out) { $0.decimal(integer(value, 0, as: Int64.self)) }
        case .oid:
            guard count == 4 else { return false }
            fixed(&out) { $0.decimal(Int64(integer(value, 0, as: UInt32.self))) }
        case .float4:
            guard count == 4 else { return false }
            out.append(contentsOf: Float(bitPattern: integer(value, 0, as: UInt32.self)).description.utf8)
        case .float8:
            guard count == 8 else { return false }
            out.append(contentsOf: Double(bitPattern: integer(value, 0, as: UInt64.self)).description.utf8)
        case .numeric:
            return numeric(value, into: &out)
        case .uuid:
            guard count == 16 else { return false }
            fixed(&out) { text in
                for i in 0..<16 {
                    if i == 4 || i == 6 || i == 8 || i == 10 { text.byte(dash) }
                    let byte = value[i]
                    text.byte(hexDigits[Int(byte >> 4)])
                    text.byte(hexDigits[Int(byte & 0x0F)])
                }
            }
        case .bytea:
            base64(value, into: &out)
        case .date:
            guard count == 4 else { return false }
            let days = integer(value, 0, as: Int32.self)
            if days == .max { out.append(contentsOf: infinityText); return true }
            if days == .min { out.append(contentsOf: minusInfinityText); return true }
            fixed(&out) { text in
                let year = text.date(Int64(days) + epochDay)
                if year <= 0 { text.bytes(bcText) }
            }
        case .timestamp, .timestamptz:
            guard count == 8 else { return false }
            let micros = integer(value, 0, as: Int64.self)
            if micros == .max { out.append(contentsOf: infinityText); return true }
            if micros == .min { out.append(contentsOf: minusInfinityText); return true }
            let day = floorDivide(micros, 86_400_000_000)
            let ofDay = micros - day * 86_400_000_000
            fixed(&out) { text in
                let year = text.date(day + epochDay)
                text.byte(0x54)  // T
                let seconds = ofDay / 1_000_000
                text.digits(seconds / 3600, width: 2)
                text.byte(colon)
                text.digits(seconds / 60 % 60, width: 2)
                text.byte(colon)
                text.digits(seconds % 60, width: 2)
                text.byte(dot)
                text.digits(ofDay % 1_000_000, width: 6)
                if kind == .timestamptz { text.byte(0x5A) }  // Z
                if year <= 0 { text.bytes(bcText) }
            }
        }
        return true
    }

    /// The big-endian integer at `offset` of `bytes` (the caller checked the length).
    @inline(__always)
    static func integer<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, _ offset: Int, as: T.Type) -> T {
        T(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    // MARK: Numeric

    /// PostgreSQL's binary numeric: digit count, weight (of the first base-10000 digit), sign, display
    /// scale, then the base-10000 digits; written as PostgreSQL's own `numeric_out` writes it.
    private static func numeric(_ value: UnsafeRawBufferPointer, into out: inout [UInt8]) -> Bool {
        guard value.count >= 8 else { return false }
        let count = integer(value, 0, as: Int16.self)
        let weight = integer(value, 2, as: Int16.self)
        let sign = integer(value, 4, as: UInt16.self)
        let scale = integer(value, 6, as: UInt16.self)
        guard count >= 0, value.count == 8 + 2 * Int(count) else { return false }
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
            let d = integer(value, 8 + 2 * index, as: Int16.self)
            guard d >= 0, d < 10_000 else { return nil }
            return Int64(d)
        }
        if weight < 0 {
            out.append(zero)
        } else {
            for index in 0...Int(weight) {
                guard let d = digit(index) else { return false }
                if index == 0 { fixed(&out) { $0.decimal(d) } } else { fixed(&out) { $0.digits(d, width: 4) } }
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

    /// Runs `write` on room for up to `ASCIIText.room` bytes on the stack, then appends what it wrote
    /// to `out` at once (one append per value, not one per character).
    @inline(__always)
    private static func fixed(_ out: inout [UInt8], _ write: (inout ASCIIText) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ASCIIText.room) { room in
            guard let base = room.baseAddress else { return }
            var text = ASCIIText(base: base)
            write(&text)
            out.append(contentsOf: UnsafeBufferPointer(start: base, count: text.count))
        }
    }

    /// ASCII written into fixed room: at most `room` bytes, which holds the longest fixed-width value
    /// (a uuid: 36 bytes; a timestamp of year 294276: 32; an int8: 20).
    private struct ASCIIText {
        static let room = 48
        let base: UnsafeMutablePointer<UInt8>
        private(set) var count = 0

        init(base: UnsafeMutablePointer<UInt8>) {
            self.base = base
        }

        @inline(__always)
        mutating func byte(_ byte: UInt8) {
            base[count] = byte
            count += 1
        }

        mutating func bytes(_ bytes: [UInt8]) {
            for byte in bytes { self.byte(byte) }
        }

        /// `value` in decimal, with a minus sign when negative.
        mutating func decimal(_ value: Int64) {
            if value < 0 { byte(minus) }
            let magnitude = value.magnitude
            var width = 1
            var bound: UInt64 = 10
            while width < 20, magnitude >= bound {
                width += 1
                bound = bound &* 10
            }
            digits(magnitude, width: width)
        }

        /// The last `width` decimal digits of a non-negative `value`, zero-padded.
        @inline(__always)
        mutating func digits(_ value: Int64, width: Int) {
            digits(UInt64(truncatingIfNeeded: value), width: width)
        }

        @inline(__always)
        private mutating func digits(_ value: UInt64, width: Int) {
            var rest = value
            var index = count + width - 1
            while index >= count {
                base[index] = zero &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
                index -= 1
            }
            count += width
        }

        /// `YYYY-MM-DD` of a day since 1970-01-01 (years before 1 as PostgreSQL counts them: 1 BC is
        /// year 0001, the caller adds ` BC`); returns the proleptic year (0 for 1 BC).
        mutating func date(_ day: Int64) -> Int64 {
            let civil = Days.civil(fromDayNumber: day)
            let (y, m, d) = (Int64(civil.year), Int64(civil.month), Int64(civil.day))
            let shown = y <= 0 ? 1 - y : y
            if shown > 9999 { decimal(shown) } else { digits(shown, width: 4) }
            byte(dash)
            digits(m, width: 2)
            byte(dash)
            digits(d, width: 2)
            return y
        }
    }

    /// Standard base64 with padding.
    private static func base64(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
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
