import Foundation
import SluiceCore

/// A place where tables live and SQL runs: the embedded SQLite warehouse or BigQuery.
/// The worker drives a pipeline only through this protocol.
public protocol Warehouse: Sendable {
    /// The SQL dialect models and checks must be written in.
    var dialect: SQLDialect { get }

    /// Makes sure the datasets exist (SQLite: attaches or creates their files; BigQuery: creates them).
    func prepare(datasets: Set<String>) async throws

    /// Loads rows into a table in one all-or-nothing unit: a failure, including one thrown by
    /// `rows`, leaves the table exactly as it was.
    func load(_ request: LoadRequest, rows: any RowSource) async throws -> LoadResult

    /// Loads Cloud Storage objects that the warehouse reads itself (BigQuery: a load job with
    /// `sourceUris`, so no byte passes through Sluice), by the same rules and all-or-nothing; nil
    /// when this warehouse cannot read them (SQLite): the caller downloads them and calls
    /// `load(_:rows:)`. See `SourceURIs`.
    func load(_ request: LoadRequest, from objects: SourceURIs) async throws -> LoadResult?

    /// Builds a model (table, view or incremental upsert) from its SQL.
    func materialize(_ model: Model, context: JobContext) async throws -> JobStats

    /// Runs a read-only query and returns at most `limit` rows, plus the total row count.
    func query(_ sql: String, limit: Int, context: JobContext) async throws -> QueryResult

    /// Freshness facts about a table: newest `loadedAt` value (when a column is named) and last
    /// modification, with what the query for the newest value billed. `context` is the step the
    /// read is for (its job carries the step's labels), nil outside a run.
    func freshness(of table: TableName, loadedAt column: String?, context: JobContext?) async throws -> TableFreshness

    /// Row counts per day (by a date/timestamp column), or nil column: today's total row count only,
    /// with what the counting query billed. `context` as for `freshness`.
    func rowsPerDay(of table: TableName, column: String?, since: String?, context: JobContext?) async throws -> DailyRowCounts

    /// Estimated bytes a planned job's query would process, without running it (BigQuery: a dry run
    /// of the query the job runs, or `tables.get` for a merge's target; SQLite: the logical size of
    /// the tables, or columns, it reads, as BigQuery would count them). BigQuery's billing floor is
    /// not applied here: `JobEstimate` applies it.
    func estimateBytes(of query: PlannedQuery) async throws -> Int64

    /// The columns of a table or view, in order, or nil when it does not exist. Scans and bills
    /// nothing (SQLite: `pragma table_info`; BigQuery: `tables.get`).
    func columns(of table: TableName) async throws -> [String]?

    /// Compiles one statement against the current schema without running it (SQLite: prepares it;
    /// BigQuery: a dry run, which bills nothing). Returns what the warehouse found wrong, or nil when
    /// the statement compiles; throws only when the warehouse cannot be asked.
    func compile(_ sql: String) async throws -> SQLCompileProblem?
}

extension Warehouse {
    /// A warehouse that cannot read Cloud Storage objects itself: the caller downloads them.
    public func load(_ request: LoadRequest, from objects: SourceURIs) async throws -> LoadResult? { nil }

    /// Estimated bytes a model would process: `estimateBytes(of: .model(model))`.
    public func estimateBytes(of model: Model) async throws -> Int64 {
        try await estimateBytes(of: .model(model))
    }
}

/// A pull-based stream of typed rows for a load, in the order of `LoadRequest.columns`.
/// It may throw to abort the load (too many bad records); the warehouse then rolls back.
public protocol RowSource: AnyObject {
    /// The next row, or nil when the stream is finished.
    func nextRow() throws -> [Value]?
}

/// A row source that can also lend each row's fields in place (`FieldValue`, text pointing into its
/// own buffers) instead of making `[Value]`: a loader that binds fields directly (SQLite) reads it
/// without an allocation per value. A stream is read one way or the other, never both.
public protocol FieldRowSource: RowSource {
    /// Moves to the next row; false when the stream is finished. Throws as `nextRow` does.
    func advanceRow() throws -> Bool
    /// The current row's fields, one per column of the load; valid until the next `advanceRow`.
    var fields: UnsafeBufferPointer<FieldValue> { get }
}

/// What to load and how.
public struct LoadRequest: Sendable {
    /// Destination table.
    public var table: TableName
    /// Columns of the rows, in order (also the table's schema).
    public var columns: [Column]
    /// Truncate, append or merge.
    public var write: WriteMode
    /// Daily partition column, if partitioned.
    public var partitionBy: String?
    /// For a backfill: replace exactly these days (`YYYY-MM-DD`) of the partition column and nothing else.
    /// Rows outside these days must not be in the stream.
    public var replacePartitions: [String]?
    /// Labels for cost attribution and tracing.
    public var context: JobContext
    /// The source's cursor column, when it has one: the version of a key with the greatest cursor
    /// wins, so a merge never replaces a row with an older version, and of the rows of one key in a
    /// stream the newest is kept (the later one among equals). NULL is older than any value.
    public var cursor: String?
    /// Replace the table's whole contents with the stream (a full refresh of a merge or append load),
    /// keeping the newest version of each key for a merge.
    public var rebuild: Bool
    /// For an append whose input may repeat rows the table holds (a changed file read again, the
    /// rows at the watermark): rows already in the table, by key or as whole rows, are not added again.
    public var skipHeldRows: RowIdentity?

