/// A load job that BigQuery reads from Cloud Storage itself (`configuration.load.sourceUris`): no
/// byte of the objects passes through Sluice.
public struct CloudStorageLoadJobRequest: Sendable {
    /// How the objects are written.
    public enum Format: String, Sendable {
        /// `CSV`, whose first line is a header (`skipLeadingRows: 1`).
        case csv = "CSV"
        /// `NEWLINE_DELIMITED_JSON`; fields the schema does not name are ignored.
        case ndjson = "NEWLINE_DELIMITED_JSON"
    }

    /// The most URIs one load job takes (BigQuery's limit).
    public static let maxSourceURIs = 10_000

    /// `gs://bucket/name` of every object to load.
    public var sourceURIs: [String]
    /// Their format.
    public var format: Format
    /// The table loaded; may carry a partition decorator.
    public var destination: TableReference
    /// The columns, in the objects' order for CSV (BigQuery maps CSV fields by position).
    public var schema: [SchemaField]
    /// `WRITE_TRUNCATE`, `WRITE_APPEND` or `WRITE_EMPTY`.
    public var writeDisposition: String
    /// `CREATE_IF_NEEDED` or `CREATE_NEVER`.
    public var createDisposition: String
    /// Day-partition a created table on this column.
    public var timePartitioningField: String?
    /// Rows that do not fit the schema BigQuery skips before failing the job (`maxBadRecords`).
    public var maxBadRecords: Int
    /// The source's character encoding: `UTF-8` or `ISO-8859-1` (BigQuery reads no others).
    public var encoding: String
    /// Job labels (made acceptable to BigQuery on the way out, as for the other jobs).
    public var labels: [String: String]
    /// Goes into the job id: `sluice_<prefix>_<uuid>`.
    public var jobIDPrefix: String

    /// Creates the request.
    public init(
        sourceURIs: [String], format: Format, destination: TableReference, schema: [SchemaField],
        writeDisposition: String = "WRITE_APPEND", createDisposition: String = "CREATE_IF_NEEDED",
        timePartitioningField: String? = nil, maxBadRecords: Int = 0, encoding: String = "UTF-8",
        labels: [String: String] = [:], jobIDPrefix: String = "load"
    ) {
        self.sourceURIs = sourceURIs
        self.format = format
        self.destination = destination
        self.schema = schema
        self.writeDisposition = writeDisposition
        self.createDisposition = createDisposition
        self.timePartitioningField = timePartitioningField
        self.maxBadRecords = maxBadRecords
        self.encoding = encoding
        self.labels = labels
        self.jobIDPrefix = jobIDPrefix
    }
}

extension BigQueryClient {
    /// Runs a load job that reads `request.sourceURIs` from Cloud Storage (`jobs.insert`, no upload)
    /// and waits for it. BigQuery reads the objects again on every attempt, so a job failing for a
    /// transient reason is re-run under a new id.
    public func load(_ request: CloudStorageLoadJobRequest) async throws -> LoadJobResult {
        guard !request.sourceURIs.isEmpty, request.sourceURIs.count <= CloudStorageLoadJobRequest.maxSourceURIs else {
            throw BigQueryError(
                reason: "invalid",
                message: "A load job reads 1 to \(CloudStorageLoadJobRequest.maxSourceURIs) source URIs; this one has \(request.sourceURIs.count)")
        }
        var attempt = 0
        let started = retry.now()
        while true {
            attempt += 1
            let jobID = Self.makeJobID(prefix: request.jobIDPrefix)
            let job = try await runJob(Self.body(request, jobID: jobID, client: self), jobID: jobID)
            if let failure = errors.error(job: job, jobID: jobID) {
                guard failure.isRetryable, let wait = retry.delay(beforeRetry: attempt, since: started, deadline: retry.jobDeadline) else {
                    throw errors.exhausted(failure, attempts: attempt)
                }
                logger.info("BigQuery load job failed, re-running", metadata: ["job": "\(jobID)", "reason": "\(failure.reason)"])
                try await retry.sleep(wait)
                continue
            }
            return loadResult(job: job, jobID: jobID, inputBytes: 0, resumable: false)
        }
    }

    /// `{jobReference, configuration: {load: {sourceUris, sourceFormat, skipLeadingRows?, schema, …}, labels}}`.
    static func body(_ request: CloudStorageLoadJobRequest, jobID: String, client: BigQueryClient) -> JSON {
        var load: [String: JSON] = [
            "sourceUris": .array(request.sourceURIs.map { .string($0) }),
            "sourceFormat": .string(request.format.rawValue),
            "schema": .object(["fields": .array(request.schema.map(JobBodies.field))]),
            "writeDisposition": .string(request.writeDisposition),
            "createDisposition": .string(request.createDisposition),
            "destinationTable": JobBodies.tableReference(request.destination, project: client.project),
            "maxBadRecords": .number(Double(request.maxBadRecords)),
            "encoding": .string(request.encoding),
        ]
        switch request.format {
        case .csv:
            load["skipLeadingRows"] = .number(1)
            load["allowQuotedNewlines"] = .bool(true)
        case .ndjson:
            load["ignoreUnknownValues"] = .bool(true)
        }
        if let field = request.timePartitioningField {
            load["timePartitioning"] = .object(["type": .string("DAY"), "field": .string(field)])
        }
        var configuration: [String: JSON] = ["load": .object(load)]
        if !request.labels.isEmpty { configuration["labels"] = JobBodies.labels(request.labels) }
        return .object(["jobReference": JobBodies.jobReference(jobID, client: client), "configuration": .object(configuration)])
    }
}
