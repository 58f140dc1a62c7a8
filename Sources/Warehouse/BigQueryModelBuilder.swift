import BigQueryAPI
import SluiceCore

/// Builds models on BigQuery:
/// - `table`: a query job writing the model's SELECT into its table with `WRITE_TRUNCATE`
///   (created if needed, day-partitioned on `partition_by`);
/// - `view`: `CREATE OR REPLACE VIEW` (bills nothing);
/// - `incremental`: the first build as a table; later builds one `MERGE` of the SELECT into the
///   table on `unique_key`, updating and inserting the table's columns.
/// Every job carries the step's labels and `maximumBytesBilled`; bytes processed and billed are
/// returned, with the rows in the table (from `tables.get`) or the rows the MERGE wrote.
struct BigQueryModelBuilder {
    let client: BigQueryClient
    let cost: CostConfig
    let model: Model
    let context: JobContext

    private var name: TableName { model.name }
    private var sql: String { BigQueryMergeSQL.nested(model.sql(for: .bigquery)) }

    /// Builds the model as its materialization says; see the type's description.
    func build() async throws -> JobStats {
        switch model.materialized {
        case .table:
            return try await buildTable()
        case .view:
            let statement = "CREATE OR REPLACE VIEW \(CheckSQL.quote(name, .bigquery)) AS\n\(sql)\n"
            let result = try await run(QueryJobRequest(sql: statement), doing: "create the view \(name)")
            _ = try await builtDestination()
            return JobStats(bytesProcessed: result.totalBytesProcessed, bytesBilled: result.totalBytesBilled)
        case let .incremental(keys):
            let existing = try await BigQueryFailure.translating("read the metadata of \(name)") {
                try await client.table(dataset: name.dataset, table: name.table)
            }
            guard let existing, existing.kind == "TABLE" else { return try await buildTable() }
            let columns = existing.fields.map(\.name)
            let names = Set(columns.map { $0.lowercased() })
            if let missing = keys.first(where: { !names.contains($0.lowercased()) }) {
                throw WarehouseError("the unique_key \(missing) of \(name) is not a column of the table (\(columns.joined(separator: ", ")))")
            }
            let merge = BigQueryMergeSQL.statement(target: name, source: sql, keys: keys, columns: columns)
            let result = try await run(QueryJobRequest(sql: merge), doing: "merge the new rows of \(name)")
            return JobStats(rows: result.numDMLAffectedRows, bytesProcessed: result.totalBytesProcessed, bytesBilled: result.totalBytesBilled)
        }
    }

    private func buildTable() async throws -> JobStats {
        let request = QueryJobRequest(
            sql: sql, destination: TableReference(dataset: name.dataset, table: name.table), writeDisposition: "WRITE_TRUNCATE",
            createDisposition: "CREATE_IF_NEEDED", timePartitioningField: model.partitionBy)
        let result = try await run(request, doing: "build \(name)")
        let metadata = try await builtDestination()
        return JobStats(rows: metadata.numRows, bytesProcessed: result.totalBytesProcessed, bytesBilled: result.totalBytesBilled)
    }

    /// The model's table or view as BigQuery shows it after the job: a job reported `DONE` without
    /// an error whose destination does not exist is a failed build, never a built model.
    private func builtDestination() async throws -> TableMetadata {
        let metadata = try await BigQueryFailure.translating("read the metadata of \(name)") {
            try await client.table(dataset: name.dataset, table: name.table)
        }
        guard let metadata else {
            throw WarehouseError(
                "BigQuery reported the job that builds \(name) done, but \(name) does not exist afterwards; "
                    + "run the pipeline again, and check the dataset's default table expiration if it happens again")
        }
        return metadata
    }

    /// Runs a statement of this model with the labels, the byte cap, and no rows read back.
    private func run(_ request: QueryJobRequest, doing: String) async throws -> QueryJobResult {
        var request = request
        request.maximumBytesBilled = cost.maximumBytesBilled
        request.labels = BigQueryLabels.job(context)
        request.maxRows = 0
        request.jobIDPrefix = "model_\(name.dataset)_\(name.table)"
        let job = request
        return try await BigQueryFailure.translating("\(doing) (\(model.sqlPath))") { try await client.query(job) }
    }
}
