/// A GoogleSQL query job: `jobs.insert` with `configuration.query` (`useLegacySql` is always false).
public struct QueryJobRequest: Sendable {
    /// The GoogleSQL statement (query, DDL, DML or `MERGE`).
    public var sql: String
    /// Where the result goes; may carry a partition decorator (`orders$20261120`).
    public var destination: TableReference?
    /// `WRITE_TRUNCATE`, `WRITE_APPEND` or `WRITE_EMPTY` (with a destination).
    public var writeDisposition: String?
    /// `CREATE_IF_NEEDED` or `CREATE_NEVER` (with a destination).
    public var createDisposition: String?
    /// Day-partition the destination table on this column.
    public var timePartitioningField: String?
    /// The job fails rather than bill more than this many bytes.
    public var maximumBytesBilled: Int64?
    /// Job labels (`sluice_pipeline`, `sluice_run`, `sluice_step`), made acceptable to BigQuery on
    /// the way out: lowercased, other characters than letters, digits, `_` and `-` turned into `_`,
    /// at most 63 characters.
    public var labels: [String: String]
    /// Dataset that unqualified table names in `sql` resolve to.
    public var defaultDataset: String?
    /// At most this many result rows are read back (0 = statistics and schema only).
    public var maxRows: Int
    /// Goes into the job id: `sluice_<prefix>_<uuid>`.
    public var jobIDPrefix: String

    /// Creates a query job request.
    public init(
        sql: String,
        destination: TableReference? = nil,
        writeDisposition: String? = nil,
        createDisposition: String? = nil,
        timePartitioningField: String? = nil,
        maximumBytesBilled: Int64? = nil,
        labels: [String: String] = [:],
        defaultDataset: String? = nil,
        maxRows: Int = 10_000,
        jobIDPrefix: String = "query"
    ) {
        self.sql = sql
        self.destination = destination
        self.writeDisposition = writeDisposition
        self.createDisposition = createDisposition
        self.timePartitioningField = timePartitioningField
        self.maximumBytesBilled = maximumBytesBilled
        self.labels = labels
        self.defaultDataset = defaultDataset
        self.maxRows = maxRows
        self.jobIDPrefix = jobIDPrefix
    }
}
