import Foundation
import GRDBSQLite

/// Streams the rows of a read-only query on a SQLite database file with the SQLite C API, one row in
/// memory at a time. Values are read as text; NULL stays null.
final class SQLiteRecordReader: RecordReader {
    /// The query's result column names.
    let sourceColumns: [String]
    private let connection: OpaquePointer
    private let statement: OpaquePointer
    private let displayPath: String
    private var positions: [Int32] = []
    private var row = 0

    /// `file: row N` of the current row.
    var location: String { "\(displayPath): row \(row)" }

    /// Opens the database read-only and prepares `query`; throws `missingFile` or `unreadable`.
    init(path: String, displayPath: String, query: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ExtractError(.missingFile, "\(displayPath) does not exist; check the source's path in the manifest")
        }
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil) == SQLITE_OK, let handle else {
            let reason = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw ExtractError(.unreadable, "cannot open SQLite database \(displayPath): \(reason)")
        }
        sqlite3_busy_timeout(handle, 5000)
        var prepared: OpaquePointer?
        guard sqlite3_prepare_v2(handle, query, -1, &prepared, nil) == SQLITE_OK, let prepared else {
            let reason = String(cString: sqlite3_errmsg(handle))
            sqlite3_close(handle)
            throw ExtractError(.unreadable, "the query on \(displayPath) failed: \(reason) (query: \(query))")
        }
        guard sqlite3_stmt_readonly(prepared) != 0 else {
            sqlite3_finalize(prepared)
            sqlite3_close(handle)
            throw ExtractError(.unreadable, "the query on \(displayPath) would change the database; a source query must only read (query: \(query))")
        }
        connection = handle
        statement = prepared
        self.displayPath = displayPath
        sourceColumns = (0..<sqlite3_column_count(prepared)).map { index in
            sqlite3_column_name(prepared, index).map { String(cString: $0) } ?? "column\(index + 1)"
        }
    }

    deinit {
        sqlite3_finalize(statement)
        sqlite3_close(connection)
    }

    /// Binds names to result columns; returns the names the query does not return.
    func bind(_ names: [String]) -> [String] {
        var missing: [String] = []
        positions = names.map { name in
            guard let k = sourceColumns.firstIndex(of: name) else {
                missing.append(name)
                return 0
            }
            return Int32(k)
        }
        return missing
    }

    /// Steps the query; throws `unreadable` when SQLite reports an error.
    func advance() throws -> RecordStatus {
        switch sqlite3_step(statement) {
        case SQLITE_ROW:
            row += 1
            return .record
        case SQLITE_DONE:
            return .end
        default:
            throw ExtractError(
                .unreadable, "reading \(displayPath) failed after row \(row): \(String(cString: sqlite3_errmsg(connection)))")
        }
    }

    /// SQLite keeps a column's text until the statement steps again.
    var fieldsLastUntilAdvance: Bool { true }

    /// The text of bound column `index` of the current row, or nil for NULL.
    func field(_ index: Int) -> UnsafeBufferPointer<UInt8>? {
        let column = positions[index]
        guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
        // `column_text` before `column_bytes`: the byte count is of the text conversion.
        guard let text = sqlite3_column_text(statement, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column)))
    }
}
