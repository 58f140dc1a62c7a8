import Foundation

/// A name of a warehouse table as SQL writes it: `dataset.table`.
public struct TableName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The dataset (SQLite: an attached database file; BigQuery: a dataset).
    public var dataset: String
    /// The table within the dataset.
    public var table: String

    /// Creates a table name from its parts.
    public init(dataset: String, table: String) {
        self.dataset = dataset
        self.table = table
    }

    /// Parses `dataset.table`; both parts must be identifiers (`[A-Za-z_][A-Za-z0-9_]*`).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ Self.isIdentifier($0) }) else { return nil }
        self.init(dataset: String(parts[0]), table: String(parts[1]))
    }

    /// `dataset.table`.
    public var description: String { "\(dataset).\(table)" }

    /// Orders by dataset, then table.
    public static func < (lhs: TableName, rhs: TableName) -> Bool {
        (lhs.dataset, lhs.table) < (rhs.dataset, rhs.table)
    }

    /// True for a plain SQL identifier: a letter or `_`, then letters, digits or `_`.
    public static func isIdentifier(_ text: some StringProtocol) -> Bool {
        guard let first = text.unicodeScalars.first else { return false }
        guard first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}

/// One pipeline: sources extracted and loaded into `raw` tables, models built from them, checks.
public struct Pipeline: Sendable, Equatable {
    /// The pipeline's name (`shop`).
    public var name: String
    /// When it runs; nil means only on demand.
    public var schedule: CronSchedule?
    /// Channel for its messages; nil means the default channel.
    public var channel: String?
    /// Slack user or user-group ids mentioned on failures.
    public var owners: [String]
    /// How many steps may run at once.
    public var maxParallelism: Int
    /// Sources by name, in manifest order.
    public var sources: [Source]
    /// Loads of sources into tables.
    public var loads: [Load]
    /// SQL models in manifest order (the run orders them by dependency).
    public var models: [Model]
    /// Data checks.
    public var checks: [Check]

    /// Creates a pipeline from validated parts.
    public init(
        name: String, schedule: CronSchedule?, channel: String?, owners: [String], maxParallelism: Int = 4,
        sources: [Source], loads: [Load], models: [Model], checks: [Check]
    ) {
        self.name = name
        self.schedule = schedule
        self.channel = channel
        self.owners = owners
        self.maxParallelism = maxParallelism
        self.sources = sources
        self.loads = loads
        self.models = models
        self.checks = checks
    }

    /// Every table this pipeline loads or builds: loads first, then models.
    public var tables: [TableName] {
        loads.map(\.table) + models.map(\.name)
    }

    /// The source with this name.
    public func source(named name: String) -> Source? {
        sources.first { $0.name == name }
    }

    /// The load that writes this table, if any.
    public func load(into table: TableName) -> Load? {
        loads.first { $0.table == table }
    }

    /// The model that builds this table, if any.
    public func model(named table: TableName) -> Model? {
        models.first { $0.name == table }
    }
}

/// Where rows come from.
public struct Source: Sendable, Equatable {
    /// The source's key under `sources:`.
    public var name: String
    /// What kind of source and its location.
    public var kind: SourceKind
    /// Column whose growing value drives incremental extraction; nil extracts everything each run.
    public var cursor: String?
    /// The character encoding of a file source's bytes (`encoding:`, UTF-8 unless declared); other
    /// encodings are transcoded to UTF-8 as they are read. SQLite sources are always UTF-8.
    public var encoding: SourceEncoding

    /// Creates a source.
    public init(name: String, kind: SourceKind, cursor: String? = nil, encoding: SourceEncoding = .utf8) {
        self.name = name
        self.kind = kind
        self.cursor = cursor
        self.encoding = encoding
    }
}

/// The supported source kinds.
public enum SourceKind: Sendable, Equatable {
    /// CSV files: a path, a glob (`*`), or a `{date}` template (`orders_{date}.csv`, one file per day).
    case csv(path: String)
    /// Newline-delimited JSON files, with the same path rules as CSV.
    case ndjson(path: String)
    /// A SQLite database file and either a table or a query.
    case sqlite(path: String, query: String)
    /// A PostgreSQL server's table or query.
    case postgres(PostgresSourceSpec)
    /// An HTTP JSON API, page by page.
    case http(HTTPSourceSpec)
    /// Objects of a Cloud Storage bucket.
    case gcs(GCSSourceSpec)

