import Foundation

/// One typed cell of a row, as loaded into or read from a warehouse.
/// Dates are `YYYY-MM-DD`; timestamps are UTC `YYYY-MM-DD HH:MM:SS` (sortable as text, read by both
/// SQLite's date functions and BigQuery).
public enum Value: Sendable, Hashable {
    case null
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case string(String)
    case date(String)
    case timestamp(String)

    /// The value as text for display and comparison of cursors; nil for null.
    public var text: String? {
        switch self {
        case .null: nil
        case let .integer(v): String(v)
        case let .float(v): String(v)
        case let .boolean(v): v ? "true" : "false"
        case let .string(v), let .date(v), let .timestamp(v): v
        }
    }
}
