import Foundation
import GRDB
import SluiceCore

/// Schema and metadata operations of the SQLite warehouse, all run on a connection that has every
/// dataset attached under its own name. Names are always quoted, so any column name a source
/// brings is safe in SQL.
enum SQLiteCatalog {
    /// The metadata table in the main database (`_sluice.sqlite`).
    static let metadataTable = "main.sluice_tables"

    /// `"name"`, with inner quotes doubled.
    static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `"dataset"."table"`.
    static func qualified(_ table: TableName) -> String {
        quote(table.dataset) + "." + quote(table.table)
    }

    /// Creates the metadata table if it is missing.
    static func createMetadataTable(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS \(metadataTable) (
                dataset TEXT NOT NULL,
                name TEXT NOT NULL,
                last_modified TEXT NOT NULL,
                row_count INTEGER NOT NULL,
                PRIMARY KEY (dataset, name)
            ) WITHOUT ROWID
            """)
    }

    /// True when the dataset is attached on this connection.
    static func isAttached(_ dataset: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT count(*) > 0 FROM pragma_database_list WHERE name = ?", arguments: [dataset]) ?? false
    }

    /// `table`, `view`, or nil when nothing of that name exists (or its dataset is not attached).
    static func objectType(of table: TableName, _ db: Database) throws -> String? {
        guard try isAttached(table.dataset, db) else { return nil }
        return try String.fetchOne(
            db, sql: "SELECT type FROM \(quote(table.dataset)).sqlite_master WHERE name = ? AND type IN ('table', 'view')",
            arguments: [table.table])
    }

    /// Column names of a table or view, in order.
    static func columns(of table: TableName, _ db: Database) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT name FROM pragma_table_info(?, ?) ORDER BY cid", arguments: [table.table, table.dataset])
    }

    /// Drops the table or view of that name, if there is one.
    static func dropObject(_ table: TableName, _ db: Database) throws {
        switch try objectType(of: table, db) {
        case "table": try db.execute(sql: "DROP TABLE \(qualified(table))")
        case "view": try db.execute(sql: "DROP VIEW \(qualified(table))")
        default: break
        }
    }

    /// Adds the columns the table does not have yet (as `ALTER TABLE … ADD COLUMN`).
    static func addMissingColumns(_ table: TableName, columns: [(name: String, type: String)], _ db: Database) throws {
        let existing = Set(try self.columns(of: table, db).map { $0.lowercased() })
        for column in columns where !existing.contains(column.name.lowercased()) {
            let type = column.type.isEmpty ? "" : " " + column.type
            try db.execute(sql: "ALTER TABLE \(qualified(table)) ADD COLUMN \(quote(column.name))\(type)")
        }
    }

    /// Makes sure the table has a unique index on exactly these columns (`<table>__key`), which
    /// `INSERT … ON CONFLICT` needs for an upsert. A changed key replaces the old index.
    static func ensureUniqueKey(_ table: TableName, columns: [String], _ db: Database) throws {
        let index = TableName(dataset: table.dataset, table: table.table + "__key")
        let indexed = try String.fetchAll(
            db, sql: "SELECT name FROM pragma_index_info(?, ?) ORDER BY seqno", arguments: [index.table, index.dataset])
        if indexed == columns { return }
        try db.execute(sql: "DROP INDEX IF EXISTS \(qualified(index))")
        let list = columns.map(quote).joined(separator: ", ")
        do {
            try db.execute(sql: "CREATE UNIQUE INDEX \(qualified(index)) ON \(quote(table.table)) (\(list))")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            let key = columns.joined(separator: ", ")
            throw WarehouseError(
                "\(table) already holds duplicate values of \(key), so it cannot be merged on that key; "
                    + "remove the duplicates or rebuild the table (a truncate load) first")
        }
    }

    /// Makes sure the table has a (non-unique) index named `<table><suffix>` on exactly `columns`.
    static func ensureIndex(_ table: TableName, suffix: String, columns: [String], _ db: Database) throws {
        let index = TableName(dataset: table.dataset, table: table.table + suffix)
        let indexed = try String.fetchAll(
            db, sql: "SELECT name FROM pragma_index_info(?, ?) ORDER BY seqno", arguments: [index.table, index.dataset])
        if indexed == columns { return }
        try db.execute(sql: "DROP INDEX IF EXISTS \(qualified(index))")
        try db.execute(sql: "CREATE INDEX \(qualified(index)) ON \(quote(table.table)) (\(columns.map(quote).joined(separator: ", ")))")
    }

    /// Makes sure the table has an index on its partition column (`<table>__partition`).
    static func ensurePartitionIndex(_ table: TableName, column: String, _ db: Database) throws {
        let index = TableName(dataset: table.dataset, table: table.table + "__partition")
        try db.execute(sql: "CREATE INDEX IF NOT EXISTS \(qualified(index)) ON \(quote(table.table)) (\(quote(column)))")
    }

    /// Rows in a table or view.
    static func rowCount(of table: TableName, _ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT count(*) FROM \(qualified(table))") ?? 0
    }

    /// Records that the table was written at `date` and now holds `rows` rows.
    static func recordWrite(_ table: TableName, rows: Int64, at date: Date, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO \(metadataTable) (dataset, name, last_modified, row_count)
                VALUES (?, ?, strftime('%Y-%m-%d %H:%M:%f', ?, 'unixepoch'), ?)
                ON CONFLICT (dataset, name) DO UPDATE SET
                    last_modified = excluded.last_modified, row_count = excluded.row_count
                """,
            arguments: [table.dataset, table.table, date.timeIntervalSince1970, rows])
    }

    /// The recorded last write and row count of a table, if Sluice wrote it.
    static func metadata(of table: TableName, _ db: Database) throws -> (lastModified: Date, rowCount: Int64)? {
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT (julianday(last_modified) - 2440587.5) * 86400.0 AS seconds, row_count
                FROM \(metadataTable) WHERE dataset = ? AND name = ?
                """,
            arguments: [table.dataset, table.table])
        guard let row, let seconds = row["seconds"] as Double?, let count = row["row_count"] as Int64? else {
            return nil
        }
        return (date(unixSeconds: seconds), count)
    }

    /// A date from Unix seconds, rounded to the millisecond (the precision metadata is stored with).
    static func date(unixSeconds seconds: Double) -> Date {
        Date(timeIntervalSince1970: (seconds * 1000).rounded() / 1000)
    }
}
