import Foundation
import GRDB
import SluiceCore

/// Builds a model in the SQLite warehouse, in one write transaction, so readers see either the
/// previous result or the new one, never a half-built table.
///
/// - `table`: the query is materialized into `<name>__sluice_new`, then the old table or view is
///   dropped and the new table renamed into place.
/// - `view`: a real view when every table the model reads is in the model's own dataset. SQLite
///   refuses a view in one attached database that reads another, so a cross-dataset view is
///   materialized as a table instead (rebuilt on every run, like `table`).
/// - `incremental`: the first build creates the table (with a unique index on the key); later
///   builds upsert the query's rows on the key.
struct SQLiteModelBuilder {
    /// The model to build.
    let model: Model

    /// Builds the model and records the write in the metadata; returns the rows of the result.
    func build(_ db: Database, at date: Date) throws -> JobStats {
        let target = model.name
        let sql = Self.trimmed(model.sql(for: .sqlite))
        guard !sql.isEmpty else {
            throw WarehouseError("model \(target) has no SQL (in \(model.sqlPath)); write its select statement")
        }
        try SQLiteFailure.translating("model \(target)", suffix: " (in \(model.sqlPath))") {
            switch model.materialized {
            case .table:
                try rebuildTable(sql, db)
            case .view:
                if model.dependencies.allSatisfy({ $0.dataset == target.dataset }) {
                    try SQLiteCatalog.dropObject(target, db)
                    try db.execute(sql: "CREATE VIEW \(SQLiteCatalog.qualified(target)) AS\n\(sql)\n")
                } else {
                    try rebuildTable(sql, db)
                }
            case let .incremental(key):
                if try SQLiteCatalog.objectType(of: target, db) == "table" {
                    try upsert(sql, key: key, db)
                } else {
                    try rebuildTable(sql, db)
                    if !key.isEmpty { try SQLiteCatalog.ensureUniqueKey(target, columns: key, db) }
                }
            }
        }
        // Counting also runs a view's query once, so a broken view fails its build, not a later reader.
        let rows = try SQLiteFailure.translating("model \(target)", suffix: " (in \(model.sqlPath))") {
            try SQLiteCatalog.rowCount(of: target, db)
        }
        try SQLiteCatalog.recordWrite(target, rows: rows, at: date, db)
        return JobStats(rows: rows)
    }

    /// Builds the query into a new table and swaps it in place of the old table or view.
    private func rebuildTable(_ sql: String, _ db: Database) throws {
        let target = model.name
        let staging = TableName(dataset: target.dataset, table: target.table + "__sluice_new")
        try db.execute(sql: "DROP TABLE IF EXISTS \(SQLiteCatalog.qualified(staging))")
        try db.execute(sql: "CREATE TABLE \(SQLiteCatalog.qualified(staging)) AS\n\(sql)\n")
        try SQLiteCatalog.dropObject(target, db)
        // The modern rename re-checks every view of the dataset, and a view reading the table being
        // replaced would fail that check for the instant the table is missing.
        try db.execute(sql: "PRAGMA legacy_alter_table = ON")
        defer { try? db.execute(sql: "PRAGMA legacy_alter_table = OFF") }
        try db.execute(sql: "ALTER TABLE \(SQLiteCatalog.qualified(staging)) RENAME TO \(SQLiteCatalog.quote(target.table))")
    }

    /// Upserts the query's rows into the existing table on the unique key; new result columns are
    /// added to the table first.
    private func upsert(_ sql: String, key: [String], _ db: Database) throws {
        let target = model.name
        let columns = try db.makeStatement(sql: sql).columnNames
        for column in key where !columns.contains(column) {
            throw WarehouseError(
                "model \(target) failed: its unique_key \(column) is not a column of its result (in \(model.sqlPath))")
        }
        try SQLiteCatalog.addMissingColumns(target, columns: columns.map { (name: $0, type: "") }, db)
        let names = columns.map(SQLiteCatalog.quote).joined(separator: ", ")
        var insert = "INSERT INTO \(SQLiteCatalog.qualified(target)) (\(names))\nSELECT \(names) FROM (\n\(sql)\n) WHERE true"
        if !key.isEmpty {
            try SQLiteCatalog.ensureUniqueKey(target, columns: key, db)
            let keys = Set(key)
            let updates = columns.filter { !keys.contains($0) }.map {
                "\(SQLiteCatalog.quote($0)) = excluded.\(SQLiteCatalog.quote($0))"
            }
            let conflict = key.map(SQLiteCatalog.quote).joined(separator: ", ")
            insert += updates.isEmpty
                ? "\nON CONFLICT (\(conflict)) DO NOTHING"
                : "\nON CONFLICT (\(conflict)) DO UPDATE SET \(updates.joined(separator: ", "))"
        }
        try db.execute(sql: insert)
    }

    /// The SQL without surrounding whitespace and trailing semicolons, ready to embed (`EmbeddedSQL`,
    /// which also maps an error's position back to the SQL file).
    static func trimmed(_ sql: String) -> String {
        EmbeddedSQL.body(of: sql)
    }
}
