import Foundation
import GRDB
import GRDBSQLite
import SluiceCore

/// Loads a stream of rows into one table of the SQLite warehouse, in one write transaction: any
/// error, including one thrown by the row source, rolls back the table, its schema changes and
/// the metadata together.
///
/// Rows are inserted through one prepared statement whose parameters are bound directly with the
/// SQLite C API for each row (text in place, without a copy), so nothing is allocated per row and
/// memory stays flat however many rows the source streams. A load into an empty table (new or
/// truncated) builds its key and partition indexes after the insert, in one sorted pass.
struct SQLiteBulkLoader {
    /// What to load.
    let request: LoadRequest

    /// Rows between two checks for task cancellation.
    private static let cancellationStride = 10_000

    /// Runs the load on the pool's writer connection, blocking the calling thread until it
    /// commits or rolls back (the row source is a synchronous pull stream).
    func load(rows: any RowSource, into pool: DatabasePool, at date: Date) throws -> LoadResult {
        try validate()
        var result = LoadResult(rowsLoaded: 0, rowsInTable: 0)
        try SQLiteFailure.translating("load into \(request.table)") {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    result = try load(rows: rows, db: db, at: date)
                    return .commit
                }
            }
        }
        return result
    }

    private func load(rows: any RowSource, db: Database, at date: Date) throws -> LoadResult {
        let table = request.table
        try prepareTable(db)
        if let days = request.replacePartitions, let column = request.partitionBy {
            if !days.isEmpty {
                let marks = Array(repeating: "?", count: days.count).joined(separator: ", ")
                try db.execute(
                    sql: "DELETE FROM \(SQLiteCatalog.qualified(table)) WHERE date(\(SQLiteCatalog.quote(column))) IN (\(marks))",
                    arguments: StatementArguments(days))
            }
        } else if request.write == .truncate {
            try db.execute(sql: "DELETE FROM \(SQLiteCatalog.qualified(table))")
        }
        let empty = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM \(SQLiteCatalog.qualified(table)))") ?? false
        let written = empty ? try loadIntoEmptyTable(rows, db: db) : try loadIntoExistingRows(rows, db: db)
        let count = try SQLiteCatalog.rowCount(of: table, db)
        try SQLiteCatalog.recordWrite(table, rows: count, at: date, db)
        return LoadResult(rowsLoaded: written.loaded, rowsInTable: count, rowsOutsidePartitions: written.skipped)
    }

    /// Creates the table from the declared columns when missing, or adds the declared columns it lacks.
    private func prepareTable(_ db: Database) throws {
        let table = request.table
        let declared = request.columns.map { (name: $0.name, type: Self.sqliteType(of: $0.type)) }
        switch try SQLiteCatalog.objectType(of: table, db) {
        case "view":
            throw WarehouseError("\(table) is a view, and a load needs a table; load into another table or drop the view")
        case "table":
            try SQLiteCatalog.addMissingColumns(table, columns: declared, db)
        default:
            let list = declared.map { "\(SQLiteCatalog.quote($0.name)) \($0.type)" }.joined(separator: ", ")
            try db.execute(sql: "CREATE TABLE \(SQLiteCatalog.qualified(table)) (\(list))")
        }
    }

    /// The table already has rows: its key and partition indexes must exist before the rows are
    /// upserted or appended.
    private func loadIntoExistingRows(_ rows: any RowSource, db: Database) throws -> (loaded: Int64, skipped: Int64) {
        if case let .merge(key) = request.write {
            try SQLiteCatalog.ensureUniqueKey(request.table, columns: key, db)
        }
        if let column = request.partitionBy {
            try SQLiteCatalog.ensurePartitionIndex(request.table, column: column, db)
        }
        return try insert(rows, upsert: true, db: db)
    }

    /// The table is empty (new, truncated, or emptied): the rows are inserted without the key and
    /// partition indexes, which are built afterwards in one sorted pass, much faster than updating
    /// them row by row. For a merge, keys repeated within the stream are then resolved as an
    /// upsert would: the last row of a key wins (or the first, when every column is in the key),
    /// and the key counts once in `rowsLoaded`.
    private func loadIntoEmptyTable(_ rows: any RowSource, db: Database) throws -> (loaded: Int64, skipped: Int64) {
        let table = request.table
        let keyIndex = TableName(dataset: table.dataset, table: table.table + "__key")
        if case .merge = request.write {
            try db.execute(sql: "DROP INDEX IF EXISTS \(SQLiteCatalog.qualified(keyIndex))")
        }
        if request.partitionBy != nil {
            let partitionIndex = TableName(dataset: table.dataset, table: table.table + "__partition")
            try db.execute(sql: "DROP INDEX IF EXISTS \(SQLiteCatalog.qualified(partitionIndex))")
        }
        var written = try insert(rows, upsert: false, db: db)
        if case let .merge(key) = request.write {
            let list = key.map(SQLiteCatalog.quote).joined(separator: ", ")
            let create = "CREATE UNIQUE INDEX \(SQLiteCatalog.qualified(keyIndex)) ON \(SQLiteCatalog.quote(table.table)) (\(list))"
            do {
                try db.execute(sql: create)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                let keepsFirst = updatedColumns(key: key).isEmpty
                let notNull = key.map { "\(SQLiteCatalog.quote($0)) IS NOT NULL" }.joined(separator: " AND ")
                try db.execute(sql: """
                    DELETE FROM \(SQLiteCatalog.qualified(table)) WHERE \(notNull) AND rowid NOT IN (
                        SELECT \(keepsFirst ? "min" : "max")(rowid) FROM \(SQLiteCatalog.qualified(table))
                        WHERE \(notNull) GROUP BY \(list))
                    """)
                // A key repeated within the load counts once.
                written.loaded -= Int64(db.changesCount)
                try db.execute(sql: create)
            }
        }
        if let column = request.partitionBy {
            try SQLiteCatalog.ensurePartitionIndex(table, column: column, db)
        }
        return written
    }

    /// Inserts (or upserts) every row of the stream; returns rows written and rows skipped for
    /// lying outside the partitions being replaced.
    private func insert(_ rows: any RowSource, upsert: Bool, db: Database) throws -> (loaded: Int64, skipped: Int64) {
        let statement = try db.makeStatement(sql: insertSQL(upsert: upsert))
        let handle = statement.sqliteStatement
        let connection = db.sqliteConnection
        defer { sqlite3_reset(handle) }
        let width = request.columns.count
        let partitionIndex = request.partitionBy.flatMap { column in request.columns.firstIndex { $0.name == column } }
        let keptDays = request.replacePartitions.map(Set.init)
        var loaded: Int64 = 0
        var skipped: Int64 = 0
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
                skipped += 1
                continue
            }
            let code = Self.bindAndStep(row, from: 0, handle)
            guard code == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(connection))
                throw WarehouseError("load into \(request.table) failed at row \(rowNumber): \(message)")
            }
            sqlite3_reset(handle)
            loaded += Int64(sqlite3_changes(connection))
        }
        return (loaded, skipped)
    }

    /// `INSERT INTO t (…) VALUES (?, …)`; for an upserting merge, `ON CONFLICT (key) DO UPDATE`
    /// the other columns, only when one of them differs: an unchanged row is not rewritten (and
    /// not counted as loaded), which makes re-merging the same data cheap.
    private func insertSQL(upsert: Bool) -> String {
        let names = request.columns.map { SQLiteCatalog.quote($0.name) }
        let marks = Array(repeating: "?", count: names.count).joined(separator: ", ")
        var sql = "INSERT INTO \(SQLiteCatalog.qualified(request.table)) (\(names.joined(separator: ", "))) VALUES (\(marks))"
        if upsert, case let .merge(key) = request.write {
            let target = key.map(SQLiteCatalog.quote).joined(separator: ", ")
            let updated = updatedColumns(key: key).map(SQLiteCatalog.quote)
            if updated.isEmpty {
                sql += " ON CONFLICT (\(target)) DO NOTHING"
            } else {
                let assignments = updated.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
                let current = updated.joined(separator: ", ")
                let incoming = updated.map { "excluded.\($0)" }.joined(separator: ", ")
                sql += " ON CONFLICT (\(target)) DO UPDATE SET \(assignments) WHERE (\(current)) IS NOT (\(incoming))"
            }
        }
        return sql
    }

    /// The declared columns a merge updates: every one outside the key.
    private func updatedColumns(key: [String]) -> [String] {
        let keys = Set(key)
        return request.columns.map(\.name).filter { !keys.contains($0) }
    }

    /// Checks the request before touching the database.
    private func validate() throws {
        let table = request.table
        guard !request.columns.isEmpty else {
            throw WarehouseError("load into \(table) declares no columns; the source produced no header or schema")
        }
        var seen = Set<String>()
        for column in request.columns where !seen.insert(column.name.lowercased()).inserted {
            throw WarehouseError("load into \(table) declares column \(column.name) twice; column names must be unique")
        }
        if case let .merge(key) = request.write {
            guard !key.isEmpty else { throw WarehouseError("merge into \(table) needs a key; set key: in the load") }
            for column in key where !request.columns.contains(where: { $0.name == column }) {
                throw WarehouseError("merge key \(column) is not a column of the load into \(table)")
            }
        }
        if let column = request.partitionBy, !request.columns.contains(where: { $0.name == column }) {
            throw WarehouseError("partition column \(column) is not a column of the load into \(table)")
        }
        if let days = request.replacePartitions {
            guard request.partitionBy != nil else {
                throw WarehouseError("load into \(table) replaces partitions but has no partition_by column")
            }
            for day in days where !Self.isDay(day) {
                throw WarehouseError("partition '\(day)' of the load into \(table) is not a day (YYYY-MM-DD)")
            }
        }
    }

    /// The SQLite column type for a declared column type.
    static func sqliteType(of type: ColumnType) -> String {
        switch type {
        case .integer, .boolean: "INTEGER"
        case .float: "REAL"
        case .string, .date, .timestamp: "TEXT"
        }
    }

    /// True when the value's day (its first ten characters) is one of `days`.
    private static func isInside(_ value: Value, days: Set<String>) -> Bool {
        switch value {
        case let .date(text), let .timestamp(text), let .string(text): days.contains(String(text.prefix(10)))
        case .null, .integer, .float, .boolean: false
        }
    }

    /// True for `YYYY-MM-DD`.
    private static func isDay(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        return bytes.enumerated().allSatisfy { index, byte in
            index == 4 || index == 7 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
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
