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
///
/// A merge into a partitioned table keeps the partition column out of the upsert's `SET`, and only
/// updates a row that stays in its day: SQLite rewrites a row's entry in every index whose column
/// is assigned, even to the value it had, so an amendment (the common case: a newer version of an
/// order, same sale date) would churn the partition index. A version that moves its key to another
/// day is written by a second statement, run only when the upsert changed nothing.
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
            let partition = movablePartition(key: key).map(SQLiteCatalog.quote)
            let assignments = updated.filter { $0 != partition }.map { "\($0) = excluded.\($0)" }
            let current = updated.joined(separator: ", ")
            let incoming = updated.map { "excluded.\($0)" }.joined(separator: ", ")
            guard !assignments.isEmpty else {
                // Every non-key column is the partition: only a move can change the row.
                return sql + " ON CONFLICT (\(target)) DO NOTHING"
            }
            sql += " ON CONFLICT (\(target)) DO UPDATE SET \(assignments.joined(separator: ", "))"
            sql += " WHERE (\(current)) IS NOT (\(incoming))"
            if let partition {
                // A version in another day is the move statement's.
                sql += " AND \(partition) IS excluded.\(partition)"
            }
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

    /// The partition column a merge's upsert leaves to the move statement: the request's
    /// `partition_by` when it is not part of the key (a key column never changes in an update).
    func movablePartition(key: [String]) -> String? {
        guard let column = request.partitionBy, !key.contains(column),
              request.columns.contains(where: { $0.name == column }) else { return nil }
        return column
    }

    /// For an upsert whose partition column is movable: the `UPDATE` that writes a newer-or-equal
    /// version of a key held in another day, parameters numbered by column position like the
    /// upsert's values. Nil when there is nothing to move.
    func moveSQL(_ statement: Statement) -> String? {
        guard case let .upsert(key, cursor) = statement, let partition = movablePartition(key: key) else { return nil }
        let names = request.columns.map(\.name)
        func parameter(_ name: String) -> String { "?\((names.firstIndex(of: name) ?? 0) + 1)" }
        let assignments = Self.nonKeyColumns(names, key: key)
            .map { "\(SQLiteCatalog.quote($0)) = \(parameter($0))" }.joined(separator: ", ")
        var conditions = key.map { "\(SQLiteCatalog.quote($0)) = \(parameter($0))" }
        conditions.append("\(SQLiteCatalog.quote(partition)) IS NOT \(parameter(partition))")
        if let cursor {
            let column = SQLiteCatalog.quote(cursor)
            conditions.append("(\(column) IS NULL OR \(parameter(cursor)) >= \(column))")
        }
        return "UPDATE \(SQLiteCatalog.qualified(request.table)) SET \(assignments) WHERE \(conditions.joined(separator: " AND "))"
    }

    /// Writes every row of the stream with `statement`, binding each row's fields in place.
    func write(_ source: any RowSource, with statement: Statement, db: Database) throws -> Written {
        let rows = LentRows.lending(source)
        let prepared = try db.makeStatement(sql: sql(statement))
        let handle = prepared.sqliteStatement
        let move = try moveSQL(statement).map { try db.makeStatement(sql: $0) }
        let moveHandle = move?.sqliteStatement
        let connection = db.sqliteConnection
        defer {
            // No binding may outlive the row whose bytes it points into.
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
            if let moveHandle {
                sqlite3_reset(moveHandle)
                sqlite3_clear_bindings(moveHandle)
            }
        }
        let width = request.columns.count
        let partitionIndex = request.partitionBy.flatMap { column in request.columns.firstIndex { $0.name == column } }
        let keptDays = request.replacePartitions.map(Set.init)
        var written = Written()
        var rowNumber = 0
        while try rows.advanceRow() {
            let row = rows.fields
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
            let changed = try step(row, number: rowNumber, handle, move: moveHandle, connection, written: &written)
            written.changed += changed
        }
        return written
    }

    /// Writes one row and returns how many rows it changed (0 or 1), counting an insert in `written`.
    private func step(
        _ row: UnsafeBufferPointer<FieldValue>, number: Int, _ handle: OpaquePointer, move: OpaquePointer?,
        _ connection: OpaquePointer?, written: inout Written
    ) throws -> Int64 {
        // An insert sets the connection's last rowid; an upsert's update leaves it: so each row
        // says which it was, without counting the table.
        sqlite3_set_last_insert_rowid(connection, 0)
        try check(Self.bindAndStep(row, handle), row: number, connection)
        sqlite3_reset(handle)
        let changes = Int64(sqlite3_changes(connection))
        if changes > 0, sqlite3_last_insert_rowid(connection) != 0 {
            written.inserted += 1
            return changes
        }
        guard changes == 0, let move else { return changes }
        // Unchanged, older, or held in another day: the move writes only the last.
        try check(Self.bindAndStep(row, move), row: number, connection)
        sqlite3_reset(move)
        return Int64(sqlite3_changes(connection))
    }

    /// Throws the connection's error for row `number` unless the step was done.
    private func check(_ code: Int32, row number: Int, _ connection: OpaquePointer?) throws {
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(connection))
            throw WarehouseError("load into \(request.table) failed at row \(number): \(message)")
        }
    }

    /// The columns a merge updates: every one outside the key.
    static func nonKeyColumns(_ columns: [String], key: [String]) -> [String] {
        let keys = Set(key)
        return columns.filter { !keys.contains($0) }
    }

    /// True when the value's day (its first ten characters) is one of `days`.
    private static func isInside(_ field: FieldValue, days: Set<String>) -> Bool {
        guard let text = field.text else { return false }
        return days.contains(String(decoding: UnsafeBufferPointer(rebasing: text.prefix(10)), as: UTF8.self))
    }

    /// Binds the row's fields and steps the statement. SQLite reads the text in place
    /// (`SQLITE_STATIC`): the fields' bytes stay valid until the row source's next row.
    private static func bindAndStep(_ row: UnsafeBufferPointer<FieldValue>, _ handle: OpaquePointer) -> Int32 {
        for index in row.indices {
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
            case let .string(bytes), let .date(bytes), let .timestamp(bytes):
                if let base = bytes.baseAddress {
                    let characters = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
                    sqlite3_bind_text(handle, parameter, characters, Int32(bytes.count), nil)
                } else {
                    sqlite3_bind_text(handle, parameter, "", 0, transient)
                }
            }
        }
        return sqlite3_step(handle)
    }

    /// `SQLITE_TRANSIENT`: SQLite copies the bytes before the call returns.
    private static var transient: sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }
}
