import Foundation
import SluiceCore
import Testing

/// One row of the verdict table: a freshness check's severity and thresholds, the age of the
/// newest data (nil: none), and the verdict every surface must show.
struct VerdictCase: Sendable, CustomTestStringConvertible {
    let severity: Severity
    let warnAfter: TimeSpan?
    let errorAfter: TimeSpan?
    let age: TimeInterval?
    let verdict: FreshnessVerdict

    var testDescription: String {
        "\(severity) warn \(warnAfter.map(\.description) ?? "-") error \(errorAfter.map(\.description) ?? "-") "
            + "age \(age.map { "\(Int($0))s" } ?? "none") → \(verdict)"
    }
}

@Suite("The freshness verdict: one rule for the check, /sluice freshness, the digest and App Home")
struct FreshnessVerdictTests {
    static let now = Date(timeIntervalSince1970: 1_795_274_100)
    static let table = TableName(dataset: "raw", table: "orders")
    static let hour: TimeInterval = 3600

    /// Every severity × threshold shape × age band: no data, under warn_after, between, exactly at
    /// error_after (not past it), past error_after.
    static let cases: [VerdictCase] = {
        var cases: [VerdictCase] = []
        let bands: [TimeInterval?] = [nil, 1 * hour, 4 * hour, 6 * hour, 7 * hour]
        for severity in [Severity.error, .warn] {
            let pastError: FreshnessVerdict = severity == .error ? .stale : .warn
            // warn_after 3h and error_after 6h.
            cases += zip(bands, [pastError, .fresh, .warn, .warn, pastError]).map {
                VerdictCase(severity: severity, warnAfter: .hours(3), errorAfter: .hours(6), age: $0, verdict: $1)
            }
            // warn_after 3h only: nothing is ever worse than a warning.
            cases += zip(bands, [FreshnessVerdict.warn, .fresh, .warn, .warn, .warn]).map {
                VerdictCase(severity: severity, warnAfter: .hours(3), errorAfter: nil, age: $0, verdict: $1)
            }
            // error_after 6h only.
            cases += zip(bands, [pastError, .fresh, .fresh, .fresh, pastError]).map {
                VerdictCase(severity: severity, warnAfter: nil, errorAfter: .hours(6), age: $0, verdict: $1)
            }
        }
        return cases
    }()

    static func rule(_ example: VerdictCase) -> FreshnessRule {
        FreshnessRule(
            table: table, pipeline: "shop", source: .column("updated_at"), warnAfter: example.warnAfter,
            errorAfter: example.errorAfter, severity: example.severity)
    }

    @Test("every surface judges by the same rule", arguments: cases)
    func everySurfaceAgrees(_ example: VerdictCase) {
        let rule = Self.rule(example)
        #expect(rule.verdict(age: example.age) == example.verdict)

        // The check step records the status of that verdict, and App Home shows what was recorded.
        let newest = example.age.map { Self.now.addingTimeInterval(-$0) }
        let outcome = FreshnessEvaluator.evaluate(rule: rule, newest: newest, now: Self.now)
        #expect(outcome.status == example.verdict.checkStatus)
        #expect(FreshnessVerdict(recorded: outcome.status) == example.verdict)

        // `/sluice freshness` and the digest judge the warehouse's reading with the same rule.
        let observation = FreshnessObservation(
            table: Self.table, pipeline: "shop", rule: rule, reading: FreshnessReading(exists: true, newest: newest))
        #expect(FreshnessReport(observations: [observation], now: Self.now).entries.first?.verdict == example.verdict)
    }

    @Test func aTableWithoutACheckIsUncheckedAndAnUnreadableOneUnknown() {
        let reading = FreshnessReading(exists: true, newest: Self.now.addingTimeInterval(-100 * Self.hour))
        let unchecked = FreshnessObservation(table: Self.table, pipeline: "shop", rule: nil, reading: reading)
        let unreadable = FreshnessObservation(
            table: Self.table, pipeline: "shop",
            rule: FreshnessRule(table: Self.table, pipeline: "shop", source: .metadata, warnAfter: .hours(3), errorAfter: nil),
            reading: .unavailable("permission denied"))
        let report = FreshnessReport(observations: [unchecked, unreadable], now: Self.now)
        #expect(report.entries.map(\.verdict) == [.unchecked, .unknown])
        #expect(FreshnessVerdict(recorded: nil) == .unknown, "a check that could not run has no verdict")
        #expect(FreshnessVerdict.allCases.sorted() == [.stale, .warn, .unknown, .fresh, .unchecked], "worst first")
    }

    @Test func aTableWithSeveralChecksShowsItsWorstVerdict() throws {
        let yaml = """
            timezone: UTC
            warehouse: { kind: sqlite, path: w }
            slack: { default_channel: "#d" }
            pipelines:
              shop:
                sources: { orders: { kind: csv, path: o.csv } }
                loads: [{ source: orders, table: raw.orders, write: truncate }]
                checks:
                  - { freshness: raw.orders, loaded_at: updated_at, warn_after: 3h, error_after: 6h }
                  - { name: orders_written, freshness: raw.orders, error_after: 2h, severity: warn }
            """
        let manifest = try ManifestParser.parse(yaml: yaml, file: "sluice.yml", baseDirectory: "/tmp") { _ in nil }.get()
        let readings = [
            FreshnessRequest(table: Self.table, source: .column("updated_at")): FreshnessReading(exists: true, newest: Self.now - Self.hour),
            FreshnessRequest(table: Self.table, source: .metadata): FreshnessReading(exists: true, newest: Self.now - 5 * Self.hour),
        ]
        #expect(Set(FreshnessReport.requests(for: [Self.table], in: manifest)) == Set(readings.keys))
        let report = FreshnessReport(subjects: FreshnessReport.subjects(in: manifest), manifest: manifest, readings: readings, now: Self.now)
        let entry = try #require(report.entries.first)
        #expect(entry.verdict == .warn, "the metadata check past its error_after warns, severity warn")
        #expect(entry.observation.source == .metadata)
        #expect(report.entries.count == 1)
    }
}
