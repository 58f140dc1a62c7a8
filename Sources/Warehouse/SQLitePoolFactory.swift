import Foundation
import GRDB
import SluiceCore

/// Opens the warehouse's connection pool: the main database `_sluice.sqlite` (metadata) with every
/// dataset file `<dataset>.sqlite` attached under the dataset's name on every connection, so SQL
/// names tables `dataset.table` exactly as on BigQuery.
enum SQLitePoolFactory {
    /// File name of the main database, which holds the metadata table.
    static let mainFileName = "_sluice.sqlite"
    /// Extension of dataset files.
    static let datasetExtension = ".sqlite"
    /// Page cache per dataset on the writer connection, in KiB (a bounded size: memory stays flat).
    static let writerCacheKiB = 65_536
    /// Page size of new dataset files: larger than SQLite's default 4 KiB, which makes bulk loads and
    /// full scans (what a warehouse mostly does) markedly faster.
    static let pageSize = 16_384
    /// The WAL file is truncated back to this size after a checkpoint, so a big load does not leave
    /// a big WAL file behind.
    static let walSizeLimit = 64 * 1024 * 1024

    /// Opens a pool with these datasets attached; their files are created when missing.
    static func open(directory: String, datasets: Set<String>) throws -> DatabasePool {
        let attachments = datasets.sorted().map { (name: $0, path: path(of: $0, in: directory)) }
        var configuration = Configuration()
        configuration.label = "sluice.warehouse"
        configuration.busyMode = .timeout(60)
        configuration.maximumReaderCount = 4
        // Models are written for BigQuery, where "text" is a string literal.
        configuration.acceptsDoubleQuotedStringLiterals = true
        configuration.prepareDatabase { db in
            // Inherited by every database attached afterwards: freed pages are not zeroed, which
            // would make truncating loads and table rebuilds much slower.
            try db.execute(sql: "PRAGMA secure_delete = OFF")
            let writer = !db.configuration.readonly
            if writer { try SQLiteCatalog.createMetadataTable(db) }
            for attachment in attachments {
                try db.execute(
                    sql: "ATTACH DATABASE ? AS \(SQLiteCatalog.quote(attachment.name))", arguments: [attachment.path])
                if writer { try prepareWriter(db, dataset: attachment.name, path: attachment.path) }
            }
        }
        do {
            return try DatabasePool(path: directory + "/" + mainFileName, configuration: configuration)
        } catch let error as DatabaseError {
            let hint = error.message?.contains("too many attached databases") == true
                ? "; SQLite attaches at most 10 datasets here, use fewer datasets" : ""
            throw SQLiteFailure.warehouseError("opening the SQLite warehouse in \(directory)", error, suffix: hint)
        }
    }

    /// The dataset files already in the directory (`raw.sqlite` → `raw`).
    static func existingDatasets(in directory: String) throws -> Set<String> {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        return Set(names.compactMap { name -> String? in
            guard name.hasSuffix(datasetExtension), name != mainFileName else { return nil }
            let dataset = String(name.dropLast(datasetExtension.count))
            return validationProblem(dataset) == nil ? dataset : nil
        })
    }

    /// Why a dataset name cannot be used, or nil when it can.
    static func validationProblem(_ dataset: String) -> String? {
        guard TableName.isIdentifier(dataset) else {
            return "dataset name '\(dataset)' is not valid: use letters, digits and _, starting with a letter or _"
        }
        guard !["main", "temp", "_sluice"].contains(dataset.lowercased()) else {
            return "dataset name '\(dataset)' is reserved by the SQLite warehouse; choose another name"
        }
        return nil
    }

    /// `DIR/<dataset>.sqlite`.
    static func path(of dataset: String, in directory: String) -> String {
        directory + "/" + dataset + datasetExtension
    }

    /// WAL mode and bulk-load settings for a dataset on the writer connection.
    private static func prepareWriter(_ db: Database, dataset: String, path: String) throws {
        let schema = SQLiteCatalog.quote(dataset)
        // Only takes effect on a new, empty file.
        try db.execute(sql: "PRAGMA \(schema).page_size = \(pageSize)")
        let mode = try String.fetchOne(db, sql: "PRAGMA \(schema).journal_mode = WAL")
        guard mode == "wal" else {
            throw DatabaseError(message: "could not switch \(path) to WAL mode (it is in \(mode ?? "an unknown") mode)")
        }
        try db.execute(sql: """
            PRAGMA \(schema).synchronous = NORMAL;
            PRAGMA \(schema).cache_size = -\(writerCacheKiB);
            PRAGMA \(schema).journal_size_limit = \(walSizeLimit);
            """)
        // Read-only reader connections can only open a WAL database whose -wal file exists and is
        // not empty; one committed write makes sure of it.
        let wal = URL(fileURLWithPath: path + "-wal")
        let size = (try? wal.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
        if size == 0 {
            try db.execute(sql: "CREATE TABLE \(schema).sluice_wal_probe (x); DROP TABLE \(schema).sluice_wal_probe;")
        }
    }
}
