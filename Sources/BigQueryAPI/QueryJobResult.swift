/// A finished query job: its rows as text and the statistics that cost is computed from.
public struct QueryJobResult: Sendable {
    /// The job id (of the attempt that succeeded).
    public var jobID: String
    /// The result schema (empty for most DDL/DML).
    public var fields: [SchemaField]
    /// Result rows, at most the request's `maxRows`. Each cell is text (nil = NULL): numbers and
    /// booleans as BigQuery prints them, dates `YYYY-MM-DD`, timestamps UTC `YYYY-MM-DD HH:MM:SS[.ffffff]`,
    /// records and repeated values as JSON text.
    public var rows: [[String?]]
    /// Rows in the whole result (may exceed `rows.count`).
    public var totalRows: Int64
    /// Bytes the query read.
    public var totalBytesProcessed: Int64
    /// Bytes billed (0 on a cache hit).
    public var totalBytesBilled: Int64
    /// Whether the result came from BigQuery's query cache.
    public var cacheHit: Bool
    /// Rows inserted, updated or deleted by a DML or `MERGE` statement.
    public var numDMLAffectedRows: Int64?
    /// `statistics.query.dmlStats`: the rows a DML or `MERGE` statement inserted, updated and deleted.
    public var dmlStats: DMLStats?

    /// Column names, in order.
    public var columnNames: [String] { fields.map(\.name) }

    /// Creates a result.
    public init(
        jobID: String, fields: [SchemaField], rows: [[String?]], totalRows: Int64,
        totalBytesProcessed: Int64, totalBytesBilled: Int64, cacheHit: Bool, numDMLAffectedRows: Int64?,
        dmlStats: DMLStats? = nil
    ) {
        self.jobID = jobID
        self.fields = fields
        self.rows = rows
        self.totalRows = totalRows
        self.totalBytesProcessed = totalBytesProcessed
        self.totalBytesBilled = totalBytesBilled
        self.cacheHit = cacheHit
        self.numDMLAffectedRows = numDMLAffectedRows
        self.dmlStats = dmlStats
    }
}

/// BigQuery's `DmlStats`: what a DML or `MERGE` statement did, row by row.
public struct DMLStats: Sendable, Equatable {
    /// `insertedRowCount`.
    public var inserted: Int64
    /// `updatedRowCount`.
    public var updated: Int64
    /// `deletedRowCount`.
    public var deleted: Int64

    /// Creates DML statistics.
    public init(inserted: Int64, updated: Int64, deleted: Int64) {
        self.inserted = inserted
        self.updated = updated
        self.deleted = deleted
    }
}
