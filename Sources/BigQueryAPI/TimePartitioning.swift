/// A table's time partitioning: the unit and the column (nil = ingestion-time partitioning).
public struct TimePartitioning: Sendable, Hashable {
    /// `DAY`, `HOUR`, `MONTH` or `YEAR`.
    public var type: String
    /// The partitioning column, or nil for `_PARTITIONTIME`.
    public var field: String?

    /// Creates a partitioning spec (daily by default).
    public init(type: String = "DAY", field: String?) {
        self.type = type
        self.field = field
    }
}
