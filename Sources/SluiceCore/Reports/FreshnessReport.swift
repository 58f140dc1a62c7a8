import Foundation

/// One freshness figure to read from the warehouse: a table, and where its newest data is read from.
public struct FreshnessRequest: Sendable, Hashable {
    /// The table.
    public var table: TableName
    /// A `loaded_at` column, or the table's metadata.
    public var source: FreshnessSource

    /// Creates a request.
    public init(table: TableName, source: FreshnessSource) {
        self.table = table
        self.source = source
    }
}

/// What the warehouse answered about one table's freshness.
public struct FreshnessReading: Sendable, Equatable {
    /// Whether the table exists.
    public var exists: Bool
    /// The newest data's instant, as the request's source gives it; nil when the table is empty or missing.
    public var newest: Date?
    /// Why the figure could not be read, when it could not.
    public var problem: String?

    /// Creates a reading.
    public init(exists: Bool, newest: Date? = nil, problem: String? = nil) {
        self.exists = exists
        self.newest = newest
        self.problem = problem
    }

    /// A reading that failed with `problem`.
    public static func unavailable(_ problem: String) -> FreshnessReading {
        FreshnessReading(exists: false, problem: problem)
    }
}

/// What is known about one table's freshness: its rule, the warehouse's reading and Sluice's own
/// record of when it last wrote the table. Gathered by the caller; judged by `FreshnessReport`.
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
    /// The freshness check it is judged by; nil when it has none (only its age is shown).
    public var rule: FreshnessRule?
    /// What the warehouse said.
    public var reading: FreshnessReading
    /// When Sluice last loaded or built the table, if it ever did.
    public var lastWrite: LastWrite?

    /// Creates an observation.
    public init(table: TableName, pipeline: String, rule: FreshnessRule?, reading: FreshnessReading, lastWrite: LastWrite? = nil) {
        self.table = table
        self.pipeline = pipeline
        self.rule = rule
        self.reading = reading
        self.lastWrite = lastWrite
    }

    /// Where the newest-data instant came from.
    public var source: FreshnessSource { rule?.source ?? .metadata }
}

/// The freshness of a set of tables at one instant: each table's age and verdict, and the counts per
/// verdict. Pure; `/sluice freshness` and the digest render it (App Home renders the verdicts the
/// checks recorded, judged by the same `FreshnessRule`).
public struct FreshnessReport: Sendable, Equatable {
    /// One table's judged freshness.
    public struct Entry: Sendable, Equatable {
        /// What was observed.
        public var observation: FreshnessObservation
        /// Seconds since the newest data (never negative); nil when there is no data.
        public var age: TimeInterval?
        /// The verdict.
        public var verdict: FreshnessVerdict

        /// Creates an entry.
        public init(observation: FreshnessObservation, age: TimeInterval?, verdict: FreshnessVerdict) {
            self.observation = observation
            self.age = age
            self.verdict = verdict
        }

        /// The table.
        public var table: TableName { observation.table }
        /// The newest data's instant, when known.
        public var newest: Date? { observation.reading.newest }
    }

    /// Entries in the order of the subjects.
    public var entries: [Entry]
    /// The instant ages are measured at.
    public var now: Date

    /// Judges every observation at `now`: an unreadable table is unknown, else its rule decides.
    public init(observations: [FreshnessObservation], now: Date) {
        self.now = now
        entries = observations.map { Self.judge($0, now: now) }
    }

    /// Judges `subjects` (pipeline and table) from the warehouse's `readings` of `requests(for:in:)`:
    /// a table with several freshness checks shows the worst of them; one without shows its age
    /// from metadata, unchecked.
    public init(
        subjects: [(pipeline: String, table: TableName)], manifest: Manifest,
        readings: [FreshnessRequest: FreshnessReading], lastWrites: [TableName: FreshnessObservation.LastWrite] = [:],
        now: Date
    ) {
        self.now = now
        let rules = FreshnessRule.byTable(in: manifest)
        entries = subjects.map { subject -> Entry in
            let write = lastWrites[subject.table]
            func judged(_ rule: FreshnessRule?) -> Entry {
                let request = FreshnessRequest(table: subject.table, source: rule?.source ?? .metadata)
                return Self.judge(FreshnessObservation(
                    table: subject.table, pipeline: subject.pipeline, rule: rule,
                    reading: readings[request] ?? .unavailable("not read"), lastWrite: write), now: now)
            }
            // The first rule wins ties, so the table's own pipeline's check is the one shown.
            let judgements = (rules[subject.table] ?? []).map(judged)
            return judgements.enumerated().min { ($0.element.verdict, $0.offset) < ($1.element.verdict, $1.offset) }?.element
                ?? judged(nil)
        }
    }

    /// What to read from the warehouse for `subjects`: each table once per source its freshness
    /// checks name (a table without a freshness check is read from its metadata).
    public static func requests(for tables: [TableName], in manifest: Manifest) -> [FreshnessRequest] {
        var seen = Set<FreshnessRequest>()
        let rules = FreshnessRule.byTable(in: manifest)
        return tables.flatMap { table -> [FreshnessRequest] in
            let sources = (rules[table] ?? []).map(\.source)
            return (sources.isEmpty ? [.metadata] : sources).map { FreshnessRequest(table: table, source: $0) }
        }.filter { seen.insert($0).inserted }
    }

    /// Every table of the manifest once, each with the first pipeline that writes it.
    public static func subjects(in manifest: Manifest) -> [(pipeline: String, table: TableName)] {
        let owners = manifest.owners
        return manifest.uniqueTables.map { (owners[$0] ?? "", $0) }
    }

    /// How many entries have this verdict.
    public func count(_ verdict: FreshnessVerdict) -> Int {
        entries.filter { $0.verdict == verdict }.count
    }

    /// The entries with this verdict, in report order.
    public func entries(_ verdict: FreshnessVerdict) -> [Entry] {
        entries.filter { $0.verdict == verdict }
    }

    /// The entries worst first; within a verdict the oldest data first, then report order.
    public var worstFirst: [Entry] {
        entries.enumerated().sorted { lhs, rhs in
            if lhs.element.verdict != rhs.element.verdict { return lhs.element.verdict < rhs.element.verdict }
            let (left, right) = (lhs.element.newest ?? .distantPast, rhs.element.newest ?? .distantPast)
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
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

    private static func judge(_ observation: FreshnessObservation, now: Date) -> Entry {
        let age = observation.reading.newest.map { max(now.timeIntervalSince($0), 0) }
        let verdict: FreshnessVerdict = if observation.reading.problem != nil {
            .unknown
        } else {
            observation.rule?.verdict(age: age) ?? .unchecked
        }
        return Entry(observation: observation, age: age, verdict: verdict)
    }
}
