import Foundation

/// What `tables.get` says about a table, without scanning it.
public struct TableMetadata: Sendable, Hashable {
    /// The table.
    public var reference: TableReference
    /// `TABLE`, `VIEW`, `MATERIALIZED_VIEW`, `EXTERNAL`, …
    public var kind: String
    /// Rows in the table (nil for views).
    public var numRows: Int64?
    /// Logical bytes stored (nil for views).
    public var numBytes: Int64?
    /// When the table's data or schema last changed.
    public var lastModified: Date?
    /// When the table was created.
    public var created: Date?
    /// Time partitioning, when the table is partitioned.
    public var timePartitioning: TimePartitioning?
    /// The table's columns.
    public var fields: [SchemaField]

    /// Creates metadata.
    public init(
        reference: TableReference, kind: String = "TABLE", numRows: Int64? = nil, numBytes: Int64? = nil,
        lastModified: Date? = nil, created: Date? = nil, timePartitioning: TimePartitioning? = nil,
        fields: [SchemaField] = []
    ) {
        self.reference = reference
        self.kind = kind
        self.numRows = numRows
        self.numBytes = numBytes
        self.lastModified = lastModified
        self.created = created
        self.timePartitioning = timePartitioning
        self.fields = fields
    }
}
