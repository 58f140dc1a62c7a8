import Foundation
import GRDB
import GRDBSQLite
import SluiceCore

/// Loads a stream of rows into one table of the SQLite warehouse, in one write transaction: any
/// error, including one thrown by the row source, rolls back the table, its schema changes and
/// the metadata together. Rows are written by `SQLiteRowWriter`.
///
/// - `truncate` (and any `rebuild`) empties the table first; a backfill deletes exactly its days;
/// - `merge` upserts on the key: a key's row is replaced only by a version whose cursor is newer or
///   equal (the load rule), and of the rows of one key in the stream the newest is kept;
/// - `append` adds rows, skipping those the table already holds when the input may repeat them.
/// A load into an empty table (new, truncated, rebuilt) builds its key and partition indexes after
/// the insert, in one sorted pass.
struct SQLiteBulkLoader {
    /// What to load.
    let request: LoadRequest

    private var writer: SQLiteRowWriter { SQLiteRowWriter(request: request) }

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
        } else if request.write == .truncate || request.rebuild {
            try db.execute(sql: "DELETE FROM \(SQLiteCatalog.qualified(table))")
        }
        let empty = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM \(SQLiteCatalog.qualified(table)))") ?? false
        let written: SQLiteRowWriter.Written
        if empty, request.skipHeldRows == nil {
            written = try loadIntoEmptyTable(rows, db: db)
        } else {
            written = try loadIntoExistingRows(rows, db: db)
        }
        let count = try SQLiteCatalog.rowCount(of: table, db)
        try SQLiteCatalog.recordWrite(table, rows: count, at: date, db)
        let counts = LoadCounts(
            inserted: written.inserted, updated: max(written.changed - written.inserted, 0),
            unchanged: max(written.offered - written.changed, 0))
        return LoadResult(rowsLoaded: written.changed, rowsInTable: count, rowsOutsidePartitions: written.outsideDays, counts: counts)
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

    /// The table already has rows (or an append must skip held rows): its key, dedupe and partition
    /// indexes must exist before the rows are upserted or appended.
    private func loadIntoExistingRows(_ rows: any RowSource, db: Database) throws -> SQLiteRowWriter.Written {
        if let column = request.partitionBy {
            try SQLiteCatalog.ensurePartitionIndex(request.table, column: column, db)
        }
        switch request.write {
        case let .merge(key):
            try SQLiteCatalog.ensureUniqueKey(request.table, columns: key, db)
            return try writer.write(rows, with: .upsert(key: key, cursor: request.cursor), db: db)
        case .append, .truncate:
            guard let identity = request.skipHeldRows else { return try writer.write(rows, with: .insert, db: db) }
            let columns: [String] = switch identity {
            case let .key(key): key
            case .wholeRow: request.columns.map(\.name)
            }
            try SQLiteCatalog.ensureIndex(request.table, suffix: "__held", columns: columns, db)
            return try writer.write(rows, with: .insertUnlessHeld(identity), db: db)
        }
    }

    /// The table is empty (new, truncated, rebuilt or emptied): the rows are inserted without the key
    /// and partition indexes, which are built afterwards in one sorted pass, much faster than
    /// updating them row by row. For a merge, keys repeated within the stream are then resolved as
    /// the upsert would: the newest version of a key wins (by the cursor, then the later row), and
    /// the key counts once.
    private func loadIntoEmptyTable(_ rows: any RowSource, db: Database) throws -> SQLiteRowWriter.Written {
        let table = request.table
        let keyIndex = TableName(dataset: table.dataset, table: table.table + "__key")
        if case .merge = request.write {
            try db.execute(sql: "DROP INDEX IF EXISTS \(SQLiteCatalog.qualified(keyIndex))")
        }
        if request.partitionBy != nil {
            let partitionIndex = TableName(dataset: table.dataset, table: table.table + "__partition")
            try db.execute(sql: "DROP INDEX IF EXISTS \(SQLiteCatalog.qualified(partitionIndex))")
        }
        var written = try writer.write(rows, with: .insert, db: db)
        if case let .merge(key) = request.write {
            let list = key.map(SQLiteCatalog.quote).joined(separator: ", ")
            let create = "CREATE UNIQUE INDEX \(SQLiteCatalog.qualified(keyIndex)) ON \(SQLiteCatalog.quote(table.table)) (\(list))"
            do {
                try db.execute(sql: create)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                try db.execute(sql: olderVersionsDeletion(key: key))
                // A key repeated within the load counts once.
                written.changed -= Int64(db.changesCount)
                written.inserted -= Int64(db.changesCount)
                try db.execute(sql: create)
            }
        }
        if let column = request.partitionBy {
            try SQLiteCatalog.ensurePartitionIndex(table, column: column, db)
        }
        return written
    }

    /// Deletes every row but the newest of each non-NULL key: the greatest cursor (NULL oldest),
    /// then the last row written.
    private func olderVersionsDeletion(key: [String]) -> String {
        let table = SQLiteCatalog.qualified(request.table)
        let list = key.map(SQLiteCatalog.quote).joined(separator: ", ")
        let notNull = key.map { "\(SQLiteCatalog.quote($0)) IS NOT NULL" }.joined(separator: " AND ")
        let newest = request.cursor.map { cursor in
            let column = SQLiteCatalog.quote(cursor)
            return "\(column) IS NULL, \(column) DESC, rowid DESC"
        } ?? "rowid DESC"
        return """
            DELETE FROM \(table) WHERE rowid IN (
                SELECT rowid FROM (
                    SELECT rowid, ROW_NUMBER() OVER (PARTITION BY \(list) ORDER BY \(newest)) AS _sluice_rank
                    FROM \(table) WHERE \(notNull)
                ) WHERE _sluice_rank > 1)
            """
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

    /// True for `YYYY-MM-DD`.
    private static func isDay(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        return bytes.enumerated().allSatisfy { index, byte in
            index == 4 || index == 7 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }
}
