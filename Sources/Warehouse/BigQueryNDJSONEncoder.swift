import SluiceCore

/// Writes rows as newline-delimited JSON, one object per row, straight into a byte buffer: keys
/// are encoded once, NULLs are left out (BigQuery reads a missing field as NULL), strings are
/// escaped per RFC 8259 with a fast path for text that needs none, integers are written without
/// going through `String`. Non-finite floats become the strings `NaN`, `Infinity`, `-Infinity`,
/// which BigQuery accepts for FLOAT64.
struct BigQueryNDJSONEncoder {
    /// `"name":` for each column, already escaped.
    private let keys: [[UInt8]]

    /// An encoder for rows with these column names (in row order).
    init(columnNames: [String]) {
        keys = columnNames.map { name in
            var key: [UInt8] = []
            Self.appendString(name, to: &key)
            key.append(UInt8(ascii: ":"))
            return key
        }
    }

    /// Appends one row and its newline. Extra cells beyond the columns are ignored.
    func append(_ row: [Value], to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "{"))
        var first = true
        for index in 0..<min(row.count, keys.count) {
            let value = row[index]
            if case .null = value { continue }
            if !first { buffer.append(UInt8(ascii: ",")) }
            first = false
            buffer.append(contentsOf: keys[index])
            Self.appendValue(value, to: &buffer)
        }
        buffer.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
    }

    /// One value as JSON.
    static func appendValue(_ value: Value, to buffer: inout [UInt8]) {
        switch value {
        case .null:
            buffer.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case let .integer(int):
            appendInteger(int, to: &buffer)
        case let .float(double):
            if double.isFinite {
                buffer.append(contentsOf: double.description.utf8)
            } else {
                appendString(double.isNaN ? "NaN" : (double > 0 ? "Infinity" : "-Infinity"), to: &buffer)
            }
        case let .boolean(bool):
            buffer.append(contentsOf: bool ? [0x74, 0x72, 0x75, 0x65] : [0x66, 0x61, 0x6C, 0x73, 0x65])
        case let .string(text), let .date(text), let .timestamp(text):
            appendString(text, to: &buffer)
        }
    }

    /// Decimal digits of `value`.
    static func appendInteger(_ value: Int64, to buffer: inout [UInt8]) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        guard magnitude > 0 else {
            buffer.append(UInt8(ascii: "0"))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var count = 0
            while magnitude > 0 {
                digits[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[(20 - count)...]))
        }
    }

    /// `"text"` with `"`, `\` and control characters escaped.
    static func appendString(_ text: String, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if start < index { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index])) }
                appendEscape(byte, to: &buffer)
                start = index + 1
            }
            if start < bytes.count { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...])) }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    private static func appendEscape(_ byte: UInt8, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): buffer.append(byte)
        case 0x0A: buffer.append(UInt8(ascii: "n"))
        case 0x0D: buffer.append(UInt8(ascii: "r"))
        case 0x09: buffer.append(UInt8(ascii: "t"))
        case 0x08: buffer.append(UInt8(ascii: "b"))
        case 0x0C: buffer.append(UInt8(ascii: "f"))
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            buffer.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
        }
    }
}
