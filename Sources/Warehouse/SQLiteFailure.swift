import Foundation
import GRDB

/// Turns errors from SQLite into `WarehouseError`s in the user's terms: what was being done, and
/// SQLite's own message (`no such column: order_idx`) without GRDB's internal detail.
enum SQLiteFailure {
    /// Runs `body`; a database error becomes a `WarehouseError` that starts with `doing` and ends
    /// with `suffix` (for example the model's SQL file). Other errors pass through unchanged.
    static func translating<T>(_ doing: String, suffix: String = "", _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw warehouseError(doing, error, suffix: suffix)
        }
    }

    /// Async variant of `translating`.
    static func translating<T>(
        _ doing: String, suffix: String = "", _ body: () async throws -> T
    ) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            throw warehouseError(doing, error, suffix: suffix)
        }
    }

    /// `<doing> failed: <SQLite message><suffix>`, with a hint for the errors people can fix.
    static func warehouseError(_ doing: String, _ error: DatabaseError, suffix: String = "") -> WarehouseError {
        let message = error.message ?? "SQLite error \(error.resultCode.rawValue)"
        return WarehouseError("\(doing) failed: \(message)\(suffix)\(hint(for: error))")
    }

    private static func hint(for error: DatabaseError) -> String {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            "; another process is holding the warehouse files, wait for it to finish and try again"
        case .SQLITE_FULL:
            "; free some disk space and run again"
        case .SQLITE_READONLY:
            "; the warehouse files must be writable, check the permissions of the warehouse folder"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            "; the dataset file is damaged, delete it and run the pipeline again to rebuild it"
        default:
            ""
        }
    }
}
