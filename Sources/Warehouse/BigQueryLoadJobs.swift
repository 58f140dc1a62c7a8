import BigQueryAPI
import SluiceCore

/// What every BigQuery load does besides moving rows: its query jobs (DDL and DML, with the step's
/// labels and the byte cap), adding up their bytes, reading the row count from metadata, and dropping
/// its staging table. Shared by uploaded loads (`BigQueryLoader`) and Cloud Storage loads
/// (`BigQuerySourceURIsLoader`).
protocol BigQueryLoadJobs {
    var client: BigQueryClient { get }
    var cost: CostConfig { get }
    var request: LoadRequest { get }
}

extension BigQueryLoadJobs {
    var labels: [String: String] { BigQueryLabels.job(request.context) }
    var table: TableName { request.table }

    /// A query job (DDL or DML) for this load, with the step's labels and the byte cap.
    func run(_ sql: String, doing: String) async throws -> (stats: JobStats, dml: DMLStats?) {
        let job = QueryJobRequest(
            sql: sql, maximumBytesBilled: cost.maximumBytesBilled, labels: labels, maxRows: 0, jobIDPrefix: "merge_\(table.dataset)_\(table.table)")
        let result = try await BigQueryFailure.translating(doing) { try await client.query(job) }
        return (JobStats(rows: result.numDMLAffectedRows, bytesProcessed: result.totalBytesProcessed, bytesBilled: result.totalBytesBilled), result.dmlStats)
    }

    /// Two jobs' statistics together: the later one's rows, the bytes of both.
    func add(_ left: JobStats, _ right: JobStats) -> JobStats {
        JobStats(rows: right.rows ?? left.rows, bytesProcessed: left.bytesProcessed + right.bytesProcessed, bytesBilled: left.bytesBilled + right.bytesBilled)
    }

    /// Rows in the table after the load, from `tables.get` (metadata: nothing billed).
    func rowCount(fallback: Int64) async throws -> Int64 {
        let metadata = try await BigQueryFailure.translating("read the metadata of \(table)") {
            try await client.table(dataset: table.dataset, table: table.table)
        }
        return metadata?.numRows ?? fallback
    }

    /// Deletes the staging table; one that cannot be deleted is left behind (named after its run).
    func dropQuietly(_ staging: TableName) async {
        try? await client.deleteTable(dataset: staging.dataset, table: staging.table)
    }
}
