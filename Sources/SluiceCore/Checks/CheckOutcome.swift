import Foundation

/// The result of a check, as alerts and messages show it.
public enum CheckStatus: String, Sendable, Codable {
    /// The data is as expected.
    case pass
    /// An irregularity worth a warning (warn-severity check, `warn_after`, volume anomaly on a warn check).
    case warn
    /// An error-severity check failed or data is past `error_after`.
    case fail
}

/// What a check found: its status, one line for people, and evidence.
public struct CheckOutcome: Sendable, Equatable {
    /// Pass, warn or fail.
    public var status: CheckStatus
    /// One line for people, e.g. `3 rows of staging.stg_orders have NULL order_id`.
    public var summary: String
    /// How many failing rows the check's query returned (0 for freshness and volume).
    public var failingRows: Int64
    /// Up to five failing rows rendered as `order_id=12, status=NULL`.
    public var sample: [String]
    /// The query that found the failing rows, when there was one.
    public var sql: String?

    /// Creates an outcome.
    public init(status: CheckStatus, summary: String, failingRows: Int64 = 0, sample: [String] = [], sql: String? = nil) {
        self.status = status
        self.summary = summary
        self.failingRows = failingRows
        self.sample = sample
        self.sql = sql
    }
}
