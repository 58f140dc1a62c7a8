import BigQueryAPI
import Foundation
import SluiceCore

/// Freshness and volume facts from BigQuery, scanning as little as possible:
/// - freshness: `tables.get` (last modification, row count: metadata, nothing billed); only when
///   the manifest names a `loaded_at` column, `SELECT MAX(column)` restricted to the last
///   `recentDays` days of the partition column when the table is partitioned (partition pruning
///   keeps the scan small), falling back to the whole table only when those days hold no value;
/// - rows per day by the table's own partition column: `INFORMATION_SCHEMA.PARTITIONS` (partition
///   metadata, billed at BigQuery's 10 MB minimum); without a column: `tables.get` `numRows` for
///   today; by another column: a grouped count.
/// Every query reports what it billed, and carries the step's labels when it is done for a step of
/// a run (`sluice_step` only outside one) and `maximumBytesBilled`. The same queries are dry-run
/// for estimates. The restriction uses a literal day from the worker's clock (UTC), not
/// `CURRENT_DATE()`, so it agrees with the clock the checks are judged by, and the query stays cacheable.
struct BigQueryTableFacts {
    let client: BigQueryClient
    let cost: CostConfig
    let clock: any WallClock

    /// How many recent days a `loaded_at` query reads of a partitioned table.
    static let recentDays = 7

    /// Existence, last modification and row count from `tables.get`; the newest `column` value when asked.
    func freshness(of table: TableName, loadedAt column: String?, context: JobContext?) async throws -> TableFreshness {
        guard let metadata = try await metadata(of: table) else { return TableFreshness(exists: false) }
        var newest: Date?
        var stats = JobStats()
        if let column {
            let base = newestValueSQL(of: column, in: table)
            if let restriction = recentRestriction(metadata) {
                newest = try await newestValue(base + restriction, table: table, column: column, context: context, stats: &stats)
            }
            if newest == nil, (metadata.numRows ?? 0) > 0 {
                newest = try await newestValue(base, table: table, column: column, context: context, stats: &stats)
            }
        }
        return TableFreshness(
            exists: true, newestLoadedAt: newest, lastModified: metadata.lastModified, rowCount: metadata.numRows, stats: stats)
    }

    /// Rows per day of `column` from `since` on, oldest first; without a column, today's (UTC) total.
    func rowsPerDay(of table: TableName, column: String?, since: String?, context: JobContext?) async throws -> DailyRowCounts {
        guard let metadata = try await metadata(of: table) else {
            throw WarehouseError("row counts of \(table) failed: the table does not exist yet in BigQuery; load or build it first")
        }
        guard let column else {
            return DailyRowCounts(days: [DayCount(day: Days.string(clock.now, in: utc), rows: metadata.numRows ?? 0)])
        }
        let purpose = "volume_\(table.dataset)_\(table.table)"
        if Self.isPartitioned(metadata, on: column) {
            let result = try await run(
                partitionsSQL(of: table, since: since), purpose: purpose, context: context,
                doing: "count the rows per partition of \(table)")
            let days = result.rows.compactMap { row -> DayCount? in
                guard row.count == 2, let id = row[0], id.count == 8, let rows = row[1].flatMap({ Int64($0) }) else { return nil }
                return DayCount(day: "\(id.prefix(4))-\(id.dropFirst(4).prefix(2))-\(id.suffix(2))", rows: rows)
            }
            return DailyRowCounts(days: days, stats: Self.stats(of: result))
        }
        let result = try await run(
            groupedCountSQL(of: table, column: column, since: since), purpose: purpose, context: context,
            doing: "count the rows per day of \(table)")
        let days = result.rows.compactMap { row -> DayCount? in
            guard row.count == 2, let day = row[0], let rows = row[1].flatMap({ Int64($0) }) else { return nil }
            return DayCount(day: day, rows: rows)
        }
        return DailyRowCounts(days: days, stats: Self.stats(of: result))
    }

    // MARK: Estimates

    /// What the freshness query for the newest `column` value would process: a dry run of the query
    /// `freshness` runs first (the recent partitions of a partitioned table).
    func estimateNewestValue(of column: String, in table: TableName) async throws -> Int64 {
        let metadata = try await existingMetadata(of: table, doing: "estimate the freshness query of")
        let sql = newestValueSQL(of: column, in: table) + (recentRestriction(metadata) ?? "")
        return try await dryRun(sql, purpose: "estimate_freshness_\(table.dataset)_\(table.table)", doing: "estimate the freshness query of \(table)")
    }

    /// What counting the rows per day of `column` would process: nothing for the partition column
    /// (`INFORMATION_SCHEMA.PARTITIONS` is metadata, billed at the minimum only), else a dry run of
    /// the grouped count.
    func estimateRowsPerDay(of column: String, in table: TableName) async throws -> Int64 {
        let metadata = try await existingMetadata(of: table, doing: "estimate the volume query of")
        if Self.isPartitioned(metadata, on: column) { return 0 }
        return try await dryRun(
            groupedCountSQL(of: table, column: column, since: nil), purpose: "estimate_volume_\(table.dataset)_\(table.table)",
            doing: "estimate the volume query of \(table)")
    }

    /// What a `MERGE` into `table` would scan of it: its logical size from `tables.get` (free); 0
    /// when it does not exist yet (the load creates it).
    func estimateMerge(into table: TableName) async throws -> Int64 {
        try await metadata(of: table)?.numBytes ?? 0
    }

    // MARK: Queries

    private func newestValueSQL(of column: String, in table: TableName) -> String {
        "SELECT MAX(\(CheckSQL.quote(column, .bigquery))) AS newest FROM \(CheckSQL.quote(table, .bigquery))"
    }

