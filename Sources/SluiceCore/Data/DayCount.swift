import Foundation

/// A day's row count.
public struct DayCount: Sendable, Hashable {
    /// `YYYY-MM-DD`.
    public var day: String
    /// Rows.
    public var rows: Int64

    /// Creates a day count.
    public init(day: String, rows: Int64) {
        self.day = day
        self.rows = rows
    }
}
