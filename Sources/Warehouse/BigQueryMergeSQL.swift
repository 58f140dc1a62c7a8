import Foundation
import SluiceCore

/// The `MERGE` statements of merge loads and incremental models: rows of the source whose key
/// matches a target row update it, the others are inserted. Keys compare with `=`, so rows with a
/// NULL key never match and are always inserted.
enum BigQueryMergeSQL {
    /// `MERGE target T USING (source) S ON T.k = S.k … WHEN MATCHED THEN UPDATE SET … WHEN NOT
    /// MATCHED THEN INSERT (…) VALUES (…)`. `source` is a query or a quoted table; `columns` are
    /// the columns written (the keys among them). Without non-key columns there is nothing to update.
    static func statement(target: TableName, source: String, keys: [String], columns: [String]) -> String {
        let quote = { (name: String) in CheckSQL.quote(name, .bigquery) }
        let on = keys.map { "T.\(quote($0)) = S.\(quote($0))" }.joined(separator: " AND ")
        let keySet = Set(keys.map { $0.lowercased() })
        let updates = columns.filter { !keySet.contains($0.lowercased()) }.map { "\(quote($0)) = S.\(quote($0))" }
        var sql = "MERGE \(CheckSQL.quote(target, .bigquery)) AS T\nUSING (\n\(source)\n) AS S\nON \(on)"
        if !updates.isEmpty {
            sql += "\nWHEN MATCHED THEN UPDATE SET \(updates.joined(separator: ", "))"
        }
        let list = columns.map(quote).joined(separator: ", ")
        sql += "\nWHEN NOT MATCHED THEN INSERT (\(list)) VALUES (\(columns.map { "S.\(quote($0))" }.joined(separator: ", ")))"
        return sql
    }

    /// The staged rows with only the last row of each key (by `sequenceColumn`), so that a key
    /// repeated in one load behaves as in the SQLite warehouse: the later row wins.
    static func latestPerKey(staging: TableName, keys: [String], columns: [String], sequenceColumn: String) -> String {
        let quote = { (name: String) in CheckSQL.quote(name, .bigquery) }
        let list = columns.map(quote).joined(separator: ", ")
        return """
            SELECT \(list) FROM (
              SELECT \(list), ROW_NUMBER() OVER (PARTITION BY \(keys.map(quote).joined(separator: ", ")) ORDER BY \(quote(sequenceColumn)) DESC) AS _sluice_rank
              FROM \(CheckSQL.quote(staging, .bigquery))
            ) WHERE _sluice_rank = 1
            """
    }

    /// Model SQL ready to be nested: surrounding whitespace and trailing semicolons dropped, as
    /// `EmbeddedSQL` does (which maps an error's position back to the SQL file). Callers put it on
    /// its own lines so a trailing `--` comment cannot swallow what follows.
    static func nested(_ sql: String) -> String {
        EmbeddedSQL.body(of: sql)
    }
}
