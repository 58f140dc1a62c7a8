/// A finished load job.
public struct LoadJobResult: Sendable {
    /// The job id.
    public var jobID: String
    /// Rows written to the table.
    public var outputRows: Int64
    /// Rows BigQuery skipped as bad (only with a tolerance for bad records).
    public var badRecords: Int64?
    /// Bytes of NDJSON uploaded.
    public var inputBytes: Int64
    /// Whether the body went up as a resumable upload (true) or a single multipart request.
    public var resumable: Bool

    /// Creates a result.
    public init(jobID: String, outputRows: Int64, badRecords: Int64?, inputBytes: Int64, resumable: Bool) {
        self.jobID = jobID
        self.outputRows = outputRows
        self.badRecords = badRecords
        self.inputBytes = inputBytes
        self.resumable = resumable
    }
}
