import Foundation

/// Turns the metadata-based checks into outcomes: freshness (age of the newest data against
/// `warn_after` / `error_after`) and volume (a `VolumeVerdict`).
public enum FreshnessEvaluator {
    /// The freshness outcome of `table` whose newest data is from `newest` (nil: the table has no data).
    /// Past `errorAfter` fails (warns when `severity` is `warn`); past `warnAfter` warns; else passes.
    /// An empty table counts as older than every threshold. `source` says where `newest` came from:
    /// `column updated_at` or `table metadata`.
    public static func evaluate(
        newest: Date?, now: Date, warnAfter: TimeSpan?, errorAfter: TimeSpan?, severity: Severity,
        table: TableName, source: String
    ) -> CheckOutcome {
        let errorStatus: CheckStatus = severity == .warn ? .warn : .fail
        guard let newest else {
            let status: CheckStatus = errorAfter == nil && warnAfter != nil ? .warn : errorStatus
            return CheckOutcome(status: status, summary: "\(table) has no data yet (checked \(source))")
        }
        let age = now.timeIntervalSince(newest)
        let ageText = age < 60 ? "under a minute old" : "\(Format.duration(age)) old"
        let evidence = newestPhrase(source: source, newest: newest)
        if let errorAfter, age > errorAfter.timeInterval {
            return CheckOutcome(status: errorStatus, summary: "\(table) is \(ageText) (error after \(errorAfter); \(evidence))")
        }
        if let warnAfter, age > warnAfter.timeInterval {
            return CheckOutcome(status: .warn, summary: "\(table) is \(ageText) (warn after \(warnAfter); \(evidence))")
        }
        let limit = warnAfter.map { "warn after \($0)" } ?? errorAfter.map { "error after \($0)" } ?? "no age limit"
        return CheckOutcome(status: .pass, summary: "\(table) is \(ageText) (\(limit); \(evidence))")
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

    private static func newestPhrase(source: String, newest: Date) -> String {
        let column = "column "
        if source.hasPrefix(column) {
            return "newest \(source.dropFirst(column.count)) \(Format.timestamp(newest))"
        }
        return "newest data \(Format.timestamp(newest)) per \(source)"
    }
}
