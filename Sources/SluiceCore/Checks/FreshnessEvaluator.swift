import Foundation

/// Turns the metadata-based checks into outcomes: freshness (age of the newest data against
/// `warn_after` / `error_after`) and volume (a `VolumeVerdict`).
public enum FreshnessEvaluator {
    /// The freshness outcome of `rule`'s table whose newest data is from `newest` (nil: the table has
    /// no data), judged by `FreshnessRule.verdict(age:)`: stale fails, warn warns, else it passes.
    public static func evaluate(rule: FreshnessRule, newest: Date?, now: Date) -> CheckOutcome {
        let age = newest.map { now.timeIntervalSince($0) }
        let status = rule.verdict(age: age).checkStatus
        guard let newest, let age else {
            return CheckOutcome(status: status, summary: "\(rule.table) has no data yet (checked \(rule.source))")
        }
        let ageText = age < 60 ? "under a minute old" : "\(Format.duration(age)) old"
        return CheckOutcome(
            status: status,
            summary: "\(rule.table) is \(ageText) (\(rule.limit(for: age)); \(newestPhrase(source: rule.source, newest: newest)))")
    }

    /// The freshness outcome of a source whose newest data (file, object or cursor) is from `newest`
    /// (nil: the source has none), judged by the same `FreshnessLimits` as tables.
    public static func evaluate(rule: SourceFreshnessRule, newest: Date?, now: Date) -> CheckOutcome {
        let age = newest.map { now.timeIntervalSince($0) }
        let status = rule.limits.verdict(age: age).checkStatus
        guard let newest, let age else {
            return CheckOutcome(status: status, summary: "source \(rule.source) has no data yet (no files, objects or rows)")
        }
        let ageText = age < 60 ? "under a minute old" : "\(Format.duration(age)) old"
        return CheckOutcome(
            status: status,
            summary: "source \(rule.source)'s newest data is \(ageText) (\(rule.limits.limit(for: age)); newest \(Format.timestamp(newest)))")
    }

    /// The outcome of a volume check: an anomaly fails (warns when the check's severity is `warn`);
    /// a normal day and too little history pass, the latter saying how many days exist and are needed.
    public static func volumeOutcome(verdict: VolumeVerdict, check: Check) -> CheckOutcome {
        let subject = check.table?.description ?? check.name
        switch verdict {
        case let .insufficientHistory(points, needed):
            return CheckOutcome(
                status: .pass,
                summary: "\(subject) has \(points) of the \(needed) days of history a volume check needs; not judged yet")
        case let .normal(assessment):
            return CheckOutcome(
                status: .pass,
                summary: "\(subject) had \(Format.rows(assessment.observed)) on \(assessment.day), within the expected \(band(assessment))")
        case let .anomaly(assessment):
            let side = assessment.direction == .drop ? "below" : "above"
            let z = (assessment.zScore * 10).rounded() / 10
            return CheckOutcome(
                status: check.severity == .warn ? .warn : .fail,
                summary: "\(subject) had \(Format.rows(assessment.observed)) on \(assessment.day), \(side) the expected "
                    + "\(band(assessment)) (z = \(z), \(assessment.trainingPoints) days of history)")
        }
    }

    private static func band(_ assessment: VolumeAssessment) -> String {
        "\(Format.count(whole(assessment.lower)))–\(Format.count(whole(assessment.upper)))"
    }

    private static func whole(_ value: Double) -> Int64 {
        guard value.isFinite else { return value > 0 ? Int64.max : 0 }
        return value >= 9.2e18 ? Int64.max : Int64(max(value, 0).rounded())
    }

    private static func newestPhrase(source: FreshnessSource, newest: Date) -> String {
        switch source {
        case let .column(name): "newest \(name) \(Format.timestamp(newest))"
        case .metadata: "newest data \(Format.timestamp(newest)) per \(source)"
        }
    }
}
