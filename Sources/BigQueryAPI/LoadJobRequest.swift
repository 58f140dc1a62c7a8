/// A load job of newline-delimited JSON into one table (`configuration.load`).
public struct LoadJobRequest: Sendable {
    /// The table loaded; may carry a partition decorator (`orders$20261120`) to replace one day.
    public var destination: TableReference
    /// The columns of each NDJSON row.
    public var schema: [SchemaField]
    /// `WRITE_TRUNCATE`, `WRITE_APPEND` or `WRITE_EMPTY`.
    public var writeDisposition: String
    /// `CREATE_IF_NEEDED` or `CREATE_NEVER`.
    public var createDisposition: String
    /// Day-partition a created table on this column.
    public var timePartitioningField: String?
    /// Job labels (`sluice_pipeline`, `sluice_run`, `sluice_step`), made acceptable to BigQuery on
    /// the way out: lowercased, other characters than letters, digits, `_` and `-` turned into `_`,
    /// at most 63 characters.
    public var labels: [String: String]
    /// Goes into the job id: `sluice_<prefix>_<uuid>`.
    public var jobIDPrefix: String

    /// Creates a load job request.
    public init(
        destination: TableReference,
        schema: [SchemaField],
        writeDisposition: String = "WRITE_APPEND",
        createDisposition: String = "CREATE_IF_NEEDED",
        timePartitioningField: String? = nil,
        labels: [String: String] = [:],
        jobIDPrefix: String = "load"
    ) {
        self.destination = destination
        self.schema = schema
        self.writeDisposition = writeDisposition
        self.createDisposition = createDisposition
        self.timePartitioningField = timePartitioningField
        self.labels = labels
        self.jobIDPrefix = jobIDPrefix
    }
}
