import Foundation
import SluiceCore
import Testing

/// A freshness scenario: age of the newest data (nil: empty table), thresholds, severity → status and summary.
struct FreshnessCase: Sendable, CustomTestStringConvertible {
    let age: TimeInterval?
    let warnAfter: TimeSpan?
    let errorAfter: TimeSpan?
    let severity: Severity
    let source: FreshnessSource
    let status: CheckStatus
    let summary: String

    var testDescription: String { summary }
}

@Suite("FreshnessEvaluator")
struct FreshnessEvaluatorTests {
    /// 2026-11-21 15:15 UTC.
    static let now = Date(timeIntervalSince1970: 1_795_274_100)
    static let table = TableName(dataset: "raw", table: "orders")

    static let cases: [FreshnessCase] = [
        FreshnessCase(age: 7 * 3600 + 12 * 60, warnAfter: .hours(3), errorAfter: .hours(6), severity: .error, source: .column("updated_at"),
                      status: .fail, summary: "raw.orders is 7h 12m old (error after 6h; newest updated_at 2026-11-21 08:03 UTC)"),
        FreshnessCase(age: 7 * 3600 + 12 * 60, warnAfter: .hours(3), errorAfter: .hours(6), severity: .warn, source: .column("updated_at"),
                      status: .warn, summary: "raw.orders is 7h 12m old (error after 6h; newest updated_at 2026-11-21 08:03 UTC)"),
        FreshnessCase(age: 4 * 3600, warnAfter: .hours(3), errorAfter: .hours(6), severity: .error, source: .column("updated_at"),
                      status: .warn, summary: "raw.orders is 4h old (warn after 3h; newest updated_at 2026-11-21 11:15 UTC)"),
        FreshnessCase(age: 2 * 3600 + 5 * 60, warnAfter: .hours(3), errorAfter: .hours(6), severity: .error, source: .metadata,
                      status: .pass, summary: "raw.orders is 2h 05m old (warn after 3h; newest data 2026-11-21 13:10 UTC per table metadata)"),
        FreshnessCase(age: 6 * 3600, warnAfter: .hours(3), errorAfter: .hours(6), severity: .error, source: .column("updated_at"),
                      status: .warn, summary: "raw.orders is 6h old (warn after 3h; newest updated_at 2026-11-21 09:15 UTC)"),
        FreshnessCase(age: 30 * 3600, warnAfter: nil, errorAfter: .days(1), severity: .error, source: .metadata,
                      status: .fail, summary: "raw.orders is 1d 6h old (error after 1d; newest data 2026-11-20 09:15 UTC per table metadata)"),
        FreshnessCase(age: 3600, warnAfter: nil, errorAfter: .days(1), severity: .error, source: .metadata,
                      status: .pass, summary: "raw.orders is 1h old (error after 1d; newest data 2026-11-21 14:15 UTC per table metadata)"),
        FreshnessCase(age: 20, warnAfter: .minutes(30), errorAfter: nil, severity: .error, source: .column("loaded_at"),
                      status: .pass, summary: "raw.orders is under a minute old (warn after 30m; newest loaded_at 2026-11-21 15:14 UTC)"),
        FreshnessCase(age: -600, warnAfter: .minutes(30), errorAfter: nil, severity: .error, source: .column("loaded_at"),
                      status: .pass, summary: "raw.orders is under a minute old (warn after 30m; newest loaded_at 2026-11-21 15:25 UTC)"),
        FreshnessCase(age: nil, warnAfter: .hours(3), errorAfter: .hours(6), severity: .error, source: .column("updated_at"),
                      status: .fail, summary: "raw.orders has no data yet (checked column updated_at)"),
        FreshnessCase(age: nil, warnAfter: .hours(3), errorAfter: .hours(6), severity: .warn, source: .metadata,
                      status: .warn, summary: "raw.orders has no data yet (checked table metadata)"),
        FreshnessCase(age: nil, warnAfter: .hours(3), errorAfter: nil, severity: .error, source: .metadata,
                      status: .warn, summary: "raw.orders has no data yet (checked table metadata)"),
    ]

    @Test("status and summary", arguments: cases)
    func evaluate(_ example: FreshnessCase) {
        let rule = FreshnessRule(
            table: Self.table, pipeline: "shop", source: example.source, warnAfter: example.warnAfter,
            errorAfter: example.errorAfter, severity: example.severity)
        let outcome = FreshnessEvaluator.evaluate(rule: rule, newest: example.age.map { Self.now.addingTimeInterval(-$0) }, now: Self.now)
        #expect(outcome.status == example.status)
        #expect(outcome.summary == example.summary)
        #expect(outcome.failingRows == 0)
        #expect(outcome.sample.isEmpty)
    }
}
