import Foundation

/// Where the instant of a table's newest data came from.
public enum FreshnessSource: Sendable, Equatable, CustomStringConvertible {
    /// The newest value of a timestamp column (a freshness check's `loaded_at`).
    case column(String)
    /// The table's last modification, from warehouse metadata (nothing is scanned).
    case metadata

    /// `column updated_at` or `table metadata`, as `FreshnessEvaluator` words it.
    public var description: String {
        switch self {
        case let .column(name): "column \(name)"
        case .metadata: "table metadata"
        }
    }
}

/// What is known about one table's freshness: the manifest's thresholds, the warehouse's facts and
/// Sluice's own record of when it last wrote the table. Gathered by the caller; judged by `FreshnessReport`.
public struct FreshnessObservation: Sendable, Equatable {
    /// Sluice's most recent successful write of the table: a load or a model build.
    public struct LastWrite: Sendable, Equatable {
        /// When the step finished.
        public var at: Date
        /// The run it belonged to.
        public var runID: Int64
        /// `load` or `model`.
        public var kind: StepKind

        /// Creates a last write.
        public init(at: Date, runID: Int64, kind: StepKind) {
            self.at = at
            self.runID = runID
            self.kind = kind
        }
    }

    /// The table.
    public var table: TableName
    /// The pipeline that loads or builds it.
    public var pipeline: String
    /// Whether the table exists in the warehouse.
    public var exists: Bool
    /// The newest data's instant; nil when the table is empty or missing.
    public var newest: Date?
    /// Where `newest` came from.
    public var source: FreshnessSource
    /// `warn_after`, when a freshness check sets it.
    public var warnAfter: TimeSpan?
    /// `error_after`, when a freshness check sets it.
    public var errorAfter: TimeSpan?
    /// When Sluice last loaded or built the table, if it ever did.
    public var lastWrite: LastWrite?
    /// Why the warehouse could not answer, when it could not.
    public var problem: String?

    /// Creates an observation.
    public init(
        table: TableName, pipeline: String, exists: Bool, newest: Date?, source: FreshnessSource,
        warnAfter: TimeSpan? = nil, errorAfter: TimeSpan? = nil, lastWrite: LastWrite? = nil, problem: String? = nil
    ) {
        self.table = table
        self.pipeline = pipeline
        self.exists = exists
        self.newest = newest
        self.source = source
        self.warnAfter = warnAfter
        self.errorAfter = errorAfter
        self.lastWrite = lastWrite
        self.problem = problem
    }

    /// True when a threshold is set.
    public var hasThresholds: Bool { warnAfter != nil || errorAfter != nil }
}

/// The freshness of a set of tables at one instant: each table's age and traffic light, and the
/// counts per light. Pure; `/sluice freshness`, the digest and App Home render it.
public struct FreshnessReport: Sendable, Equatable {
    /// A table's freshness traffic light.
    public enum Light: String, Sendable, Equatable, CaseIterable {
        /// Older than `error_after`, or no data while thresholds are set.
        case stale
        /// Older than `warn_after` (but not `error_after`).
        case warn
        /// Within its thresholds.
        case fresh
        /// No thresholds: only the age is shown.
        case unchecked
        /// The warehouse could not say.
        case unknown
    }

    /// One table's judged freshness.
    public struct Entry: Sendable, Equatable {
        /// What was observed.
        public var observation: FreshnessObservation
        /// Seconds since the newest data (never negative); nil when there is no data.
        public var age: TimeInterval?
        /// The traffic light.
        public var light: Light

        /// Creates an entry.
        public init(observation: FreshnessObservation, age: TimeInterval?, light: Light) {
            self.observation = observation
            self.age = age
            self.light = light
        }
    }

    /// A freshness check's settings for a table.
    public struct Rule: Sendable, Equatable {
        /// The timestamp column to read, or nil for table metadata.
        public var loadedAt: String?
        /// `warn_after`.
        public var warnAfter: TimeSpan?
        /// `error_after`.
        public var errorAfter: TimeSpan?

        /// Creates a rule.
        public init(loadedAt: String?, warnAfter: TimeSpan?, errorAfter: TimeSpan?) {
            self.loadedAt = loadedAt
            self.warnAfter = warnAfter
            self.errorAfter = errorAfter
        }

        /// Where the newest-data instant comes from under this rule.
        public var source: FreshnessSource { loadedAt.map(FreshnessSource.column) ?? .metadata }
    }

    /// Entries in the order of the observations.
    public var entries: [Entry]
    /// The instant ages are measured at.
    public var now: Date

    /// Judges every observation at `now`.
    public init(observations: [FreshnessObservation], now: Date) {
        self.now = now
        entries = observations.map { observation in
            let age = observation.newest.map { max(now.timeIntervalSince($0), 0) }
            return Entry(observation: observation, age: age, light: Self.light(for: observation, age: age))
        }
    }

    /// How many entries have this light.
    public func count(_ light: Light) -> Int {
        entries.filter { $0.light == light }.count
    }

    /// The entries with this light, in report order.
    public func entries(_ light: Light) -> [Entry] {
        entries.filter { $0.light == light }
    }

    /// The light for an age against thresholds, as `FreshnessEvaluator` judges it: past `error_after`
    /// is stale, past `warn_after` is warn; no data counts as older than every threshold.
    public static func light(age: TimeInterval?, warnAfter: TimeSpan?, errorAfter: TimeSpan?) -> Light {
        guard warnAfter != nil || errorAfter != nil else { return .unchecked }
        guard let age else { return errorAfter != nil ? .stale : .warn }
        if let errorAfter, age > errorAfter.timeInterval { return .stale }
        if let warnAfter, age > warnAfter.timeInterval { return .warn }
        return .fresh
    }

    /// The first freshness check on `table` in the manifest (its own pipeline's checks first), or nil.
    public static func rule(for table: TableName, pipeline: String?, in manifest: Manifest) -> Rule? {
        let ordered = manifest.pipelines.filter { $0.name == pipeline } + manifest.pipelines.filter { $0.name != pipeline }
        for candidate in ordered {
            for check in candidate.checks {
                if case let .freshness(checked, loadedAt, warnAfter, errorAfter) = check.kind, checked == table {
                    return Rule(loadedAt: loadedAt, warnAfter: warnAfter, errorAfter: errorAfter)
                }
            }
        }
        return nil
    }

    /// The most recent successful load or model step per table among `runs` (steps kept from an
    /// earlier run, which have no finish time, do not count).
    public static func lastWrites(in runs: [(run: RunRecord, steps: [StepRecord])]) -> [TableName: FreshnessObservation.LastWrite] {
        var latest: [TableName: FreshnessObservation.LastWrite] = [:]
        for (run, steps) in runs {
            for step in steps where step.state == .succeeded && (step.kind == .load || step.kind == .model) {
                guard let finished = step.finishedAt, let table = writtenTable(of: step) else { continue }
                if let known = latest[table], known.at >= finished { continue }
                latest[table] = FreshnessObservation.LastWrite(at: finished, runID: run.id, kind: step.kind)
            }
        }
        return latest
    }

    /// The table a `load:dataset.table` or `model:dataset.table` step writes (see `RunPlan`'s step ids).
    public static func writtenTable(of step: StepRecord) -> TableName? {
        let parts = step.stepID.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[0] == step.kind.rawValue, step.kind != .check else { return nil }
        return TableName(String(parts[1]))
    }

    private static func light(for observation: FreshnessObservation, age: TimeInterval?) -> Light {
        if observation.problem != nil { return .unknown }
        return light(age: age, warnAfter: observation.warnAfter, errorAfter: observation.errorAfter)
    }
}
