import Foundation
import GRDB
import GRDBSQLite
import SluiceCore

/// Writes a stream of rows into one table through one prepared statement whose parameters are
/// bound directly with the SQLite C API for each row (text in place, without a copy), so nothing is
/// allocated per row and memory stays flat however many rows the source streams.
///
/// The statement is one of: a plain insert; a merge's upsert, which replaces a row only with a
/// version whose cursor is newer or equal and which differs (an unchanged row is not rewritten);
/// or an append's insert that skips a row the table already holds (by key or as a whole row).
struct SQLiteRowWriter {
    /// How rows are written.
    enum Statement {
        /// `INSERT`.
        case insert
        /// `INSERT … ON CONFLICT (key) DO UPDATE … WHERE newer or equal, and different`.
        case upsert(key: [String], cursor: String?)
        /// `INSERT … SELECT … WHERE NOT EXISTS (the same row)`.
        case insertUnlessHeld(RowIdentity)
    }

    /// What was written.
    struct Written {
        /// Rows the statements inserted or updated.
        var changed: Int64 = 0
        /// Of those, the rows inserted (the rest were updates of an existing key).
        var inserted: Int64 = 0
        /// Rows that reached the statement (inside the replaced days, when replacing).
        var offered: Int64 = 0
        /// Rows skipped for lying outside the days being replaced.
        var outsideDays: Int64 = 0
    }

    /// The load.
    let request: LoadRequest

    /// Rows between two checks for task cancellation.
    private static let cancellationStride = 10_000

    /// The SQL of `statement` for the request's table and columns.
    func sql(_ statement: Statement) -> String {
        let names = request.columns.map { SQLiteCatalog.quote($0.name) }
        let list = names.joined(separator: ", ")
        let table = SQLiteCatalog.qualified(request.table)
        switch statement {
        case .insert:
            return "INSERT INTO \(table) (\(list)) VALUES (\(Array(repeating: "?", count: names.count).joined(separator: ", ")))"
        case let .upsert(key, cursor):
            let values = Array(repeating: "?", count: names.count).joined(separator: ", ")
            var sql = "INSERT INTO \(table) (\(list)) VALUES (\(values))"
            let target = key.map(SQLiteCatalog.quote).joined(separator: ", ")
            let updated = Self.nonKeyColumns(request.columns.map(\.name), key: key).map(SQLiteCatalog.quote)
            guard !updated.isEmpty else { return sql + " ON CONFLICT (\(target)) DO NOTHING" }
            let assignments = updated.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
            let current = updated.joined(separator: ", ")
            let incoming = updated.map { "excluded.\($0)" }.joined(separator: ", ")
            sql += " ON CONFLICT (\(target)) DO UPDATE SET \(assignments) WHERE (\(current)) IS NOT (\(incoming))"
            if let cursor {
                // The load rule: never replace a row with an older version of its key.
                let column = SQLiteCatalog.quote(cursor)
                sql += " AND (\(column) IS NULL OR excluded.\(column) >= \(column))"
            }
            return sql
        case let .insertUnlessHeld(identity):
            let marks = (1...names.count).map { "?\($0)" }.joined(separator: ", ")
            let compared: [Int] = switch identity {
            case .wholeRow: Array(request.columns.indices)
            case let .key(key): key.compactMap { name in request.columns.firstIndex { $0.name == name } }
            }
            let same = compared.map { "\(names[$0]) IS ?\($0 + 1)" }.joined(separator: " AND ")
            return "INSERT INTO \(table) (\(list)) SELECT \(marks) WHERE NOT EXISTS (SELECT 1 FROM \(table) WHERE \(same))"
        }
    }

    /// Writes every row of the stream with `statement`.
    func write(_ rows: any RowSource, with statement: Statement, db: Database) throws -> Written {
        let prepared = try db.makeStatement(sql: sql(statement))
        let handle = prepared.sqliteStatement
        let connection = db.sqliteConnection
        defer { sqlite3_reset(handle) }
        let width = request.columns.count
        let partitionIndex = request.partitionBy.flatMap { column in request.columns.firstIndex { $0.name == column } }
        let keptDays = request.replacePartitions.map(Set.init)
        var written = Written()
        var rowNumber = 0
        while let row = try rows.nextRow() {
            rowNumber += 1
            if rowNumber % Self.cancellationStride == 0, Task.isCancelled { throw CancellationError() }
            guard row.count == width else {
                throw WarehouseError(
                    "load into \(request.table) failed at row \(rowNumber): it has \(row.count) values, "
                        + "but the load declares \(width) columns")
            }
            if let keptDays, let partitionIndex, !Self.isInside(row[partitionIndex], days: keptDays) {
                written.outsideDays += 1
                continue
            }
            written.offered += 1
            // An insert sets the connection's last rowid; an upsert's update leaves it: so each row
            // says which it was, without counting the table.
            sqlite3_set_last_insert_rowid(connection, 0)
            let code = Self.bindAndStep(row, from: 0, handle)
            guard code == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(connection))
                throw WarehouseError("load into \(request.table) failed at row \(rowNumber): \(message)")
            }
            sqlite3_reset(handle)
            let changes = Int64(sqlite3_changes(connection))
            written.changed += changes
            if changes > 0, sqlite3_last_insert_rowid(connection) != 0 { written.inserted += 1 }
        }
        return written
    }

    /// The columns a merge updates: every one outside the key.
    static func nonKeyColumns(_ columns: [String], key: [String]) -> [String] {
        let keys = Set(key)
        return columns.filter { !keys.contains($0) }
    }

    /// True when the value's day (its first ten characters) is one of `days`.
    private static func isInside(_ value: Value, days: Set<String>) -> Bool {
        switch value {
        case let .date(text), let .timestamp(text), let .string(text): days.contains(String(text.prefix(10)))
        case .null, .integer, .float, .boolean: false
        }
    }

    /// Binds the row's values from `start` on, then steps the statement, all while the UTF-8 bytes
    /// of its text values are pinned: SQLite reads them in place (`SQLITE_STATIC`) instead of
    /// copying each one, and the bindings are cleared before the bytes are released.
    private static func bindAndStep(_ row: [Value], from start: Int, _ handle: OpaquePointer) -> Int32 {
        var index = start
        while index < row.count {
            let parameter = Int32(index + 1)
            switch row[index] {
            case .null:
                sqlite3_bind_null(handle, parameter)
            case let .integer(number):
                sqlite3_bind_int64(handle, parameter, number)
            case let .float(number):
                sqlite3_bind_double(handle, parameter, number)
            case let .boolean(flag):
                sqlite3_bind_int64(handle, parameter, flag ? 1 : 0)
            case let .string(text), let .date(text), let .timestamp(text):
                var text = text
                let next = index + 1
                return text.withUTF8 { bytes in
                    if let base = bytes.baseAddress {
                        let characters = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
                        sqlite3_bind_text(handle, parameter, characters, Int32(bytes.count), nil)
                    } else {
                        sqlite3_bind_text(handle, parameter, "", 0, transient)
                    }
                    return bindAndStep(row, from: next, handle)
                }
            }
            index += 1
        }
        let code = sqlite3_step(handle)
        sqlite3_clear_bindings(handle)
        return code
    }

    /// `SQLITE_TRANSIENT`: SQLite copies the bytes before the call returns.
    private static var transient: sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }
}