    private func partitionsSQL(of table: TableName, since: String?) -> String {
        var sql = "SELECT partition_id, total_rows FROM "
            + "`\(client.project).\(table.dataset).INFORMATION_SCHEMA.PARTITIONS`"
            + " WHERE table_name = \(CheckSQL.literal(table.table, .bigquery))"
            + " AND partition_id NOT IN ('__NULL__', '__UNPARTITIONED__')"
        if let since, Days.parse(since) != nil {
            sql += " AND partition_id >= \(CheckSQL.literal(since.replacingOccurrences(of: "-", with: ""), .bigquery))"
        }
        return sql + " ORDER BY partition_id"
    }

    private func groupedCountSQL(of table: TableName, column: String, since: String?) -> String {
        let day = "DATE(\(CheckSQL.quote(column, .bigquery)))"
        var sql = "SELECT CAST(\(day) AS STRING) AS day, COUNT(*) AS n FROM \(CheckSQL.quote(table, .bigquery))"
        if let since, Days.parse(since) != nil { sql += " WHERE \(day) >= DATE \(CheckSQL.literal(since, .bigquery))" }
        return sql + " GROUP BY day ORDER BY day"
    }

    /// True when the table is day-partitioned on `column`.
    private static func isPartitioned(_ metadata: TableMetadata, on column: String) -> Bool {
        guard let partitioning = metadata.timePartitioning, partitioning.type == "DAY" else { return false }
        return partitioning.field?.lowercased() == column.lowercased()
    }

    /// What `tables.get` says, or nil for a missing table.
    private func metadata(of table: TableName) async throws -> TableMetadata? {
        try await BigQueryFailure.translating("read the metadata of \(table)") {
            try await client.table(dataset: table.dataset, table: table.table)
        }
    }

    /// What `tables.get` says of a table that must exist; a missing one is `notFound`.
    private func existingMetadata(of table: TableName, doing: String) async throws -> TableMetadata {
        guard let metadata = try await metadata(of: table) else {
            throw WarehouseError("BigQuery could not \(doing) \(table): the table does not exist yet; it is built by the run", reason: "notFound")
        }
        return metadata
    }

    /// ` WHERE partition_column >= DATE 'day'` (or `TIMESTAMP 'day'`) for the last `recentDays`
    /// days, or nil when the table is not partitioned on a column.
    private func recentRestriction(_ metadata: TableMetadata) -> String? {
        guard let partitioning = metadata.timePartitioning, let field = partitioning.field,
              let first = Days.adding(-Self.recentDays, to: Days.string(clock.now, in: utc))
        else { return nil }
        let type = metadata.fields.first { $0.name.lowercased() == field.lowercased() }?.type ?? "DATE"
        let literal = type == "DATE" ? "DATE" : (type == "DATETIME" ? "DATETIME" : "TIMESTAMP")
        return " WHERE \(CheckSQL.quote(field, .bigquery)) >= \(literal) \(CheckSQL.literal(first, .bigquery))"
    }

    private func newestValue(
        _ sql: String, table: TableName, column: String, context: JobContext?, stats: inout JobStats
    ) async throws -> Date? {
        let result = try await run(
            sql, purpose: "freshness_\(table.dataset)_\(table.table)", context: context, doing: "read the newest \(column) of \(table)")
        let billed = Self.stats(of: result)
        stats = JobStats(bytesProcessed: stats.bytesProcessed + billed.bytesProcessed, bytesBilled: stats.bytesBilled + billed.bytesBilled)
        guard let text = result.rows.first?.first ?? nil else { return nil }
        guard let date = Self.instant(text) else {
            throw WarehouseError("freshness of \(table) failed: the newest \(column) value '\(text)' is not a date or timestamp")
        }
        return date
    }

    private func run(_ sql: String, purpose: String, context: JobContext?, doing: String) async throws -> QueryJobResult {
        let request = QueryJobRequest(
            sql: sql, maximumBytesBilled: cost.maximumBytesBilled, labels: BigQueryLabels.job(context, otherwise: purpose),
            maxRows: 10_000, jobIDPrefix: purpose)
        return try await BigQueryFailure.translating(doing) { try await client.query(request) }
    }

    private func dryRun(_ sql: String, purpose: String, doing: String) async throws -> Int64 {
        try await BigQueryFailure.translating(doing) { try await client.dryRun(sql, labels: BigQueryLabels.maintenance(purpose)) }
    }

    private static func stats(of result: QueryJobResult) -> JobStats {
        JobStats(bytesProcessed: result.totalBytesProcessed, bytesBilled: result.totalBytesBilled)
    }

    private var utc: TimeZone { TimeZone(identifier: "UTC") ?? .current }

    /// An instant from BigQuery's text of a TIMESTAMP (`YYYY-MM-DD HH:MM:SS[.ffffff]`, UTC), a
    /// DATETIME (`YYYY-MM-DDTHH:MM:SS`, read as UTC) or a DATE (midnight UTC).
    static func instant(_ text: String) -> Date? {
        let day = String(text.prefix(10))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        guard let components = Days.parse(day), let midnight = calendar.date(from: components) else { return nil }
        var seconds = midnight.timeIntervalSince1970
        let rest = text.dropFirst(10)
        if !rest.isEmpty {
            let clock = rest.dropFirst().prefix { $0.isNumber || $0 == ":" || $0 == "." }
            let parts = clock.split(separator: ":")
            guard rest.first == " " || rest.first == "T", parts.count == 3, let hour = Double(parts[0]), let minute = Double(parts[1]),
                  let second = Double(parts[2]) else { return nil }
            seconds += hour * 3600 + minute * 60 + second
        }
        return Date(timeIntervalSince1970: seconds)
    }
}
