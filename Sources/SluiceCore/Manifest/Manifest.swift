import Foundation

/// The whole parsed and validated manifest (`manifest/sluice.yml`): warehouse, cost, Slack routing,
/// access rules and the pipelines. Built only by `ManifestParser`, so a value of this type is valid.
public struct Manifest: Sendable, Equatable {
    /// The file the manifest was read from, for messages.
    public var file: String
    /// Relative paths in the manifest (sources, model SQL, the SQLite warehouse) resolve against this
    /// directory: the working directory Sluice was started in.
    public var baseDirectory: String
    /// IANA time zone for cron schedules, the digest clock and "until 09:00".
    public var timeZone: TimeZone
    /// Where the data lives.
    public var warehouse: WarehouseConfig
    /// Pricing and spending limits.
    public var cost: CostConfig
    /// Channels, digest and escalation.
    public var slack: SlackConfig
    /// Who may act (run, rerun, backfill, mute).
    public var access: AccessConfig
    /// Limits on backfills.
    public var backfill: BackfillConfig
    /// Pipelines in manifest order.
    public var pipelines: [Pipeline]
    /// Where the checks were written, for problems found after parsing.
    public var locations: ManifestLocations
    /// What the manifest took from the environment (`${VAR}`), which every sink redacts.
    public var secrets: ManifestSecrets

    /// Creates a manifest from already-validated parts.
    public init(
        file: String, baseDirectory: String, timeZone: TimeZone, warehouse: WarehouseConfig, cost: CostConfig,
        slack: SlackConfig, access: AccessConfig, backfill: BackfillConfig, pipelines: [Pipeline],
        locations: ManifestLocations = ManifestLocations(), secrets: ManifestSecrets = ManifestSecrets()
    ) {
        self.file = file
        self.baseDirectory = baseDirectory
        self.timeZone = timeZone
        self.warehouse = warehouse
        self.cost = cost
        self.slack = slack
        self.access = access
        self.backfill = backfill
        self.pipelines = pipelines
        self.locations = locations
        self.secrets = secrets
    }

    /// `text` without any secret: tokens and keys by pattern, and the values taken from the environment.
    public func redact(_ text: String) -> String {
        Secrets.redact(text, values: secrets)
    }

    /// The pipeline with this name, if any.
    public func pipeline(named name: String) -> Pipeline? {
        pipelines.first { $0.name == name }
    }

    /// `path` made absolute against `baseDirectory` (absolute paths are kept).
    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : baseDirectory + (baseDirectory.hasSuffix("/") ? "" : "/") + path
    }

    /// Every table any pipeline loads or builds, in manifest order.
    public var tables: [TableName] {
        pipelines.flatMap(\.tables)
    }

    /// Every table once, in manifest order (a table two pipelines write is listed at its first).
    public var uniqueTables: [TableName] {
        var seen = Set<TableName>()
        return tables.filter { seen.insert($0).inserted }
    }

    /// The first pipeline that loads or builds `table`, if any.
    public func owner(of table: TableName) -> String? {
        pipelines.first { $0.tables.contains(table) }?.name
    }

    /// Every table's first pipeline that loads or builds it, in one pass.
    public var owners: [TableName: String] {
        var owners: [TableName: String] = [:]
        for pipeline in pipelines {
            for table in pipeline.tables where owners[table] == nil { owners[table] = pipeline.name }
        }
        return owners
    }

    // MARK: Routing: the one rule for where a message goes and whom it names

    /// The channel a pipeline's messages go to (run results, alerts, progress): its `channel`, else
    /// `slack.default_channel`. An unknown or absent pipeline gets the default channel.
    public func channel(for pipeline: String?) -> String {
        pipeline.flatMap { self.pipeline(named: $0)?.channel } ?? slack.defaultChannel
    }

    /// Who a pipeline's loud messages mention: its `owners` (user and user-group ids).
    public func owners(for pipeline: String?) -> [String] {
        pipeline.flatMap { self.pipeline(named: $0)?.owners } ?? []
    }

    /// The channel the daily digest goes to: `slack.digest.channel`, else the default channel.
    public var digestChannel: String {
        slack.digest?.channel ?? slack.defaultChannel
    }
}

