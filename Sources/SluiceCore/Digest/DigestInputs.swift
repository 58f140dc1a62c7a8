import Foundation

/// Everything the digest is built from, as read from the state store and the warehouse. What to
/// read is given by `runsSince`, `freshnessRequests` and `dailyCountsSince`.
public struct DigestInputs: Sendable {
    /// When the digest is built.
    public var now: Date
    /// Every run created since `runsSince(now:timeZone:)`, with the bytes its steps billed.
    public var runs: [RunFigures]
    /// The warehouse's answer to each of `freshnessRequests(in:)`.
    public var freshness: [FreshnessRequest: FreshnessReading]
    /// Recorded daily row counts of each table in `dailyCountsSince`, from that day on.
    public var dailyCounts: [String: [DayCount]]
    /// Open and acknowledged alerts.
    public var alerts: [AlertRecord]
    /// Mutes active at `now`.
    public var mutes: [MuteRecord]

    /// Creates the inputs.
    public init(
        now: Date, runs: [RunFigures], freshness: [FreshnessRequest: FreshnessReading],
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

    /// The freshness figures to read: every table the manifest loads or builds, once per source its
    /// freshness checks name (see `FreshnessReport.requests`).
    public static func freshnessRequests(in manifest: Manifest) -> [FreshnessRequest] {
        FreshnessReport.requests(for: manifest.uniqueTables, in: manifest)
    }

    /// The tables with volume checks, each with the first day of recorded counts the digest needs.
    public static func dailyCountsSince(in manifest: Manifest, now: Date) -> [(table: TableName, since: String)] {
        let today = Days.string(now, in: manifest.timeZone)
        var earliest: [TableName: String] = [:]
        var order: [TableName] = []
        for pipeline in manifest.pipelines {
            for check in pipeline.checks {
                guard case let .volume(table, settings) = check.kind else { continue }
                let since = VolumeJudgement(check: settings, table: table, in: pipeline).historyStart(today: today)
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
}
