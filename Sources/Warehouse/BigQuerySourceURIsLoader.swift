import BigQueryAPI
import SluiceCore

/// Loads Cloud Storage objects into BigQuery with load jobs that read `sourceUris` themselves, so
/// the data never passes through Sluice. The same rules as `BigQueryLoader`, with the same SQL:
/// - `truncate` / `append`: one load job straight into the table (`WRITE_TRUNCATE` / `WRITE_APPEND`);
/// - `merge(key)`, an append that must skip rows the table holds, and a `rebuild`: a load into the
///   staging table `dataset._sluice_stage_<table>_<run>`, the target created if missing, then the
///   `MERGE` of `BigQueryMergeSQL` (skipped when nothing was staged); the staging table is dropped
///   afterwards, also after a failure;
/// - `replacePartitions` (a backfill): the objects staged, then for each asked day one query job
///   writing that day's rows (for a merge: each key's newest version) into `table$YYYYMMDD` with
///   `WRITE_TRUNCATE`, and for a merge the older rows of those keys in other days removed.
/// CSV is loaded with `skipLeadingRows: 1` and a schema in the header's order (BigQuery maps CSV
/// fields by position); NDJSON by field name, fields the load does not declare ignored. Among rows
/// of one key with equal cursors in one load, BigQuery keeps any one (it keeps no reading order).
struct BigQuerySourceURIsLoader: BigQueryLoadJobs {
    let client: BigQueryClient
    let cost: CostConfig
    let request: LoadRequest
    let objects: SourceURIs


    func load() async throws -> LoadResult {
        guard !objects.uris.isEmpty else {
            // Nothing new in the bucket: no job at all.
            return LoadResult(rowsLoaded: 0, rowsInTable: try await rowCount(fallback: 0))
        }
        guard objects.uris.count <= CloudStorageLoadJobRequest.maxSourceURIs else {
            throw WarehouseError(
                "\(objects.uris.count) objects to load into \(table), more than the \(CloudStorageLoadJobRequest.maxSourceURIs) "
                    + "BigQuery reads in one load job: narrow the source's uri, or load them in several runs")
        }
        let encoding: String
        switch objects.encoding {
        case .utf8: encoding = "UTF-8"
        case .latin1: encoding = "ISO-8859-1"
        case .windows1252:
            throw WarehouseError(
                "BigQuery cannot read windows-1252 objects for \(table): convert them to UTF-8, or declare encoding: latin1 if they use no characters in 0x80-0x9F")
        }
        let (columns, fields) = try await schema()
        let names = columns.map(\.name)
        let staged = request.replacePartitions != nil || request.rebuild || request.skipHeldRows != nil
            || { if case .merge = request.write { return true } else { return false } }()
        if !staged {
            guard fields.map(\.name) == names else {
                throw WarehouseError(
                    "BigQuery loads CSV fields by position, but the header of \(objects.uris[0]) (\(fields.map(\.name).joined(separator: ", "))) "
                        + "does not list the columns of the load into \(table) in that order (\(names.joined(separator: ", "))): "
                        + "declare the load's columns in the header's order")
            }
            let job = CloudStorageLoadJobRequest(
                sourceURIs: objects.uris, format: format, destination: TableReference(dataset: table.dataset, table: table.table),
                schema: fields, writeDisposition: request.write == .truncate ? "WRITE_TRUNCATE" : "WRITE_APPEND",
                timePartitioningField: request.partitionBy, maxBadRecords: objects.maxBadRecords, encoding: encoding,
                labels: labels, jobIDPrefix: "load_\(table.dataset)_\(table.table)")
            let result = try await BigQueryFailure.translating("load \(table) from \(shownURIs)") { try await client.load(job) }
            let rowsInTable = try await rowCount(fallback: result.outputRows)
            return LoadResult(rowsLoaded: result.outputRows, rowsInTable: rowsInTable, stats: JobStats(rows: result.outputRows))
        }

        let staging = TableName(dataset: table.dataset, table: "_sluice_stage_\(table.table)_\(request.context.runID)")
        let stage = CloudStorageLoadJobRequest(
            sourceURIs: objects.uris, format: format, destination: TableReference(dataset: staging.dataset, table: staging.table),
            schema: fields, writeDisposition: "WRITE_TRUNCATE", maxBadRecords: objects.maxBadRecords, encoding: encoding,
            labels: labels, jobIDPrefix: "stage_\(table.dataset)_\(table.table)")
        do {
            let loaded = try await BigQueryFailure.translating("stage \(shownURIs) for \(table) in \(staging)") { try await client.load(stage) }
            let result = if let days = request.replacePartitions {
                try await replace(days: days, staging: staging, columns: columns)
            } else {
                try await merge(staging: staging, stagedRows: loaded.outputRows, columns: columns)
            }
            await dropQuietly(staging)
            return result
        } catch {
            await dropQuietly(staging)
            throw error
        }
    }