/// `warehouse:` — the embedded SQLite warehouse or BigQuery.
public enum WarehouseConfig: Sendable, Equatable {
    /// A folder of SQLite files, one per dataset (`raw.sqlite`, `mart.sqlite`, …).
    case sqlite(path: String)
    /// A BigQuery project; datasets are created in `location`.
    case bigquery(project: String, location: String)

    /// True on BigQuery, which bills the bytes queries scan; the SQLite warehouse bills nothing.
    public var bills: Bool { dialect == .bigquery }

    /// The SQL dialect models and checks are written in for this warehouse.
    public var dialect: SQLDialect {
        switch self {
        case .sqlite: .sqlite
        case .bigquery: .bigquery
        }
    }
}

/// `cost:` — BigQuery on-demand pricing and guard rails.
public struct CostConfig: Sendable, Equatable {
    /// US dollars per TiB billed (BigQuery on-demand list price by default).
    public var pricePerTiB: Double
    /// Every query job carries this as `maximumBytesBilled`; nil means no cap.
    public var maximumBytesBilled: Int64?
    /// Dollars per day across all pipelines; nil means no budget.
    public var dailyBudget: Double?

    /// Creates a cost configuration.
    public init(pricePerTiB: Double = 6.25, maximumBytesBilled: Int64? = nil, dailyBudget: Double? = nil) {
        self.pricePerTiB = pricePerTiB
        self.maximumBytesBilled = maximumBytesBilled
        self.dailyBudget = dailyBudget
    }
}

/// `slack:` — where messages go.
public struct SlackConfig: Sendable, Equatable {
    /// Channel for pipelines without their own `channel`.
    public var defaultChannel: String
    /// The daily digest, if configured.
    public var digest: DigestConfig?
    /// How long an unacknowledged error waits before it is re-announced to its owners.
    public var escalateAfter: TimeSpan

    /// Creates a Slack configuration.
    public init(defaultChannel: String, digest: DigestConfig? = nil, escalateAfter: TimeSpan = .minutes(60)) {
        self.defaultChannel = defaultChannel
        self.digest = digest
        self.escalateAfter = escalateAfter
    }
}

/// `slack.digest:` — when and where the daily digest is posted.
public struct DigestConfig: Sendable, Equatable {
    /// Local time of day in the manifest's time zone.
    public var at: TimeOfDay
    /// Channel; nil means the default channel.
    public var channel: String?

    /// Creates a digest configuration.
    public init(at: TimeOfDay, channel: String?) {
        self.at = at
        self.channel = channel
    }
}

/// `access:` — Slack user ids (`U…`/`W…`) and user-group ids (`S…`) allowed to act.
public struct AccessConfig: Sendable, Equatable {
    /// Operator user ids and user-group ids.
    public var operators: [String]

    /// Creates an access configuration.
    public init(operators: [String] = []) {
        self.operators = operators
    }
}

/// `backfill:` — limits for backfills.
public struct BackfillConfig: Sendable, Equatable {
    /// The longest backfill accepted, in days.
    public var maxDays: Int

    /// Creates a backfill configuration.
    public init(maxDays: Int = 31) {
        self.maxDays = maxDays
    }
}

/// A wall-clock time of day, `HH:MM`.
public struct TimeOfDay: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// 0–23.
    public var hour: Int
    /// 0–59.
    public var minute: Int

    /// Creates a time of day; the caller guarantees the ranges.
    public init(hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    /// Parses `H:MM` or `HH:MM`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 2, (1...2).contains(parts[0].count),
              let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        self.init(hour: h, minute: m)
    }

    /// `09:00`.
    public var description: String {
        String(format: "%02d:%02d", hour, minute)
    }
}
