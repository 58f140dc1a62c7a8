import BigQueryAPI
import Foundation
import SluiceCore

/// Loads rows into BigQuery with load jobs (free of query charges), streaming NDJSON:
/// - `truncate` / `append` (and an append's `rebuild`): one load job with `WRITE_TRUNCATE` / `WRITE_APPEND`;
/// - `merge(key)`, and an append that must skip rows the table holds: a load into the staging table
///   `dataset._sluice_stage_<table>_<run>`, the target created if missing (`CREATE TABLE IF NOT
///   EXISTS … PARTITION BY …`), then one `MERGE`: for a merge, the newest staged row of each key
///   replaces an older version only (the cursor in the `WHEN MATCHED` condition) — or, for a
///   `rebuild`, replaces the whole table (`ON FALSE … WHEN NOT MATCHED BY SOURCE THEN DELETE`); for
///   an append, only rows the table does not hold are inserted. No `MERGE` runs when nothing was
///   staged (no bytes billed for an incremental run without changes); the staging table is dropped
///   afterwards, also after a failure;
/// - `replacePartitions` (a backfill): the rows spooled per day to temporary files, then one load
///   per asked day into `table$YYYYMMDD` with `WRITE_TRUNCATE`, so exactly those days are replaced
///   (a day without rows is emptied). Each day's load is atomic; the days are loaded one by one.
/// A staging table expires a day after it is loaded, so one a dead run left behind goes by itself.
/// A load that would add nothing (no rows, and not a truncate or rebuild) uploads nothing and runs
/// no job: the table is only created when missing.
/// A load job's statistics bill nothing; a `MERGE` statement is billed and reported.
struct BigQueryLoader: BigQueryLoadJobs {
    let client: BigQueryClient
    let cost: CostConfig
    let request: LoadRequest
    let clock: any WallClock

    /// The column that numbers staged rows, so duplicates of a key keep the latest.
    static let sequenceColumn = "_sluice_seq"
    /// How long a staging table outlives a run that died before dropping it.
    static let stagingLifetime: TimeInterval = 86_400

    private var prefix: String { "load_\(table.dataset)_\(table.table)" }

    /// Loads the rows as the request says; see the type's description.
    func load(_ source: any RowSource) async throws -> LoadResult {
        if let days = request.replacePartitions {
            return try await replace(days: days, rows: source)
        }
        // Nothing to add (an incremental run without changes): no upload, no job, no staging table;
        // the table is only made to exist. A truncate or a rebuild still loads its empty body: the
        // table must end up empty.
        let rows = try PeekedRows(source)
        let replaces = request.write == .truncate || request.rebuild
        if rows.isEmpty, !replaces {
            return try await nothingToAdd()
        }
        let names = request.columns.map(\.name)
        switch request.write {
        case let .merge(keys):
            if let missing = keys.first(where: { !names.contains($0) }) {
                throw WarehouseError("the merge key \(missing) is not among the columns of the load into \(table) (\(names.joined(separator: ", ")))")
            }
            return try await staged(rows, doing: "merge the new rows into \(table)") { staging in
                let newest = BigQueryMergeSQL.latestPerKey(
                    staging: staging, keys: keys, columns: names, sequenceColumn: Self.sequenceColumn, cursor: request.cursor)
                return request.rebuild
                    ? BigQueryMergeSQL.replaceAll(target: table, source: newest, columns: names)
                    : BigQueryMergeSQL.statement(target: table, source: newest, keys: keys, columns: names, cursor: request.cursor)
            }
        case .append where !request.rebuild && request.skipHeldRows != nil:
            let identity = request.skipHeldRows ?? .wholeRow
            return try await staged(rows, doing: "append the new rows to \(table)") { staging in
                let source: String = switch identity {
                case let .key(keys):
                    BigQueryMergeSQL.latestPerKey(staging: staging, keys: keys, columns: names, sequenceColumn: Self.sequenceColumn)
                case .wholeRow:
                    BigQueryMergeSQL.distinctRows(staging: staging, columns: names)
                }
                return BigQueryMergeSQL.insertUnlessHeld(target: table, source: source, identity: identity, columns: names)
            }
        case .truncate, .append:
            let body = BigQueryRowBody(rows: rows, columns: request.columns)
            let job = LoadJobRequest(
                destination: TableReference(dataset: table.dataset, table: table.table),
                schema: BigQuerySchema.fields(request.columns),
                writeDisposition: replaces ? "WRITE_TRUNCATE" : "WRITE_APPEND",
                timePartitioningField: request.partitionBy, labels: labels, jobIDPrefix: prefix)
            let result = try await BigQueryFailure.translating("load \(table)") { try await client.load(job, body: body) }
            let rowsInTable = try await rowCount(fallback: result.outputRows)
            return LoadResult(rowsLoaded: result.outputRows, rowsInTable: rowsInTable, stats: JobStats(rows: result.outputRows))
        }
    }

    /// An empty load that adds to the table: the table is created if missing, nothing else is sent.
    private func nothingToAdd() async throws -> LoadResult {
        let stats = try await createTargetIfMissing()
        return LoadResult(
            rowsLoaded: 0, rowsInTable: try await rowCount(fallback: 0),
            stats: JobStats(rows: 0, bytesProcessed: stats.bytesProcessed, bytesBilled: stats.bytesBilled))
    }

