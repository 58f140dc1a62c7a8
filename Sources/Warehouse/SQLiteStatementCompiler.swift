import GRDB
import GRDBSQLite
import SluiceCore

/// Compiles statements on a connection of the SQLite warehouse without running them.
enum SQLiteStatementCompiler {
    /// Prepares the first statement of `sql` and finalizes it unrun. When SQLite refuses it: its
    /// message and the byte offset of the error in `sql` (`sqlite3_error_offset`), when it knows one.
    static func compile(_ sql: String, _ db: Database) -> SQLCompileProblem? {
        let connection = db.sqliteConnection
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        guard code != SQLITE_OK else { return nil }
        let message = String(cString: sqlite3_errmsg(connection))
        let offset = sqlite3_error_offset(connection)
        return SQLCompileProblem(message: message, position: offset >= 0 ? .utf8Offset(Int(offset)) : nil)
    }
}