    /// The manifest's `kind:` word.
    public var word: String {
        switch self {
        case .csv: "csv"
        case .ndjson: "ndjson"
        case .sqlite: "sqlite"
        case .postgres: "postgres"
        case .http: "http"
        case .gcs: "gcs"
        }
    }
}

/// How a load writes into its table.
public enum WriteMode: Sendable, Equatable {
    /// Replace the table's contents.
    case truncate
    /// Add rows.
    case append
    /// Upsert on the key columns.
    case merge(key: [String])
}

/// A column type in a load's schema. Values that do not convert are bad records.
public enum ColumnType: String, Sendable, Equatable, CaseIterable {
    case string, integer, float, boolean, date, timestamp
}

/// One declared column of a load.
public struct Column: Sendable, Equatable {
    /// The column name in the source and the table.
    public var name: String
    /// Its type.
    public var type: ColumnType

    /// Creates a column.
    public init(name: String, type: ColumnType) {
        self.name = name
        self.type = type
    }
}

/// Extract+load of one source into one table.
public struct Load: Sendable, Equatable {
    /// The source's name.
    public var source: String
    /// The destination.
    public var table: TableName
    /// Truncate, append or merge.
    public var write: WriteMode
    /// Daily partition column (a date or timestamp column), if partitioned.
    public var partitionBy: String?
    /// Declared columns; empty means every source column as a string.
    public var columns: [Column]
    /// Bad records tolerated before the load fails.
    public var maxBadRecords: Int
    /// For `write: append`: the key that identifies a row, so a row whose key is loaded already is not
    /// appended again when input is read twice; empty: whole rows are compared.
    public var appendKey: [String]
    /// The longest field, in UTF-8 bytes, a source record may hold (`max_field_size`): a longer field
    /// (an NDJSON line) is a bad record; a quoted CSV field still open after this many bytes fails the load.
    public var maxFieldSize: Int

    /// `max_field_size` when the manifest does not set it: 1 MiB.
    public static let defaultMaxFieldSize = 1 << 20
    /// The largest `max_field_size` the manifest accepts: 1 GiB.
    public static let largestMaxFieldSize = 1 << 30

    /// Creates a load.
    public init(
        source: String, table: TableName, write: WriteMode, partitionBy: String? = nil,
        columns: [Column] = [], maxBadRecords: Int = 0, appendKey: [String] = [],
        maxFieldSize: Int = Load.defaultMaxFieldSize
    ) {
        self.source = source
        self.table = table
        self.write = write
        self.partitionBy = partitionBy
        self.columns = columns
        self.maxBadRecords = maxBadRecords
        self.maxFieldSize = maxFieldSize
        self.appendKey = appendKey
    }

    /// The columns that identify a row of the table: the merge key, or an append's key; empty when
    /// rows have no identity (truncate, an append without a key).
    public var identityKey: [String] {
        switch write {
        case let .merge(key): key
        case .append: appendKey
        case .truncate: []
        }
    }
}

/// How a model's result is kept.
public enum Materialization: Sendable, Equatable {
    /// Rebuilt as a table each run.
    case table
    /// A view over its inputs.
    case view
    /// Upserted into an existing table on the unique key.
    case incremental(uniqueKey: [String])
}

/// A SQL model: a `select` whose result becomes a table or view named `dataset.table`.
public struct Model: Sendable, Equatable {
    /// The table it builds.
    public var name: TableName
    /// Path of the SQL file, as written in the manifest.
    public var sqlPath: String
    /// The SQL (BigQuery Standard SQL, also used on SQLite unless `sqliteSQL` is set).
    public var sql: String
    /// SQLite variant, where the dialects differ.
    public var sqliteSQL: String?
    /// Path of the SQLite variant's file, as written in the manifest (`sqlite_sql:`).
    public var sqlitePath: String?
    /// Table, view or incremental.
    public var materialized: Materialization
    /// Partition column of the built table, if any (used by backfills).
    public var partitionBy: String?
    /// Tables it reads, found in its SQL.
    public var dependencies: [TableName]

    /// Creates a model.
    public init(
        name: TableName, sqlPath: String, sql: String, sqliteSQL: String? = nil, sqlitePath: String? = nil,
        materialized: Materialization, partitionBy: String? = nil, dependencies: [TableName]
    ) {
        self.name = name
        self.sqlPath = sqlPath
        self.sql = sql
        self.sqliteSQL = sqliteSQL
        self.sqlitePath = sqlitePath
        self.materialized = materialized
        self.partitionBy = partitionBy
        self.dependencies = dependencies
    }

