import Foundation

/// One typed cell of a row, borrowed: the text of a string, date or timestamp points into bytes that
/// belong to whoever lends it (a source's batch, a reader's buffer) and stays valid only until the
/// lender moves on to its next row. A loader binds these in place, so a row costs no allocation;
/// `value` makes an owned `Value` of one, with the same meaning.
public enum FieldValue {
    case null
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    /// Valid UTF-8.
    case string(UnsafeBufferPointer<UInt8>)
    /// `YYYY-MM-DD`.
    case date(UnsafeBufferPointer<UInt8>)
    /// UTC `YYYY-MM-DD HH:MM:SS`.
    case timestamp(UnsafeBufferPointer<UInt8>)

    /// The owned value.
    public var value: Value {
        switch self {
        case .null: .null
        case let .integer(v): .integer(v)
        case let .float(v): .float(v)
        case let .boolean(v): .boolean(v)
        case let .string(text): .string(String(decoding: text, as: UTF8.self))
        case let .date(text): .date(String(decoding: text, as: UTF8.self))
        case let .timestamp(text): .timestamp(String(decoding: text, as: UTF8.self))
        }
    }

    /// The text of a string, date or timestamp; nil for the others.
    public var text: UnsafeBufferPointer<UInt8>? {
        switch self {
        case let .string(text), let .date(text), let .timestamp(text): text
        case .null, .integer, .float, .boolean: nil
        }
    }

    /// The same kind of value with its text at `text` instead (a copy of the same bytes elsewhere);
    /// other values are returned unchanged.
    public func moved(to text: UnsafeBufferPointer<UInt8>) -> FieldValue {
        switch self {
        case .string: .string(text)
        case .date: .date(text)
        case .timestamp: .timestamp(text)
        case .null, .integer, .float, .boolean: self
        }
    }

    /// `Value.compareCursor`'s order, without making values for the cases a load meets on every
    /// row: two integers, or two dates or two timestamps (whose text orders like the times). Every
    /// other pair is ordered by `Value.compareCursor` itself.
    public static func compareCursor(_ value: FieldValue, _ watermark: FieldValue) -> ComparisonResult? {
        switch (value, watermark) {
        case (.null, _), (_, .null):
            return nil
        case let (.integer(a), .integer(b)):
            return a < b ? .orderedAscending : (a == b ? .orderedSame : .orderedDescending)
        case let (.timestamp(a), .timestamp(b)), let (.date(a), .date(b)):
            return order(a, b)
        default:
            return Value.compareCursor(value.value, watermark.value)
        }
    }

    /// Byte order of two ASCII texts (dates and timestamps are digits and separators): the order
    /// of the strings they spell.
    private static func order(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> ComparisonResult {
        let common = min(a.count, b.count)
        if common > 0, let x = a.baseAddress, let y = b.baseAddress {
            let sign = memcmp(x, y, common)
            if sign != 0 { return sign < 0 ? .orderedAscending : .orderedDescending }
        }
        return a.count < b.count ? .orderedAscending : (a.count == b.count ? .orderedSame : .orderedDescending)
    }
}