    /// Creates a load request.
    public init(
        table: TableName, columns: [Column], write: WriteMode, partitionBy: String?,
        replacePartitions: [String]? = nil, context: JobContext, cursor: String? = nil, rebuild: Bool = false,
        skipHeldRows: RowIdentity? = nil
    ) {
        self.table = table
        self.columns = columns
        self.write = write
        self.partitionBy = partitionBy
        self.replacePartitions = replacePartitions
        self.context = context
        self.cursor = cursor
        self.rebuild = rebuild
        self.skipHeldRows = skipHeldRows
    }
}

/// What makes two rows of an append the same row.
public enum RowIdentity: Sendable, Equatable {
    /// The same values in these key columns.
    case key([String])
    /// The same values in every column.
    case wholeRow
}

/// Who a warehouse job is for: pipeline, run and step, carried as BigQuery job labels.
public struct JobContext: Sendable, Equatable {
    /// Pipeline name.
    public var pipeline: String
    /// Run id.
    public var runID: Int64
    /// Step id (`load:orders`, `model:mart.daily_sales`, `check:not_null_…`).
    public var stepID: String

    /// Creates a job context.
    public init(pipeline: String, runID: Int64, stepID: String) {
        self.pipeline = pipeline
        self.runID = runID
        self.stepID = stepID
    }
}

/// Bytes a job processed and billed (zero on SQLite).
public struct JobStats: Sendable, Equatable {
    /// Rows written, when known.
    public var rows: Int64?
    /// `totalBytesProcessed`.
    public var bytesProcessed: Int64
    /// `totalBytesBilled`.
    public var bytesBilled: Int64

    /// Creates job statistics.
    public init(rows: Int64? = nil, bytesProcessed: Int64 = 0, bytesBilled: Int64 = 0) {
        self.rows = rows
        self.bytesProcessed = bytesProcessed
        self.bytesBilled = bytesBilled
    }
}

/// Result of a load.
public struct LoadResult: Sendable, Equatable {
    /// Rows written (inserted or updated).
    public var rowsLoaded: Int64
    /// Rows in the table after the load.
    public var rowsInTable: Int64
    /// Bytes statistics.
    public var stats: JobStats
    /// Rows of a partition-replacing load skipped because they lay outside the replaced days.
    public var rowsOutsidePartitions: Int64
    /// Rows inserted, updated, and left unchanged (older or equal versions, rows already held).
    public var counts: LoadCounts

    /// Creates a load result; without `counts`, every loaded row counts as inserted.
    public init(
        rowsLoaded: Int64, rowsInTable: Int64, stats: JobStats = JobStats(), rowsOutsidePartitions: Int64 = 0,
        counts: LoadCounts? = nil
    ) {
        self.rowsLoaded = rowsLoaded
        self.rowsInTable = rowsInTable
        self.stats = stats
        self.rowsOutsidePartitions = rowsOutsidePartitions
        self.counts = counts ?? LoadCounts(inserted: rowsLoaded)
    }
}

/// Rows of a query.
public struct QueryResult: Sendable, Equatable {
    /// Column names.
    public var columns: [String]
    /// At most the requested number of rows, as text (nil for NULL).
    public var rows: [[String?]]
    /// Total rows the query returned.
    public var totalRows: Int64
    /// Bytes statistics.
    public var stats: JobStats

    /// Creates a query result.
    public init(columns: [String], rows: [[String?]], totalRows: Int64, stats: JobStats = JobStats()) {
        self.columns = columns
        self.rows = rows
        self.totalRows = totalRows
        self.stats = stats
    }
}

/// Freshness facts about a table.
public struct TableFreshness: Sendable, Equatable {
    /// Whether the table exists at all.
    public var exists: Bool
    /// Newest value of the `loaded_at` column, when one was asked for and the table has rows.
    public var newestLoadedAt: Date?
    /// When the table was last written (metadata).
    public var lastModified: Date?
    /// Rows in the table, from metadata where possible.
    public var rowCount: Int64?
    /// What the query for the newest `loadedAt` value processed and billed (nothing for metadata).
    public var stats: JobStats

    /// Creates freshness facts.
    public init(
        exists: Bool, newestLoadedAt: Date? = nil, lastModified: Date? = nil, rowCount: Int64? = nil, stats: JobStats = JobStats()
    ) {
        self.exists = exists
        self.newestLoadedAt = newestLoadedAt
        self.lastModified = lastModified
        self.rowCount = rowCount
        self.stats = stats
    }
}

/// Row counts per day of a table, and what counting them billed.
public struct DailyRowCounts: Sendable, Equatable {
    /// The counts, oldest day first.
    public var days: [DayCount]
    /// What the counting query processed and billed (nothing for metadata from `tables.get`;
    /// BigQuery's minimum for an `INFORMATION_SCHEMA.PARTITIONS` query).
    public var stats: JobStats

    /// Creates row counts.
    public init(days: [DayCount], stats: JobStats = JobStats()) {
        self.days = days
        self.stats = stats
    }
}

/// An error from a warehouse, in the user's terms.
public struct WarehouseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, and what to do.
    public var message: String
    /// The warehouse's own code, when it has one (BigQuery `reason`).
    public var reason: String?

    /// Creates a warehouse error.
    public init(_ message: String, reason: String? = nil) {
        self.message = message
        self.reason = reason
    }

    /// The message, with the reason in brackets when known.
    public var description: String {
        reason.map { "\(message) [\($0)]" } ?? message
    }
}
