import Foundation

/// The daily digest's figures: runs of the last 24 hours, every table's freshness, volume
/// anomalies, open alerts, active mutes and yesterday's cost. Built by `build` from records alone,
/// so the same inputs always give the same digest.
public struct DigestReport: Sendable, Equatable {
    /// The local day (`YYYY-MM-DD`) the digest is for.
    public var day: String
    /// When it was built.
    public var generatedAt: Date
    /// The manifest's time zone (the digest's local times).
    public var timeZone: TimeZone
    /// `slack.digest.at`, when a daily digest is scheduled.
    public var scheduledAt: TimeOfDay?
    /// How many pipelines the manifest has.
    public var pipelines: Int
    /// Runs created in the last 24 hours.
    public var runs: DigestRuns
    /// Every table the manifest loads or builds, worst first.
    public var freshness: [FreshnessReport.Entry]
    /// Volume checks whose latest complete day is an anomaly, largest deviation first.
    public var anomalies: [DigestAnomaly]
    /// Open and acknowledged alerts: unacknowledged first, errors before warnings, newest first.
    public var alerts: [DigestAlertLine]
    /// Active mutes, ending soonest first.
    public var mutes: [MuteRecord]
    /// Yesterday's cost against the days before it and the budget.
    public var cost: DigestCost

    /// Creates a report from its figures.
    public init(
        day: String, generatedAt: Date, timeZone: TimeZone, scheduledAt: TimeOfDay?, pipelines: Int, runs: DigestRuns,
        freshness: [FreshnessReport.Entry], anomalies: [DigestAnomaly], alerts: [DigestAlertLine], mutes: [MuteRecord],
        cost: DigestCost
    ) {
        self.day = day
        self.generatedAt = generatedAt
        self.timeZone = timeZone
        self.scheduledAt = scheduledAt
        self.pipelines = pipelines
        self.runs = runs
        self.freshness = freshness
        self.anomalies = anomalies
        self.alerts = alerts
        self.mutes = mutes
        self.cost = cost
    }

    /// The digest of local day `day` (default: the day of `inputs.now`) for `manifest`.
    public static func build(manifest: Manifest, inputs: DigestInputs, day: String? = nil) -> DigestReport {
        let now = inputs.now
        let today = Days.string(now, in: manifest.timeZone)
        return DigestReport(
            day: day ?? today, generatedAt: now, timeZone: manifest.timeZone, scheduledAt: manifest.slack.digest?.at,
            pipelines: manifest.pipelines.count,
            runs: DigestRuns(runs: inputs.runs.map(\.run).filter { $0.createdAt > now - 86_400 && $0.createdAt <= now }),
            freshness: FreshnessReport(
                subjects: FreshnessReport.subjects(in: manifest), manifest: manifest, readings: inputs.freshness, now: now
            ).worstFirst,
            anomalies: anomalies(manifest: manifest, counts: inputs.dailyCounts, today: today),
            alerts: inputs.alerts
                .filter { $0.status != .resolved }
                .map { DigestAlertLine(alert: $0, muted: AlertLifecycle.isMuted($0, by: inputs.mutes, at: now)) }
                .sorted(by: DigestAlertLine.precedes),
            mutes: inputs.mutes.filter { $0.endsAt > now }.sorted { ($0.endsAt, $0.id) < ($1.endsAt, $1.id) },
            cost: DigestCost(runs: inputs.runs, today: today, timeZone: manifest.timeZone, config: manifest.cost,
                             billed: manifest.warehouse.bills))
    }

    private static func anomalies(manifest: Manifest, counts: [String: [DayCount]], today: String) -> [DigestAnomaly] {
        var found: [DigestAnomaly] = []
        for pipeline in manifest.pipelines {
            for check in pipeline.checks {
                guard case let .volume(table, settings) = check.kind else { continue }
                let judgement = VolumeJudgement(check: settings, table: table, in: pipeline)
                if case let .anomaly(assessment) = judgement.verdict(today: today, history: counts[table.description] ?? []) {
                    found.append(DigestAnomaly(pipeline: pipeline.name, check: check.name, table: table,
                                               severity: check.severity, assessment: assessment))
                }
            }
        }
        return found.sorted { abs($0.assessment.zScore) > abs($1.assessment.zScore) }
    }
}

/// Runs created in the last 24 hours.
public struct DigestRuns: Sendable, Equatable {
    /// Every run in the window.
    public var total: Int
    /// Runs that succeeded.
    public var succeeded: Int
    /// Runs that failed or were interrupted.
    public var failed: Int
    /// Runs that were cancelled.
    public var cancelled: Int
    /// Runs still queued or running.
    public var active: Int
    /// Failed and interrupted runs, newest first.
    public var failures: [RunRecord]
    /// Finished runs, longest first.
    public var slowest: [RunRecord]

