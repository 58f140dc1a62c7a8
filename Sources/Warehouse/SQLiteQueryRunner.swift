import Foundation
import GRDB
import GRDBSQLite

/// Runs a read-only query on a reader connection: keeps the first `limit` rows as text and steps
/// through the rest only to count them, so a huge result costs no memory.
enum SQLiteQueryRunner {
    /// Runs `sql` and returns its columns, at most `limit` rows, and the total row count.
    static func run(_ sql: String, limit: Int, _ db: Database) throws -> QueryResult {
        let text = SQLiteModelBuilder.trimmed(sql)
        guard !text.isEmpty else { throw WarehouseError("the query is empty; write a select statement") }
        return try SQLiteFailure.translating("query") {
            let statement = try db.makeStatement(sql: text)
            guard statement.isReadonly else {
                throw WarehouseError("query failed: only read-only statements (select) can run here")
            }
            let handle = statement.sqliteStatement
            defer { sqlite3_reset(handle) }
            let width = Int32(statement.columnCount)
            var rows: [[String?]] = []
            var total: Int64 = 0
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw WarehouseError("query failed: \(String(cString: sqlite3_errmsg(db.sqliteConnection)))")
                }
                if total < limit {
                    rows.append((0..<width).map { column in
                        sqlite3_column_text(handle, column).map { String(cString: $0) }
                    })
                }
                total += 1
            }
            return QueryResult(columns: statement.columnNames, rows: rows, totalRows: total)
        }
    }
}