    private var format: CloudStorageLoadJobRequest.Format {
        objects.format == .csv ? .csv : .ndjson
    }

    private var shownURIs: String {
        objects.uris.count == 1 ? objects.uris[0] : "\(objects.uris.count) objects (\(objects.uris[0]), …)"
    }

    /// The load's columns (declared, or every source column as `string`) and the load job's schema:
    /// for CSV every header field in the header's order (undeclared ones as STRING), for NDJSON the
    /// load's columns.
    private func schema() async throws -> (columns: [Column], fields: [SchemaField]) {
        let needsHeader = objects.format == .csv || request.columns.isEmpty
        let source = needsHeader ? try await objects.sourceColumns() : []
        let columns = request.columns.isEmpty ? source.map { Column(name: $0, type: .string) } : request.columns
        guard !columns.isEmpty else {
            throw WarehouseError("cannot tell the columns of \(objects.uris[0]): declare the columns of the load into \(table) in the manifest")
        }
        guard objects.format == .csv else { return (columns, BigQuerySchema.fields(columns)) }
        if let missing = columns.first(where: { !source.contains($0.name) }) {
            throw WarehouseError(
                "the load into \(table) declares '\(missing.name)', but \(objects.uris[0]) has no such column "
                    + "(its columns: \(source.joined(separator: ", "))); add the column to the objects or remove it from the load's columns")
        }
        let declared = Dictionary(columns.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        return (columns, source.map { SchemaField(name: $0, type: BigQuerySchema.type(of: declared[$0] ?? .string)) })
    }

    /// The `MERGE` (or guarded insert) from the staging table into the target, as `BigQueryLoader` does.
    private func merge(staging: TableName, stagedRows: Int64, columns: [Column]) async throws -> LoadResult {
        let names = columns.map(\.name)
        let statement: String
        let doing: String
        switch request.write {
        case let .merge(keys):
            if let missing = keys.first(where: { !names.contains($0) }) {
                throw WarehouseError("the merge key \(missing) is not among the columns of the load into \(table) (\(names.joined(separator: ", ")))")
            }
            let newest = newestPerKey(staging: staging, keys: keys, names: names)
            statement = request.rebuild
                ? BigQueryMergeSQL.replaceAll(target: table, source: newest, columns: names)
                : BigQueryMergeSQL.statement(target: table, source: newest, keys: keys, columns: names, cursor: request.cursor)
            doing = "merge the new rows into \(table)"
        case .append where !request.rebuild && request.skipHeldRows != nil:
            let identity = request.skipHeldRows ?? .wholeRow
            let source: String = switch identity {
            case let .key(keys): newestPerKey(staging: staging, keys: keys, names: names)
            case .wholeRow: BigQueryMergeSQL.distinctRows(staging: staging, columns: names)
            }
            statement = BigQueryMergeSQL.insertUnlessHeld(target: table, source: source, identity: identity, columns: names)
            doing = "append the new rows to \(table)"
        case .append, .truncate:
            let list = names.map { CheckSQL.quote($0, .bigquery) }.joined(separator: ", ")
            statement = BigQueryMergeSQL.replaceAll(
                target: table, source: "SELECT \(list) FROM \(CheckSQL.quote(staging, .bigquery))", columns: names)
            doing = "replace the rows of \(table)"
        }
        var stats = JobStats()
        if try await BigQueryFailure.translating("read the metadata of \(table)", { try await client.table(dataset: table.dataset, table: table.table) }) == nil {
            let create = "CREATE TABLE IF NOT EXISTS \(CheckSQL.quote(table, .bigquery)) (\(BigQuerySchema.columnDefinitions(columns)))"
                + (request.partitionBy.map { BigQuerySchema.partitionClause($0, in: columns) } ?? "")
            stats = add(stats, try await run(create, doing: "create \(table)").stats)
        }
        var counts = LoadCounts()
        if stagedRows > 0 || request.rebuild {
            let (merged, dml) = try await run(statement, doing: doing)
            stats = add(stats, merged)
            let inserted = dml?.inserted ?? merged.rows ?? stagedRows
            let updated = dml?.updated ?? 0
            counts = LoadCounts(inserted: inserted, updated: updated, unchanged: max(stagedRows - inserted - updated, 0))
        }
        return LoadResult(
            rowsLoaded: counts.written, rowsInTable: try await rowCount(fallback: counts.written),
            stats: JobStats(rows: counts.written, bytesProcessed: stats.bytesProcessed, bytesBilled: stats.bytesBilled),
            counts: counts)
    }

    /// A backfill: each asked day's rows written into its partition with `WRITE_TRUNCATE` (a day
    /// without rows is emptied); for a merge the newest version of each key, and its older rows
    /// in other days removed.
    private func replace(days: [String], staging: TableName, columns: [Column]) async throws -> LoadResult {
        guard let partition = request.partitionBy else {
            throw WarehouseError("a backfill replaces days of a partitioned table, but the load into \(table) has no partition_by")
        }
        if let bad = days.first(where: { Days.parse($0) == nil }) {
            throw WarehouseError("the backfill day \(bad) is not a day (YYYY-MM-DD)")
        }
        let names = columns.map(\.name)
        let list = names.map { CheckSQL.quote($0, .bigquery) }.joined(separator: ", ")
        let keys = request.identityKeyForBackfill
        let rows = keys.isEmpty
            ? "SELECT \(list) FROM \(CheckSQL.quote(staging, .bigquery))"
            : newestPerKey(staging: staging, keys: keys, names: names)
        var stats = JobStats()
        var loaded: Int64 = 0
        for day in Set(days).sorted() {
            let decorated = table.table + "$" + day.replacingOccurrences(of: "-", with: "")
            let sql = "SELECT \(list) FROM (\n\(rows)\n) WHERE DATE(\(CheckSQL.quote(partition, .bigquery))) = DATE '\(day)'"
            let job = QueryJobRequest(
                sql: sql, destination: TableReference(dataset: table.dataset, table: decorated), writeDisposition: "WRITE_TRUNCATE",
                createDisposition: "CREATE_IF_NEEDED", timePartitioningField: partition, maximumBytesBilled: cost.maximumBytesBilled,
                labels: labels, maxRows: 0, jobIDPrefix: "load_\(table.dataset)_\(table.table)")
            let result = try await BigQueryFailure.translating("replace the \(day) partition of \(table)") { try await client.query(job) }
            loaded += result.totalRows
            stats = add(stats, JobStats(bytesProcessed: result.totalBytesProcessed, bytesBilled: result.totalBytesBilled))
        }
        if case let .merge(keys) = request.write, loaded > 0 {
            let removed = try await run(
                BigQueryMergeSQL.olderRowsOutsideDays(target: table, keys: keys, partitionColumn: partition, days: days),
                doing: "remove older rows of the backfilled keys from other days of \(table)")
            stats = add(stats, removed.stats)
        }
        return LoadResult(
            rowsLoaded: loaded, rowsInTable: try await rowCount(fallback: loaded),
            stats: JobStats(rows: loaded, bytesProcessed: stats.bytesProcessed, bytesBilled: stats.bytesBilled))
    }

    /// The staged rows, the newest of each key (by the cursor; among equals, any one: staged
    /// objects keep no reading order, so the first key column stands in for the sequence).
    private func newestPerKey(staging: TableName, keys: [String], names: [String]) -> String {
        BigQueryMergeSQL.latestPerKey(
            staging: staging, keys: keys, columns: names, sequenceColumn: keys[0], cursor: request.cursor)
    }

}

private extension LoadRequest {
    /// The columns that identify a row in a backfill: the merge key; for an append, the key of
    /// `skipHeldRows` when it names one; none otherwise (every row of the days is written).
    var identityKeyForBackfill: [String] {
        switch write {
        case let .merge(key): key
        case .append: if case let .key(keys) = skipHeldRows { keys } else { [] }
        case .truncate: []
        }
    }
}