    /// Counts and ranks `runs`.
    public init(runs: [RunRecord]) {
        total = runs.count
        succeeded = runs.filter { $0.state == .succeeded }.count
        failed = runs.filter { $0.state == .failed || $0.state == .interrupted }.count
        cancelled = runs.filter { $0.state == .cancelled }.count
        active = runs.filter(\.state.isActive).count
        failures = runs.filter { $0.state == .failed || $0.state == .interrupted }.sorted { $0.id > $1.id }
        slowest = runs.filter { $0.duration != nil }.sorted { ($0.duration ?? 0, $1.id) > ($1.duration ?? 0, $0.id) }
    }
}

/// A volume check whose latest complete day is outside the expected band.
public struct DigestAnomaly: Sendable, Equatable {
    /// The check's pipeline.
    public var pipeline: String
    /// The check's name.
    public var check: String
    /// The table counted.
    public var table: TableName
    /// The check's severity.
    public var severity: Severity
    /// The day, its count and the band.
    public var assessment: VolumeAssessment

    /// Creates an anomaly line.
    public init(pipeline: String, check: String, table: TableName, severity: Severity, assessment: VolumeAssessment) {
        self.pipeline = pipeline
        self.check = check
        self.table = table
        self.severity = severity
        self.assessment = assessment
    }
}

/// An open or acknowledged alert, and whether a mute silences it.
public struct DigestAlertLine: Sendable, Equatable {
    /// The alert.
    public var alert: AlertRecord
    /// True when an active mute covers it.
    public var muted: Bool

    /// Creates an alert line.
    public init(alert: AlertRecord, muted: Bool) {
        self.alert = alert
        self.muted = muted
    }

    /// Unacknowledged before acknowledged, errors before warnings, newest first.
    static func precedes(_ lhs: DigestAlertLine, _ rhs: DigestAlertLine) -> Bool {
        func rank(_ line: DigestAlertLine) -> Int {
            (line.alert.status == .open ? 0 : 2) + (line.alert.severity == .error ? 0 : 1)
        }
        let (left, right) = (rank(lhs), rank(rhs))
        return left != right ? left < right : lhs.alert.id > rhs.alert.id
    }
}

/// Bytes billed and dollars on one local day.
public struct DigestDayCost: Sendable, Equatable {
    /// `YYYY-MM-DD`.
    public var day: String
    /// Bytes billed by the runs that started that day.
    public var bytesBilled: Int64
    /// Their cost.
    public var dollars: Double

    /// Creates a day's cost.
    public init(day: String, bytesBilled: Int64, dollars: Double) {
        self.day = day
        self.bytesBilled = bytesBilled
        self.dollars = dollars
    }
}

/// Yesterday's cost against the average of the days before it and the daily budget. A run's bytes
/// count on the local day it started.
public struct DigestCost: Sendable, Equatable {
    /// Yesterday.
    public var yesterday: DigestDayCost
    /// The `DigestInputs.costComparisonDays` days before yesterday, oldest first.
    public var previousDays: [DigestDayCost]
    /// Yesterday's cost per pipeline, costliest first (pipelines that billed nothing left out).
    public var byPipeline: [DigestPipelineCost]
    /// `cost.daily_budget`, if set.
    public var dailyBudget: Double?
    /// False on the SQLite warehouse, which bills nothing.
    public var billed: Bool

    /// Creates a cost summary from its figures.
    public init(
        yesterday: DigestDayCost, previousDays: [DigestDayCost], byPipeline: [DigestPipelineCost],
        dailyBudget: Double?, billed: Bool
    ) {
        self.yesterday = yesterday
        self.previousDays = previousDays
        self.byPipeline = byPipeline
        self.dailyBudget = dailyBudget
        self.billed = billed
    }

    /// The runs' spend per local day before `today`, by `CostLedger`'s rule.
    init(runs: [RunFigures], today: String, timeZone: TimeZone, config: CostConfig, billed: Bool) {
        let ledger = CostLedger(runs: runs, pricePerTiB: config.pricePerTiB, timeZone: timeZone)
        let days = ((1...(DigestInputs.costComparisonDays + 1)).reversed()).compactMap { Days.adding(-$0, to: today) }
        let costs = days.map { day in
            let spend = ledger.spend(onDay: day)
            return DigestDayCost(day: day, bytesBilled: spend.bytesBilled, dollars: spend.dollars)
        }
        let yesterday = days.last ?? today
        self.init(
            yesterday: costs.last ?? DigestDayCost(day: yesterday, bytesBilled: 0, dollars: 0),
            previousDays: Array(costs.dropLast()),
            byPipeline: ledger.byPipeline(onDay: yesterday).map { DigestPipelineCost(pipeline: $0.pipeline, dollars: $0.spend.dollars) },
            dailyBudget: config.dailyBudget, billed: billed)
    }

    /// The average daily cost of `previousDays` (days without runs count as zero).
    public var averageDollars: Double {
        previousDays.isEmpty ? 0 : previousDays.map(\.dollars).reduce(0, +) / Double(previousDays.count)
    }
}

/// One pipeline's cost on a day.
public struct DigestPipelineCost: Sendable, Equatable {
    /// The pipeline.
    public var pipeline: String
    /// What its runs billed, in dollars.
    public var dollars: Double

    /// Creates a pipeline's cost.
    public init(pipeline: String, dollars: Double) {
        self.pipeline = pipeline
        self.dollars = dollars
    }
}
