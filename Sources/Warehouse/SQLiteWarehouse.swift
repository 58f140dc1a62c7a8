import Foundation
import GRDB
import SluiceCore

/// The embedded warehouse: a folder of SQLite files, one per dataset (`raw.sqlite`,
/// `staging.sqlite`, …), all attached under their dataset names on every connection, so models and
/// checks name tables `dataset.table` exactly as on BigQuery. `_sluice.sqlite` holds the metadata
/// (last write and row count of every table Sluice writes). Every file is in WAL mode: queries and
/// checks read while a load or model writes.
///
/// Loads and model builds are each one transaction. Within one dataset file that transaction is
/// atomic even across a crash; the metadata row lives in `_sluice.sqlite`, and SQLite commits
/// attached WAL databases one file at a time, so a crash in the middle of a commit can leave the
/// metadata one write behind the table (the next write corrects it).
public actor SQLiteWarehouse: Warehouse {
    /// The folder holding the dataset files.
    public nonisolated let directory: String
    private nonisolated let clock: any WallClock
    private var pool: DatabasePool
    private var datasets: Set<String>
    /// True while a load runs; loads queue behind it in `waitingLoads`.
    private var loading = false
    private var waitingLoads: [CheckedContinuation<Void, Never>] = []

    /// Opens (creating if needed) the warehouse in `directory`, attaching every dataset file found
    /// there. `clock` dates the metadata and decides "today" for row counts.
    public init(directory: String, clock: any WallClock = SystemClock()) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw WarehouseError(
                "cannot create the SQLite warehouse folder \(directory): \(error.localizedDescription); "
                    + "check the warehouse path in the manifest and its permissions")
        }
        let found = try SQLitePoolFactory.existingDatasets(in: directory)
        self.directory = directory
        self.clock = clock
        self.datasets = found
        self.pool = try SQLitePoolFactory.open(directory: directory, datasets: found)
    }

    /// `.sqlite`: models and checks run their SQLite SQL.
    public nonisolated var dialect: SQLDialect { .sqlite }

    /// Creates the files of new datasets and attaches them (reopening the connection pool; work
    /// already running finishes on the previous connections).
    public func prepare(datasets wanted: Set<String>) async throws {
        _ = try connections(for: wanted)
    }

    /// Loads the rows in one write transaction; see `Warehouse.load`. The table is created from
    /// the declared columns when missing (integer and boolean → INTEGER, float → REAL, others →
    /// TEXT) and gains the declared columns it lacks. `merge` upserts on a unique index of the key;
    /// `replacePartitions` deletes exactly the rows whose `date(partition column)` is one of the days,
    /// then inserts, skipping (and counting) streamed rows of other days.
    ///
    /// The load runs on the calling task's thread and blocks it until it commits, because
    /// `RowSource` is a synchronous stream. Loads therefore run one at a time (they would wait for
    /// the single writer connection anyway): the others wait for their turn without holding a thread.
    public nonisolated func load(_ request: LoadRequest, rows: any RowSource) async throws -> LoadResult {
        let pool = try await connections(for: [request.table.dataset])
        await startLoad()
        let outcome = Result { try SQLiteBulkLoader(request: request).load(rows: rows, into: pool, at: clock.now) }
        await finishLoad()
        return try outcome.get()
    }

    /// Builds the model in one transaction and returns the rows of its result; see
    /// `SQLiteModelBuilder` for how each materialization is done (notably: a view that reads another
    /// dataset is materialized as a table, because SQLite views cannot cross attached databases).
    public nonisolated func materialize(_ model: Model, context: JobContext) async throws -> JobStats {
        let needed = Set([model.name.dataset] + model.dependencies.map(\.dataset))
        let pool = try await connections(for: needed)
        let now = clock.now
        return try await SQLiteFailure.translating("model \(model.name)", suffix: " (in \(model.sqlPath))") {
            try await pool.writeWithoutTransaction { db in
                var stats = JobStats()
                try db.inTransaction(.immediate) {
                    stats = try SQLiteModelBuilder(model: model).build(db, at: now)
                    return .commit
                }
                return stats
            }
        }
    }

    /// Runs a read-only query on a reader connection; values come back as SQLite's text of them.
    public nonisolated func query(_ sql: String, limit: Int, context: JobContext) async throws -> QueryResult {
        let pool = await currentConnections()
        let limit = max(0, limit)
        return try await SQLiteFailure.translating("query") {
            try await pool.read { db in try SQLiteQueryRunner.run(sql, limit: limit, db) }
        }
    }

    /// Existence, last write and row count from the metadata, and `max(loadedAt)` read as a
    /// timestamp; SQLite bills nothing, so `stats` is zero and `context` is not needed.
    public nonisolated func freshness(of table: TableName, loadedAt column: String?, context: JobContext?) async throws -> TableFreshness {
        let pool = await currentConnections()
        return try await SQLiteFailure.translating("freshness of \(table)") {
            try await pool.read { db in try SQLiteTableStats.freshness(of: table, loadedAt: column, db) }
        }
    }

    /// `date(column)` counts from `since` on; without a column, today's (UTC) total row count.
    /// SQLite bills nothing: `stats` is zero.
    public nonisolated func rowsPerDay(of table: TableName, column: String?, since: String?, context: JobContext?) async throws -> DailyRowCounts {
        let pool = await currentConnections()
        let today = clock.now
        return try await SQLiteFailure.translating("row counts of \(table)") {
            try await pool.read { db in
                DailyRowCounts(days: try SQLiteTableStats.rowsPerDay(of: table, column: column, since: since, today: today, db))
            }
        }
    }

    /// What BigQuery would process for a planned job, estimated from the row counts and sampled row
    /// sizes of the tables it reads (see `SQLiteTableStats.estimatedBytes`): a model's or check's
    /// input tables, a freshness or volume check's one column, a merge's target table. SQLite
    /// itself bills nothing.
    public nonisolated func estimateBytes(of query: PlannedQuery) async throws -> Int64 {
        let pool = await currentConnections()
        return try await SQLiteFailure.translating("cost estimate") {
            try await pool.read { db in try SQLiteTableStats.estimatedBytes(of: query, db) }
        }
    }

    /// Column names from `pragma table_info`, or nil when the table or view (or its dataset) does not exist.
    public nonisolated func columns(of table: TableName) async throws -> [String]? {
        let pool = await currentConnections()
        return try await SQLiteFailure.translating("columns of \(table)") {
            try await pool.read { db in
                try SQLiteCatalog.objectType(of: table, db) == nil ? nil : SQLiteCatalog.columns(of: table, db)
            }
        }
    }

    /// Prepares the statement on a reader connection and finalizes it unrun; see `SQLiteStatementCompiler`.
    public nonisolated func compile(_ sql: String) async throws -> SQLCompileProblem? {
        let pool = await currentConnections()
        return try await SQLiteFailure.translating("compile a statement") {
            try await pool.read { db in SQLiteStatementCompiler.compile(sql, db) }
        }
    }

    /// Waits until no other load runs, then marks one as running.
    private func startLoad() async {
        guard loading else {
            loading = true
            return
        }
        await withCheckedContinuation { waitingLoads.append($0) }
    }

    /// Hands the turn to the next waiting load, or marks that none runs.
    private func finishLoad() {
        if waitingLoads.isEmpty {
            loading = false
        } else {
            waitingLoads.removeFirst().resume()
        }
    }

    /// The pool as it is now.
    private func currentConnections() -> DatabasePool {
        pool
    }

    /// The pool, reopened first with more datasets attached when some of `wanted` are new.
    private func connections(for wanted: Set<String>) throws -> DatabasePool {
        for dataset in wanted.sorted() {
            if let problem = SQLitePoolFactory.validationProblem(dataset) { throw WarehouseError(problem) }
        }
        guard !wanted.isSubset(of: datasets) else { return pool }
        let all = datasets.union(wanted)
        pool = try SQLitePoolFactory.open(directory: directory, datasets: all)
        datasets = all
        return pool
    }
}
