import Foundation

/// A table's freshness judged against its freshness check, worst first. The one verdict every
/// surface shows: the check step records it, and `/sluice freshness`, the digest and App Home render it.
public enum FreshnessVerdict: Int, Sendable, Comparable, CaseIterable {
    /// Past `error_after` on an error-severity check (an empty table counts as older than every threshold).
    case stale
    /// Past `warn_after`, or past `error_after` on a `severity: warn` check.
    case warn
    /// The warehouse could not say.
    case unknown
    /// Within its thresholds.
    case fresh
    /// No freshness check: only the age is shown.
    case unchecked

    /// The check step's status for this verdict: stale fails, warn warns, anything else passes.
    public var checkStatus: CheckStatus {
        switch self {
        case .stale: .fail
        case .warn: .warn
        case .unknown, .fresh, .unchecked: .pass
        }
    }

    /// The verdict a freshness check step recorded: its status, or unknown when it could not run.
    public init(recorded status: CheckStatus?) {
        switch status {
        case .fail: self = .stale
        case .warn: self = .warn
        case .pass: self = .fresh
        case nil: self = .unknown
        }
    }

    /// Orders worst first.
    public static func < (lhs: FreshnessVerdict, rhs: FreshnessVerdict) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where the instant of a table's newest data comes from.
public enum FreshnessSource: Sendable, Hashable, CustomStringConvertible {
    /// The newest value of a timestamp column (a freshness check's `loaded_at`).
    case column(String)
    /// The table's last modification, from warehouse metadata (nothing is scanned).
    case metadata

    /// `column updated_at` or `table metadata`.
    public var description: String {
        switch self {
        case let .column(name): "column \(name)"
        case .metadata: "table metadata"
        }
    }

    /// The `loaded_at` column, when the source is one.
    public var column: String? {
        if case let .column(name) = self { return name }
        return nil
    }
}

/// One freshness check's rule for its table: where the newest data is read from, the thresholds and
/// the severity. `verdict(age:)` is the only place a freshness age is judged.
public struct FreshnessRule: Sendable, Equatable {
    /// The table checked.
    public var table: TableName
    /// The pipeline the check belongs to.
    public var pipeline: String
    /// Where the newest-data instant comes from.
    public var source: FreshnessSource
    /// `warn_after`.
    public var warnAfter: TimeSpan?
    /// `error_after`.
    public var errorAfter: TimeSpan?
    /// `severity`: a warn-severity check past `error_after` warns.
    public var severity: Severity

    /// Creates a rule.
    public init(
        table: TableName, pipeline: String, source: FreshnessSource, warnAfter: TimeSpan?, errorAfter: TimeSpan?,
        severity: Severity = .error
    ) {
        self.table = table
        self.pipeline = pipeline
        self.source = source
        self.warnAfter = warnAfter
        self.errorAfter = errorAfter
        self.severity = severity
    }

    /// The rule of a check, or nil when it is not a freshness check.
    public init?(_ check: Check, pipeline: String) {
        guard case let .freshness(table, loadedAt, warnAfter, errorAfter) = check.kind else { return nil }
        self.init(
            table: table, pipeline: pipeline, source: loadedAt.map(FreshnessSource.column) ?? .metadata,
            warnAfter: warnAfter, errorAfter: errorAfter, severity: check.severity)
    }

    /// The thresholds and severity this rule judges by.
    public var limits: FreshnessLimits {
        FreshnessLimits(warnAfter: warnAfter, errorAfter: errorAfter, severity: severity)
    }

    /// The verdict for data `age` seconds old (nil: the table has no data), by `FreshnessLimits`.
    public func verdict(age: TimeInterval?) -> FreshnessVerdict { limits.verdict(age: age) }

    /// The threshold `verdict` is about, by `FreshnessLimits`.
    public func limit(for age: TimeInterval?) -> String { limits.limit(for: age) }

    /// Both thresholds, `warn after 3h, error after 6h`, or `no thresholds`.
    public var thresholds: String { limits.description }

    /// Every freshness check on `table` in the manifest: its own pipeline's first, then manifest order.
    public static func rules(for table: TableName, in manifest: Manifest) -> [FreshnessRule] {
        byTable(in: manifest)[table] ?? []
    }

    /// Every table's freshness checks, each table's own pipeline's first, then manifest order: one
    /// pass over the manifest, for surfaces that judge many tables.
    public static func byTable(in manifest: Manifest) -> [TableName: [FreshnessRule]] {
        var rules: [TableName: [FreshnessRule]] = [:]
        for pipeline in manifest.pipelines {
            for check in pipeline.checks {
                if let rule = FreshnessRule(check, pipeline: pipeline.name) { rules[rule.table, default: []].append(rule) }
            }
        }
        let owners = manifest.owners
        for (table, list) in rules where list.count > 1 {
            let own = owners[table]
            rules[table] = list.filter { $0.pipeline == own } + list.filter { $0.pipeline != own }
        }
        return rules
    }
}

/// A freshness check's thresholds and severity: the only place a freshness age is judged, for tables
/// and sources alike.
public struct FreshnessLimits: Sendable, Equatable, CustomStringConvertible {
    /// `warn_after`.
    public var warnAfter: TimeSpan?
    /// `error_after`.
    public var errorAfter: TimeSpan?
    /// `severity`: a warn-severity check past `error_after` warns.
    public var severity: Severity

