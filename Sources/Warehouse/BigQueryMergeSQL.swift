import Foundation
import SluiceCore

/// The `MERGE` statements of merge loads and incremental models: rows of the source whose key
/// matches a target row update it, the others are inserted. Keys compare with `=`, so rows with a
/// NULL key never match and are always inserted.
enum BigQueryMergeSQL {
    /// `MERGE target T USING (source) S ON T.k = S.k … WHEN MATCHED [AND newer] THEN UPDATE SET … WHEN
    /// NOT MATCHED THEN INSERT (…) VALUES (…)`. `source` is a query or a quoted table; `columns` are
    /// the columns written (the keys among them). Without non-key columns there is nothing to update.
    /// With a `cursor` (a load's, by the load rule), a matched row is replaced only by a version whose
    /// cursor is newer, or equal and different (NULL is older than any value), so a merge never
    /// reverts a row to an older version and an identical row is not rewritten.
    static func statement(target: TableName, source: String, keys: [String], columns: [String], cursor: String? = nil) -> String {
        let on = keys.map { "T.\(quote($0)) = S.\(quote($0))" }.joined(separator: " AND ")
        let keySet = Set(keys.map { $0.lowercased() })
        let nonKey = columns.filter { !keySet.contains($0.lowercased()) }
        let updates = nonKey.map { "\(quote($0)) = S.\(quote($0))" }
        var sql = "MERGE \(CheckSQL.quote(target, .bigquery)) AS T\nUSING (\n\(source)\n) AS S\nON \(on)"
        if !updates.isEmpty {
            var condition = ""
            if let cursor {
                let t = "T.\(quote(cursor))", s = "S.\(quote(cursor))"
                let differs = "TO_JSON_STRING(STRUCT(\(nonKey.map { "T.\(quote($0))" }.joined(separator: ", ")))) "
                    + "!= TO_JSON_STRING(STRUCT(\(nonKey.map { "S.\(quote($0))" }.joined(separator: ", "))))"
                condition = " AND (\(t) IS NULL OR \(s) > \(t) OR (\(s) = \(t) AND \(differs)))"
            }
            sql += "\nWHEN MATCHED\(condition) THEN UPDATE SET \(updates.joined(separator: ", "))"
        }
        return sql + "\n" + insertClause(columns)
    }

    /// A `MERGE` that replaces the target's whole contents with `source` in one atomic statement
    /// (a full refresh): nothing matches, every source row is inserted and every old row deleted.
    static func replaceAll(target: TableName, source: String, columns: [String]) -> String {
        "MERGE \(CheckSQL.quote(target, .bigquery)) AS T\nUSING (\n\(source)\n) AS S\nON FALSE\n"
            + insertClause(columns) + "\nWHEN NOT MATCHED BY SOURCE THEN DELETE"
    }

    /// A `MERGE` that appends the rows of `source` the target does not hold yet: the same key, or
    /// the same values in every column.
    static func insertUnlessHeld(target: TableName, source: String, identity: RowIdentity, columns: [String]) -> String {
        let on: String
        switch identity {
        case let .key(keys):
            on = keys.map { "T.\(quote($0)) = S.\(quote($0))" }.joined(separator: " AND ")
        case .wholeRow:
            on = "TO_JSON_STRING(STRUCT(\(columns.map { "T.\(quote($0))" }.joined(separator: ", ")))) "
                + "= TO_JSON_STRING(STRUCT(\(columns.map { "S.\(quote($0))" }.joined(separator: ", "))))"
        }
        return "MERGE \(CheckSQL.quote(target, .bigquery)) AS T\nUSING (\n\(source)\n) AS S\nON \(on)\n" + insertClause(columns)
    }

    /// The staged rows with only the newest row of each key: the greatest `cursor` (NULL oldest),
    /// then the last staged (by `sequenceColumn`), so that a key repeated in one load behaves as in
    /// the SQLite warehouse.
    static func latestPerKey(staging: TableName, keys: [String], columns: [String], sequenceColumn: String, cursor: String? = nil) -> String {
        let list = columns.map(quote).joined(separator: ", ")
        let order = (cursor.map { "\(quote($0)) DESC NULLS LAST, " } ?? "") + "\(quote(sequenceColumn)) DESC"
        return """
            SELECT \(list) FROM (
              SELECT \(list), ROW_NUMBER() OVER (PARTITION BY \(keys.map(quote).joined(separator: ", ")) ORDER BY \(order)) AS _sluice_rank
              FROM \(CheckSQL.quote(staging, .bigquery))
            ) WHERE _sluice_rank = 1
            """
    }

    /// `DELETE` the rows outside `days` whose key also has a row inside them: after a backfill wrote
    /// each key's newest version into its day, an older row of the key elsewhere is stale.
    static func olderRowsOutsideDays(target: TableName, keys: [String], partitionColumn: String, days: [String]) -> String {
        let table = CheckSQL.quote(target, .bigquery)
        let list = Set(days).sorted().map { "DATE '\($0)'" }.joined(separator: ", ")
        let same = keys.map { "N.\(quote($0)) = O.\(quote($0))" }.joined(separator: " AND ")
        return "DELETE FROM \(table) AS O WHERE DATE(O.\(quote(partitionColumn))) NOT IN (\(list))"
            + " AND EXISTS (SELECT 1 FROM \(table) AS N WHERE DATE(N.\(quote(partitionColumn))) IN (\(list)) AND \(same))"
    }

    /// The staged rows, each distinct row once.
    static func distinctRows(staging: TableName, columns: [String]) -> String {
        "SELECT DISTINCT \(columns.map(quote).joined(separator: ", ")) FROM \(CheckSQL.quote(staging, .bigquery))"
    }

    private static func quote(_ name: String) -> String { CheckSQL.quote(name, .bigquery) }

    private static func insertClause(_ columns: [String]) -> String {
        let list = columns.map(quote).joined(separator: ", ")
        return "WHEN NOT MATCHED THEN INSERT (\(list)) VALUES (\(columns.map { "S.\(quote($0))" }.joined(separator: ", ")))"
    }

    /// Model SQL ready to be nested: surrounding whitespace and trailing semicolons dropped, as
    /// `EmbeddedSQL` does (which maps an error's position back to the SQL file). Callers put it on
    /// its own lines so a trailing `--` comment cannot swallow what follows.
    static func nested(_ sql: String) -> String {
        EmbeddedSQL.body(of: sql)
    }
}