    /// `CREATE TABLE IF NOT EXISTS` (partitioned as the load says) when `tables.get` finds no table.
    private func createTargetIfMissing() async throws -> JobStats {
        let existing = try await BigQueryFailure.translating("read the metadata of \(table)") {
            try await client.table(dataset: table.dataset, table: table.table)
        }
        guard existing == nil else { return JobStats() }
        let create = "CREATE TABLE IF NOT EXISTS \(CheckSQL.quote(table, .bigquery)) (\(BigQuerySchema.columnDefinitions(request.columns)))"
            + (request.partitionBy.map { BigQuerySchema.partitionClause($0, in: request.columns) } ?? "")
        return try await run(create, doing: "create \(table)").stats
    }

    /// Stages the rows, makes sure the target exists, and runs the `MERGE` that `statement` builds
    /// from the staging table (only when rows were staged).
    private func staged(
        _ rows: any RowSource, doing: String, statement: (TableName) -> String
    ) async throws -> LoadResult {
        let staging = TableName(dataset: table.dataset, table: "_sluice_stage_\(table.table)_\(request.context.runID)")
        let body = BigQueryRowBody(rows: rows, columns: request.columns, sequenceColumn: Self.sequenceColumn)
        let stage = LoadJobRequest(
            destination: TableReference(dataset: staging.dataset, table: staging.table),
            schema: BigQuerySchema.fields(request.columns) + [SchemaField(name: Self.sequenceColumn, type: "INT64")],
            writeDisposition: "WRITE_TRUNCATE", labels: labels, jobIDPrefix: "stage_\(table.dataset)_\(table.table)")
        do {
            _ = try await BigQueryFailure.translating("stage the rows for \(table) in \(staging)") { try await client.load(stage, body: body) }
            // Dropped below; should this process die first, BigQuery drops it a day later.
            try await BigQueryFailure.translating("set the expiration of \(staging)") {
                try await client.expire(dataset: staging.dataset, table: staging.table, at: clock.now.addingTimeInterval(Self.stagingLifetime))
            }
            var stats = try await createTargetIfMissing()
            var counts = LoadCounts()
            if body.rowCount > 0 || request.rebuild {
                let (merged, dml) = try await run(statement(staging), doing: doing)
                stats = add(stats, merged)
                let inserted = dml?.inserted ?? merged.rows ?? body.rowCount
                let updated = dml?.updated ?? 0
                counts = LoadCounts(inserted: inserted, updated: updated, unchanged: max(body.rowCount - inserted - updated, 0))
            }
            await dropQuietly(staging)
            return LoadResult(
                rowsLoaded: counts.written, rowsInTable: try await rowCount(fallback: counts.written),
                stats: JobStats(rows: counts.written, bytesProcessed: stats.bytesProcessed, bytesBilled: stats.bytesBilled),
                counts: counts)
        } catch {
            await dropQuietly(staging)
            throw error
        }
    }

    private func replace(days: [String], rows: any RowSource) async throws -> LoadResult {
        guard let partition = request.partitionBy else {
            throw WarehouseError("a backfill replaces days of a partitioned table, but the load into \(table) has no partition_by")
        }
        if let bad = days.first(where: { Days.parse($0) == nil }) {
            throw WarehouseError("the backfill day \(bad) is not a day (YYYY-MM-DD)")
        }
        let spool = try BigQueryPartitionSpool(days: days)
        defer { spool.remove() }
        try spool.spool(rows, columns: request.columns, partitionColumn: partition)
        var loaded: Int64 = 0
        for day in Set(days).sorted() {
            let decorated = table.table + "$" + day.replacingOccurrences(of: "-", with: "")
            let job = LoadJobRequest(
                destination: TableReference(dataset: table.dataset, table: decorated), schema: BigQuerySchema.fields(request.columns),
                writeDisposition: "WRITE_TRUNCATE", timePartitioningField: partition, labels: labels, jobIDPrefix: prefix)
            let body = try BigQueryFileBody(path: spool.path(for: day))
            let result = try await BigQueryFailure.translating("replace the \(day) partition of \(table)") { try await client.load(job, body: body) }
            loaded += result.outputRows
        }
        var stats = JobStats(rows: loaded)
        if case let .merge(keys) = request.write, loaded > 0 {
            // A key written into the replaced days may still have an older row in another day (its
            // newest version moved days): that row goes, so each key is in one partition only.
            let removed = try await run(
                BigQueryMergeSQL.olderRowsOutsideDays(target: table, keys: keys, partitionColumn: partition, days: days),
                doing: "remove older rows of the backfilled keys from other days of \(table)")
            stats = JobStats(rows: loaded, bytesProcessed: removed.stats.bytesProcessed, bytesBilled: removed.stats.bytesBilled)
        }
        return LoadResult(
            rowsLoaded: loaded, rowsInTable: try await rowCount(fallback: loaded), stats: stats,
            rowsOutsidePartitions: spool.rowsOutside)
    }

}