    /// Creates limits.
    public init(warnAfter: TimeSpan?, errorAfter: TimeSpan?, severity: Severity = .error) {
        self.warnAfter = warnAfter
        self.errorAfter = errorAfter
        self.severity = severity
    }

    /// The verdict for data `age` seconds old (nil: no data): past `error_after` is stale (warn on a
    /// warn-severity check), past `warn_after` is warn, else fresh; no data counts as older than every
    /// threshold. Limits without thresholds judge nothing.
    public func verdict(age: TimeInterval?) -> FreshnessVerdict {
        guard warnAfter != nil || errorAfter != nil else { return .unchecked }
        let pastError: FreshnessVerdict = severity == .warn ? .warn : .stale
        guard let age else { return errorAfter != nil ? pastError : .warn }
        if let errorAfter, age > errorAfter.timeInterval { return pastError }
        if let warnAfter, age > warnAfter.timeInterval { return .warn }
        return .fresh
    }

    /// The threshold that `verdict` is about: `error after 6h` when past it, else `warn after 3h`
    /// when past that or when it is the nearer limit, else `error after …`, else `no age limit`.
    public func limit(for age: TimeInterval?) -> String {
        if let errorAfter, let age, age > errorAfter.timeInterval { return "error after \(errorAfter)" }
        return warnAfter.map { "warn after \($0)" } ?? errorAfter.map { "error after \($0)" } ?? "no age limit"
    }

    /// Both thresholds, `warn after 3h, error after 6h`, or `no thresholds`.
    public var description: String {
        let limits = [warnAfter.map { "warn after \($0)" }, errorAfter.map { "error after \($0)" }].compactMap { $0 }
        return limits.isEmpty ? "no thresholds" : limits.joined(separator: ", ")
    }
}

/// A freshness check on a source (`freshness: exports`, a source's name rather than a table's): how
/// old the newest data in the source itself is — the newest file's modification (csv, ndjson), the
/// newest object's `updated` (gcs), the greatest cursor (postgres) — so a feed that stopped arriving
/// alerts before any table goes stale.
public struct SourceFreshnessRule: Sendable, Equatable {
    /// The pipeline the check belongs to.
    public var pipeline: String
    /// The source's name.
    public var source: String
    /// Thresholds and severity.
    public var limits: FreshnessLimits

    /// Creates a rule.
    public init(pipeline: String, source: String, limits: FreshnessLimits) {
        self.pipeline = pipeline
        self.source = source
        self.limits = limits
    }

    /// The rule of a check, or nil when it is not a source freshness check.
    public init?(_ check: Check, pipeline: String) {
        guard case let .sourceFreshness(source, warnAfter, errorAfter) = check.kind else { return nil }
        self.init(pipeline: pipeline, source: source, limits: FreshnessLimits(warnAfter: warnAfter, errorAfter: errorAfter, severity: check.severity))
    }

    /// Every source freshness check in the manifest, in manifest order.
    public static func all(in manifest: Manifest) -> [SourceFreshnessRule] {
        manifest.pipelines.flatMap { pipeline in pipeline.checks.compactMap { SourceFreshnessRule($0, pipeline: pipeline.name) } }
    }
}

/// What a source freshness check's source said when asked: its newest data's instant, or why it could
/// not be asked. `/sluice freshness` lists these beside the tables.
public struct SourceFreshnessReading: Sendable, Equatable {
    /// The check's rule.
    public var rule: SourceFreshnessRule
    /// The source's `kind:` word.
    public var kind: String
    /// The newest data's instant; nil: none (or unreadable, with `problem`).
    public var newest: Date?
    /// Why the source could not be asked (already redacted).
    public var problem: String?

    /// Creates a reading.
    public init(rule: SourceFreshnessRule, kind: String, newest: Date?, problem: String? = nil) {
        self.rule = rule
        self.kind = kind
        self.newest = newest
        self.problem = problem
    }

    /// Age of the newest data at `now`.
    public func age(now: Date) -> TimeInterval? {
        newest.map { now.timeIntervalSince($0) }
    }

    /// The verdict at `now`, by the rule's limits; unknown when the source could not be asked.
    public func verdict(now: Date) -> FreshnessVerdict {
        problem == nil ? rule.limits.verdict(age: age(now: now)) : .unknown
    }
}
