import Foundation
import GRDB
import SluiceCore

/// Facts about tables of the SQLite warehouse for checks and cost previews: freshness, rows per
/// day, and an estimate of the bytes BigQuery would scan for a job.
enum SQLiteTableStats {
    /// Rows sampled per table by `estimatedBytes`.
    static let sampleRows = 10_000

    /// Existence, metadata (last write, row count) and the newest value of `loadedAt`.
    static func freshness(of table: TableName, loadedAt column: String?, _ db: Database) throws -> TableFreshness {
        try SQLiteFailure.translating("freshness of \(table)") {
            guard try SQLiteCatalog.objectType(of: table, db) != nil else { return TableFreshness(exists: false) }
            let metadata = try SQLiteCatalog.metadata(of: table, db)
            let rowCount = try metadata?.rowCount ?? SQLiteCatalog.rowCount(of: table, db)
            let newest = try column.flatMap { try newestValue(of: $0, in: table, db) }
            return TableFreshness(exists: true, newestLoadedAt: newest, lastModified: metadata?.lastModified, rowCount: rowCount)
        }
    }

    /// The newest value of a timestamp column as an instant: text as `YYYY-MM-DD HH:MM:SS`,
    /// ISO-8601 (with `T`, fractions, `Z` or an offset) or `YYYY-MM-DD`; numbers as Unix seconds.
    private static func newestValue(of column: String, in table: TableName, _ db: Database) throws -> Date? {
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT typeof(m) AS kind, m AS value, (julianday(m) - 2440587.5) * 86400.0 AS seconds
                FROM (SELECT max(\(SQLiteCatalog.quote(column))) AS m FROM \(SQLiteCatalog.qualified(table)))
                """)
        guard let row else { return nil }
        switch row["kind"] as String? {
        case "integer", "real":
            return (row["value"] as Double?).map { Date(timeIntervalSince1970: $0) }
        case "text":
            if let seconds = row["seconds"] as Double? { return SQLiteCatalog.date(unixSeconds: seconds) }
            let text = (row["value"] as String?) ?? ""
            throw WarehouseError(
                "freshness of \(table) failed: the newest \(column) value '\(text)' is not a timestamp "
                    + "(expected YYYY-MM-DD HH:MM:SS, ISO-8601 or YYYY-MM-DD)")
        default:
            return nil
        }
    }

    /// Rows per day of `column` from `since` on, oldest first; without a column, one entry for
    /// today (UTC) with the table's total row count.
    static func rowsPerDay(
        of table: TableName, column: String?, since: String?, today: Date, _ db: Database
    ) throws -> [DayCount] {
        try SQLiteFailure.translating("row counts of \(table)") {
            guard try SQLiteCatalog.objectType(of: table, db) != nil else {
                throw WarehouseError("row counts of \(table) failed: the table does not exist yet; load or build it first")
            }
            guard let column else {
                let row = try Row.fetchOne(
                    db, sql: "SELECT date(?, 'unixepoch') AS day, count(*) AS n FROM \(SQLiteCatalog.qualified(table))",
                    arguments: [today.timeIntervalSince1970])
                guard let row, let day = row["day"] as String?, let rows = row["n"] as Int64? else { return [] }
                return [DayCount(day: day, rows: rows)]
            }
            let day = "date(\(SQLiteCatalog.quote(column)))"
            var sql = "SELECT \(day) AS day, count(*) AS n FROM \(SQLiteCatalog.qualified(table)) WHERE \(day) IS NOT NULL"
            var arguments = StatementArguments()
            if let since {
                sql += " AND \(day) >= ?"
                arguments += [since]
            }
            sql += " GROUP BY 1 ORDER BY 1"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
                guard let day = row["day"] as String?, let rows = row["n"] as Int64? else { return nil }
                return DayCount(day: day, rows: rows)
            }
        }
    }

    /// Bytes BigQuery would scan for a planned job, estimated the way BigQuery counts logical bytes:
    /// 8 per integer or float, 2 plus the UTF-8 length per string, the length of a blob, nothing for
    /// NULL. A model or a check's query reads its input tables in full, a freshness or volume check
    /// the one column it reads, a merge its target table. The average row size is measured on the
    /// first `sampleRows` rows of each table and multiplied by its row count. Tables that do not
    /// exist yet (built by the same run) count as zero.
    static func estimatedBytes(of query: PlannedQuery, _ db: Database) throws -> Int64 {
        let reads: [(table: TableName, columns: [String]?)] = switch query {
        case let .model(model): Set(model.dependencies).sorted().map { ($0, nil) }
        case let .failingRows(_, tables): Set(tables).sorted().map { ($0, nil) }
        case let .newestValue(table, column), let .rowsPerDay(table, column): [(table, [column])]
        case let .merge(table): [(table, nil)]
        }
        return try SQLiteFailure.translating("cost estimate") {
            var total: Int64 = 0
            for read in reads {
                guard try SQLiteCatalog.objectType(of: read.table, db) != nil else { continue }
                total += try estimatedBytes(of: read.table, columns: read.columns, db)
            }
            return total
        }
    }

    /// The estimated logical bytes of `columns` of a table (every column when nil).
    private static func estimatedBytes(of table: TableName, columns wanted: [String]?, _ db: Database) throws -> Int64 {
        let rowCount = try SQLiteCatalog.rowCount(of: table, db)
        let all = try SQLiteCatalog.columns(of: table, db)
        let columns = wanted.map { names in all.filter { column in names.contains { $0.lowercased() == column.lowercased() } } } ?? all
        guard rowCount > 0, !columns.isEmpty else { return 0 }
        let sizes = columns.map { name in
            let column = SQLiteCatalog.quote(name)
            return """
                CASE typeof(\(column)) WHEN 'null' THEN 0 WHEN 'integer' THEN 8 WHEN 'real' THEN 8 \
                WHEN 'text' THEN 2 + length(CAST(\(column) AS BLOB)) ELSE length(\(column)) END
                """
        }
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT sum(\(sizes.joined(separator: " + "))) AS bytes, count(*) AS n
                FROM (SELECT * FROM \(SQLiteCatalog.qualified(table)) LIMIT \(sampleRows))
                """)
        guard let row, let bytes = row["bytes"] as Int64?, let sampled = row["n"] as Int64?, sampled > 0 else {
            return 0
        }
        return Int64((Double(bytes) / Double(sampled) * Double(rowCount)).rounded())
    }
}
