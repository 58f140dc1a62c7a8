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
    public var freshness: [DigestFreshnessLine]
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
        freshness: [DigestFreshnessLine], anomalies: [DigestAnomaly], alerts: [DigestAlertLine], mutes: [MuteRecord],
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
            freshness: freshness(manifest: manifest, readings: inputs.freshness, now: now),
            anomalies: anomalies(manifest: manifest, counts: inputs.dailyCounts, today: today),
            alerts: inputs.alerts
                .filter { $0.status != .resolved }
                .map { DigestAlertLine(alert: $0, muted: AlertLifecycle.isMuted($0, by: inputs.mutes, at: now)) }
                .sorted(by: DigestAlertLine.precedes),
            mutes: inputs.mutes.filter { $0.endsAt > now }.sorted { ($0.endsAt, $0.id) < ($1.endsAt, $1.id) },
            cost: DigestCost(runs: inputs.runs, today: today, timeZone: manifest.timeZone, config: manifest.cost,
                             billed: manifest.warehouse.dialect == .bigquery))
    }

    private static func freshness(
        manifest: Manifest, readings: [DigestFreshnessRequest: DigestFreshnessReading], now: Date
    ) -> [DigestFreshnessLine] {
        var owner: [TableName: String] = [:]
        for pipeline in manifest.pipelines {
            for table in pipeline.tables where owner[table] == nil { owner[table] = pipeline.name }
        }
        let checks = DigestInputs.freshnessChecks(in: manifest)
        let lines = DigestInputs.uniqueTables(in: manifest).map { table -> DigestFreshnessLine in
            let pipeline = owner[table] ?? ""
            guard let tableChecks = checks[table], !tableChecks.isEmpty else {
                let reading = readings[DigestFreshnessRequest(table: table, loadedAt: nil)]
                return DigestFreshnessLine(unchecked: table, pipeline: pipeline, reading: reading)
            }
            return tableChecks.map { check in
                DigestFreshnessLine(
                    table: table, pipeline: pipeline, check: check, now: now,
                    reading: readings[DigestFreshnessRequest(table: table, loadedAt: check.loadedAt)])
            }.min { $0.light < $1.light } ?? DigestFreshnessLine(unchecked: table, pipeline: pipeline, reading: nil)
        }
        return lines.enumerated().sorted { lhs, rhs in
            if lhs.element.light != rhs.element.light { return lhs.element.light < rhs.element.light }
            let (left, right) = (lhs.element.newest ?? .distantPast, rhs.element.newest ?? .distantPast)
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
    }

    private static func anomalies(manifest: Manifest, counts: [String: [DayCount]], today: String) -> [DigestAnomaly] {
        let yesterday = Days.adding(-1, to: today) ?? today
        var found: [DigestAnomaly] = []
        for pipeline in manifest.pipelines {
            for check in pipeline.checks {
                guard case let .volume(table, settings) = check.kind else { continue }
                let history = counts[table.description] ?? []
                let column = settings.dateColumn ?? pipeline.load(into: table)?.partitionBy ?? pipeline.model(named: table)?.partitionBy
                // A date column's today is still filling up, so the newest complete day is judged; a
                // table's total is recorded once a day, so its newest recorded day (today or yesterday) is.
                let day: String
                if column != nil {
                    day = yesterday
                } else if let newest = history.last(where: { $0.day == today || $0.day == yesterday })?.day {
                    day = newest
                } else {
                    continue
                }
                if case let .anomaly(assessment) = VolumeAnomalyDetector.evaluate(day: day, history: history, settings: settings) {
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

/// A table's traffic light, worst first.
public enum FreshnessLight: Int, Sendable, Comparable, CaseIterable {
    /// Past `error_after` (or past `warn_after` with no error threshold and no data).
    case stale
    /// Past `warn_after`.
    case warn
    /// The warehouse could not say.
    case unknown
    /// Within its thresholds.
    case fresh
    /// No freshness check: its age is shown without a verdict.
    case unchecked

    /// Orders worst first.
    public static func < (lhs: FreshnessLight, rhs: FreshnessLight) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One table's freshness in the digest.
public struct DigestFreshnessLine: Sendable, Equatable {
    /// The table.
    public var table: TableName
    /// The pipeline that loads or builds it.
    public var pipeline: String
    /// Its traffic light.
    public var light: FreshnessLight
    /// Whether the table exists in the warehouse.
    public var exists: Bool
    /// When its newest data is from (column or last write); nil when unknown or empty.
    public var newest: Date?
    /// Where `newest` came from: `column updated_at` or `table metadata`.
    public var source: String
    /// The thresholds of its check (`warn after 3h, error after 6h`); nil without a check.
    public var threshold: String?
    /// Why the figure is unknown, when it is.
    public var error: String?

    /// Creates a line.
    public init(
        table: TableName, pipeline: String, light: FreshnessLight, exists: Bool, newest: Date?, source: String,
        threshold: String?, error: String? = nil
    ) {
        self.table = table
        self.pipeline = pipeline
        self.light = light
        self.exists = exists
        self.newest = newest
        self.source = source
        self.threshold = threshold
        self.error = error
    }

    /// A table without a freshness check: its last write, no verdict.
    init(unchecked table: TableName, pipeline: String, reading: DigestFreshnessReading?) {
        self.init(
            table: table, pipeline: pipeline, light: reading != nil && reading?.error == nil ? .unchecked : .unknown,
            exists: reading?.exists ?? false, newest: reading?.lastModified, source: "table metadata", threshold: nil,
            error: reading == nil ? "not read" : reading?.error)
    }

    /// A table judged by one of its freshness checks.
    init(table: TableName, pipeline: String, check: DigestInputs.FreshnessCheck, now: Date, reading: DigestFreshnessReading?) {
        let source = check.loadedAt.map { "column \($0)" } ?? "table metadata"
        let threshold = [check.warnAfter.map { "warn after \($0)" }, check.errorAfter.map { "error after \($0)" }]
            .compactMap { $0 }.joined(separator: ", ")
        guard let reading, reading.error == nil else {
            self.init(table: table, pipeline: pipeline, light: .unknown, exists: false, newest: nil, source: source,
                      threshold: threshold, error: reading?.error ?? "not read")
            return
        }
        let newest = check.loadedAt == nil ? reading.lastModified : reading.newestLoadedAt
        let outcome = FreshnessEvaluator.evaluate(
            newest: newest, now: now, warnAfter: check.warnAfter, errorAfter: check.errorAfter, severity: check.severity,
            table: table, source: source)
        let light: FreshnessLight = switch outcome.status {
        case .pass: .fresh
        case .warn: .warn
        case .fail: .stale
        }
        self.init(table: table, pipeline: pipeline, light: light, exists: reading.exists, newest: newest, source: source,
                  threshold: threshold.isEmpty ? "no age limit" : threshold)
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

    /// Adds up the runs' billed bytes per local day before `today`.
    init(runs: [RunFigures], today: String, timeZone: TimeZone, config: CostConfig, billed: Bool) {
        let days = ((1...(DigestInputs.costComparisonDays + 1)).reversed()).compactMap { Days.adding(-$0, to: today) }
        var bytes: [String: Int64] = [:]
        var pipelines: [String: Int64] = [:]
        let yesterdayDay = days.last ?? today
        for figures in runs {
            let day = Days.string(figures.run.startedAt ?? figures.run.createdAt, in: timeZone)
            bytes[day, default: 0] += figures.bytesBilled
            if day == yesterdayDay, figures.bytesBilled > 0 { pipelines[figures.run.pipeline, default: 0] += figures.bytesBilled }
        }
        let costs = days.map { day in
            DigestDayCost(day: day, bytesBilled: bytes[day] ?? 0,
                          dollars: CostModel.dollars(bytes: bytes[day] ?? 0, pricePerTiB: config.pricePerTiB))
        }
        self.init(
            yesterday: costs.last ?? DigestDayCost(day: yesterdayDay, bytesBilled: 0, dollars: 0),
            previousDays: Array(costs.dropLast()),
            byPipeline: pipelines
                .map { DigestPipelineCost(pipeline: $0.key, dollars: CostModel.dollars(bytes: $0.value, pricePerTiB: config.pricePerTiB)) }
                .sorted { ($0.dollars, $1.pipeline) > ($1.dollars, $0.pipeline) },
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
