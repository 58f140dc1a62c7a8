import Foundation

/// One freshness figure the digest needs from the warehouse: a table, and the `loaded_at` column
/// its freshness is read from (nil: the table's metadata).
public struct DigestFreshnessRequest: Sendable, Hashable {
    /// The table.
    public var table: TableName
    /// The timestamp column whose newest value is the table's age, or nil for the last write.
    public var loadedAt: String?

    /// Creates a request.
    public init(table: TableName, loadedAt: String?) {
        self.table = table
        self.loadedAt = loadedAt
    }
}

/// What the warehouse answered about one table's freshness.
public struct DigestFreshnessReading: Sendable, Equatable {
    /// Whether the table exists.
    public var exists: Bool
    /// Newest value of the `loaded_at` column, when one was asked for and the table has rows.
    public var newestLoadedAt: Date?
    /// When the table was last written.
    public var lastModified: Date?
    /// Why the figure could not be read, when it could not.
    public var error: String?

    /// Creates a reading.
    public init(exists: Bool, newestLoadedAt: Date? = nil, lastModified: Date? = nil, error: String? = nil) {
        self.exists = exists
        self.newestLoadedAt = newestLoadedAt
        self.lastModified = lastModified
        self.error = error
    }

    /// A reading that failed with `error`.
    public static func unavailable(_ error: String) -> DigestFreshnessReading {
        DigestFreshnessReading(exists: false, error: error)
    }
}

/// Everything the digest is built from, as read from the state store and the warehouse. What to
/// read is given by `runsSince`, `freshnessRequests` and `dailyCountsSince`.
public struct DigestInputs: Sendable {
    /// When the digest is built.
    public var now: Date
    /// Every run created since `runsSince(now:timeZone:)`, with the bytes its steps billed.
    public var runs: [RunFigures]
    /// The warehouse's answer to each of `freshnessRequests(in:)`.
    public var freshness: [DigestFreshnessRequest: DigestFreshnessReading]
    /// Recorded daily row counts of each table in `dailyCountsSince`, from that day on.
    public var dailyCounts: [String: [DayCount]]
    /// Open and acknowledged alerts.
    public var alerts: [AlertRecord]
    /// Mutes active at `now`.
    public var mutes: [MuteRecord]

    /// Creates the inputs.
    public init(
        now: Date, runs: [RunFigures], freshness: [DigestFreshnessRequest: DigestFreshnessReading],
        dailyCounts: [String: [DayCount]], alerts: [AlertRecord], mutes: [MuteRecord]
    ) {
        self.now = now
        self.runs = runs
        self.freshness = freshness
        self.dailyCounts = dailyCounts
        self.alerts = alerts
        self.mutes = mutes
    }

    /// Days of cost history before yesterday that yesterday's cost is compared with.
    public static let costComparisonDays = 7

    /// The earliest instant whose runs the digest reads: the start of the local day
    /// `costComparisonDays + 1` days before today (the cost comparison), which also covers the last 24 h.
    public static func runsSince(now: Date, timeZone: TimeZone) -> Date {
        let local = Int64(now.timeIntervalSince1970.rounded(.down)) + Int64(timeZone.secondsFromGMT(for: now))
        let first = Days.floorDivide(local, 86_400) - Int64(costComparisonDays + 1)
        return Date(timeIntervalSince1970: TimeInterval(CronSchedule.instant(ofLocal: first * 86_400, in: timeZone)))
    }

    /// The freshness figures to read: every table the manifest loads or builds, once per
    /// `loaded_at` column its freshness checks name (a table without a freshness check is read from
    /// its metadata).
    public static func freshnessRequests(in manifest: Manifest) -> [DigestFreshnessRequest] {
        var seen = Set<DigestFreshnessRequest>()
        var requests: [DigestFreshnessRequest] = []
        let checksByTable = freshnessChecks(in: manifest)
        for table in uniqueTables(in: manifest) {
            let checks = checksByTable[table] ?? []
            let columns: [String?] = checks.isEmpty ? [nil] : checks.map(\.loadedAt)
            for column in columns {
                let request = DigestFreshnessRequest(table: table, loadedAt: column)
                if seen.insert(request).inserted { requests.append(request) }
            }
        }
        return requests
    }

    /// The tables with volume checks, each with the first day of recorded counts the digest needs.
    public static func dailyCountsSince(in manifest: Manifest, now: Date) -> [(table: TableName, since: String)] {
        let today = Days.string(now, in: manifest.timeZone)
        var earliest: [TableName: String] = [:]
        var order: [TableName] = []
        for pipeline in manifest.pipelines {
            for check in pipeline.checks {
                guard case let .volume(table, settings) = check.kind else { continue }
                let window = settings.trainingDays * (settings.seasonality == .dayOfWeek ? 7 : 1) + 2
                let since = Days.adding(-window, to: today) ?? today
                if let known = earliest[table] {
                    earliest[table] = min(known, since)
                } else {
                    earliest[table] = since
                    order.append(table)
                }
            }
        }
        return order.map { ($0, earliest[$0] ?? today) }
    }

    /// Every table of the manifest once, in manifest order.
    static func uniqueTables(in manifest: Manifest) -> [TableName] {
        var seen = Set<TableName>()
        return manifest.tables.filter { seen.insert($0).inserted }
    }

    /// The freshness checks of every table across pipelines, in manifest order.
    static func freshnessChecks(in manifest: Manifest) -> [TableName: [FreshnessCheck]] {
        var checks: [TableName: [FreshnessCheck]] = [:]
        for pipeline in manifest.pipelines {
            for check in pipeline.checks {
                guard case let .freshness(table, loadedAt, warnAfter, errorAfter) = check.kind else { continue }
                checks[table, default: []].append(FreshnessCheck(
                    pipeline: pipeline.name, loadedAt: loadedAt, warnAfter: warnAfter, errorAfter: errorAfter,
                    severity: check.severity))
            }
        }
        return checks
    }

    /// A freshness check's settings, with its pipeline.
    struct FreshnessCheck {
        let pipeline: String
        let loadedAt: String?
        let warnAfter: TimeSpan?
        let errorAfter: TimeSpan?
        let severity: Severity
    }
}