    /// The SQL to run in this dialect.
    public func sql(for dialect: SQLDialect) -> String {
        dialect == .sqlite ? (sqliteSQL ?? sql) : sql
    }

    /// The file `sql(for:)` comes from: the SQLite variant's on SQLite when there is one.
    public func sqlPath(for dialect: SQLDialect) -> String {
        dialect == .sqlite && sqliteSQL != nil ? (sqlitePath ?? sqlPath) : sqlPath
    }
}

/// The SQL dialects Sluice writes.
public enum SQLDialect: Sendable, Equatable {
    case sqlite, bigquery
}

/// `severity:` of a check.
public enum Severity: String, Sendable, Equatable, Codable {
    case error, warn
}

/// A data check on one table (or a free query).
public struct Check: Sendable, Equatable {
    /// Stable name, unique in the pipeline: given (`name:`), or derived (`not_null_stg_orders_order_id`).
    public var name: String
    /// What it checks.
    public var kind: CheckKind
    /// Error or warn.
    public var severity: Severity

    /// Creates a check.
    public init(name: String, kind: CheckKind, severity: Severity) {
        self.name = name
        self.kind = kind
        self.severity = severity
    }

    /// The table it checks; `sql` checks have none (their step runs after every model), nor do
    /// source freshness checks (which read the source, before or beside its load).
    public var table: TableName? {
        switch kind {
        case let .freshness(table, _, _, _), let .volume(table, _), let .notNull(table, _),
            let .unique(table, _), let .acceptedValues(table, _, _), let .relationships(table, _, _, _):
            table
        case .sql, .sourceFreshness:
            nil
        }
    }
}

/// The check kinds.
public enum CheckKind: Sendable, Equatable {
    /// Age of the newest data against thresholds; `loadedAt` names a timestamp column, nil uses metadata.
    case freshness(TableName, loadedAt: String?, warnAfter: TimeSpan?, errorAfter: TimeSpan?)
    /// Age of the newest data in a source itself (`freshness: SOURCE`): files' modification times,
    /// objects' `updated`, a database's greatest cursor.
    case sourceFreshness(source: String, warnAfter: TimeSpan?, errorAfter: TimeSpan?)
    /// Daily row counts against their own history.
    case volume(TableName, VolumeSettings)
    /// No nulls in the column.
    case notNull(TableName, column: String)
    /// No duplicate values of the columns together.
    case unique(TableName, columns: [String])
    /// Every non-null value is one of the list.
    case acceptedValues(TableName, column: String, values: [String])
    /// Every non-null value exists in the other table's column.
    case relationships(TableName, column: String, to: TableName, field: String)
    /// A query whose rows are failures.
    case sql(query: String)

    /// The manifest's word for the kind.
    public var word: String {
        switch self {
        case .freshness, .sourceFreshness: "freshness"
        case .volume: "volume"
        case .notNull: "not_null"
        case .unique: "unique"
        case .acceptedValues: "accepted_values"
        case .relationships: "relationships"
        case .sql: "sql"
        }
    }
}

/// Settings of a volume check.
public struct VolumeSettings: Sendable, Equatable {
    /// Date or timestamp column that buckets rows into days; nil uses the table's partition column,
    /// or else the total row count recorded once a day.
    public var dateColumn: String?
    /// Z-score beyond which a day is an anomaly.
    public var sensitivity: Double
    /// How many days of history train the expectation.
    public var trainingDays: Int
    /// Compare each day only with the same weekday.
    public var seasonality: Seasonality
    /// Which deviations count.
    public var direction: AnomalyDirection

    /// Creates volume settings with the documented defaults.
    public init(
        dateColumn: String? = nil, sensitivity: Double = 3, trainingDays: Int = 14,
        seasonality: Seasonality = .none, direction: AnomalyDirection = .both
    ) {
        self.dateColumn = dateColumn
        self.sensitivity = sensitivity
        self.trainingDays = trainingDays
        self.seasonality = seasonality
        self.direction = direction
    }
}

/// Volume seasonality.
public enum Seasonality: String, Sendable, Equatable {
    case none
    case dayOfWeek = "day_of_week"
}

/// Which side of the expected band counts as an anomaly.
public enum AnomalyDirection: String, Sendable, Equatable {
    case both, spike, drop
}
