import BigQueryAPI
import Foundation
import SluiceCore

/// The pipeline's warehouse on BigQuery, over its REST API (`BigQueryClient`). Models and checks
/// run as GoogleSQL query jobs; loads are NDJSON load jobs streamed from the extractor.
///
/// Cost guard rails: every query job carries `maximumBytesBilled` from the manifest's `cost` block
/// and the labels `sluice_pipeline`, `sluice_run`, `sluice_step` (sanitized to BigQuery's label
/// rules: `model:mart.daily_sales` → `model_mart_daily_sales`), checks' freshness and volume
/// queries included; jobs outside a run (freshness and volume asked from Slack, estimates) carry
/// `sluice_step` only. Load jobs bill nothing. Freshness and volume read metadata where BigQuery has
/// it (see `BigQueryTableFacts`). Bytes processed and billed come back in `JobStats`. Errors are
/// `WarehouseError`s with BigQuery's reason, message and job id.
public struct BigQueryWarehouse: Warehouse {
    /// The REST client (project, location, credentials, retries).
    public let client: BigQueryClient
    /// Pricing and the byte cap every query job carries.
    public let cost: CostConfig
    /// The clock that dates "today" for volume counts and the recent-partition window of freshness.
    public let clock: any WallClock

    /// Creates the warehouse.
    public init(client: BigQueryClient, cost: CostConfig, clock: any WallClock = SystemClock()) {
        self.client = client
        self.cost = cost
        self.clock = clock
    }

    /// `.bigquery`: models and checks run their GoogleSQL.
    public var dialect: SQLDialect { .bigquery }

    /// Creates each dataset that does not exist yet, in the client's location. Runs before any
    /// step, so a wrong project or missing permissions fail the run at once with what to fix.
    public func prepare(datasets: Set<String>) async throws {
        for dataset in datasets.sorted() {
            do {
                try await client.ensureDataset(dataset)
            } catch var error as BigQueryError {
                if error.reason == "notFound" {
                    error.hint = "project \(client.project) does not exist or these credentials cannot see it: check warehouse.project in the manifest"
                }
                throw BigQueryFailure.warehouseError(error, doing: "create dataset \(dataset) in project \(client.project) (location \(client.location))")
            }
        }
    }

    /// Loads the rows with load jobs; see `BigQueryLoader` for each write mode and for backfills.
    public func load(_ request: LoadRequest, rows: any RowSource) async throws -> LoadResult {
        try await BigQueryLoader(client: client, cost: cost, request: request, clock: clock).load(rows)
    }

    /// Builds the model; see `BigQueryModelBuilder`.
    public func materialize(_ model: Model, context: JobContext) async throws -> JobStats {
        try await BigQueryModelBuilder(client: client, cost: cost, model: model, context: context).build()
    }

    /// Runs a query job and reads back at most `limit` rows; `totalRows` counts them all.
    public func query(_ sql: String, limit: Int, context: JobContext) async throws -> QueryResult {
        let request = QueryJobRequest(
            sql: sql, maximumBytesBilled: cost.maximumBytesBilled, labels: BigQueryLabels.job(context), maxRows: max(0, limit),
            jobIDPrefix: "query")
        let result = try await BigQueryFailure.translating("run the query of \(context.stepID)") { try await client.query(request) }
        return QueryResult(
            columns: result.columnNames, rows: result.rows, totalRows: result.totalRows,
            stats: JobStats(rows: result.totalRows, bytesProcessed: result.totalBytesProcessed, bytesBilled: result.totalBytesBilled))
    }

    /// `tables.get` facts, and the newest `loadedAt` value from the recent partitions only.
    public func freshness(of table: TableName, loadedAt column: String?, context: JobContext?) async throws -> TableFreshness {
        try await facts.freshness(of: table, loadedAt: column, context: context)
    }

    /// Rows per day from partition metadata where possible; see `BigQueryTableFacts`.
    public func rowsPerDay(of table: TableName, column: String?, since: String?, context: JobContext?) async throws -> DailyRowCounts {
        try await facts.rowsPerDay(of: table, column: column, since: since, context: context)
    }

    /// The table's schema from `tables.get` (top-level fields), or nil when it does not exist.
    public func columns(of table: TableName) async throws -> [String]? {
        let metadata = try await BigQueryFailure.translating("read the metadata of \(table)") {
            try await client.table(dataset: table.dataset, table: table.table)
        }
        return metadata?.fields.map(\.name)
    }

    /// A dry run of the statement. An invalid query, or one reading a table or dataset that does not
    /// exist, is a problem with BigQuery's message and its `[line:column]`; other errors (credentials,
    /// the network, a wrong project) are thrown.
    public func compile(_ sql: String) async throws -> SQLCompileProblem? {
        do {
            _ = try await client.dryRun(sql, labels: BigQueryLabels.maintenance("validate"))
            return nil
        } catch let error as BigQueryError where Self.isCompileError(error) {
            return SQLCompileProblem(bigQueryMessage: error.message)
        } catch let error as BigQueryError {
            throw BigQueryFailure.warehouseError(error, doing: "dry-run a statement")
        }
    }

    /// True for errors that say what is wrong with the SQL, not with reaching BigQuery.
    private static func isCompileError(_ error: BigQueryError) -> Bool {
        error.reason == "invalidQuery"
            || (error.reason == "notFound" && (error.message.contains("Table") || error.message.contains("Dataset")))
    }

    /// What a planned job's query would process, from BigQuery itself and billing nothing: a dry
    /// run of a model's SQL (a view: 0) or of a check's query, the partition metadata of a volume
    /// count (0: billed at the minimum), and a merge target's logical size from `tables.get`.
    public func estimateBytes(of query: PlannedQuery) async throws -> Int64 {
        switch query {
        case let .model(model):
            if model.materialized == .view { return 0 }
            let sql = BigQueryMergeSQL.nested(model.sql(for: .bigquery))
            let labels = BigQueryLabels.maintenance("estimate_\(model.name.dataset)_\(model.name.table)")
            return try await BigQueryFailure.translating("estimate the cost of \(model.name) (\(model.sqlPath))") {
                try await client.dryRun(sql, labels: labels)
            }
        case let .failingRows(sql, _):
            return try await BigQueryFailure.translating("estimate the cost of a check's query") {
                try await client.dryRun(sql, labels: BigQueryLabels.maintenance("estimate_check"))
            }
        case let .newestValue(table, column):
            return try await facts.estimateNewestValue(of: column, in: table)
        case let .rowsPerDay(table, column):
            return try await facts.estimateRowsPerDay(of: column, in: table)
        case let .merge(table):
            return try await facts.estimateMerge(into: table)
        }
    }

    private var facts: BigQueryTableFacts {
        BigQueryTableFacts(client: client, cost: cost, clock: clock)
    }
}
