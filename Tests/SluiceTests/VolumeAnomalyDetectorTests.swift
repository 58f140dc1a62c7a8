import Foundation
import SluiceCore
import Testing

/// Consecutive daily counts ending the day before `day`, oldest first.
private func daysBefore(_ day: String, _ counts: [Int64]) -> [DayCount] {
    counts.enumerated().compactMap { index, rows in
        Days.adding(index - counts.count, to: day).map { DayCount(day: $0, rows: rows) }
    }
}

/// Counts for `weeks` weeks before `day`, by weekday (1 = Sunday … 7 = Saturday).
private func weeksBefore(_ day: String, weeks: Int, _ rows: (Int) -> Int64) -> [DayCount] {
    (1...(weeks * 7)).reversed().compactMap { offset in
        guard let date = Days.adding(-offset, to: day), let weekday = Days.weekday(of: date) else { return nil }
        return DayCount(day: date, rows: rows(weekday))
    }
}

/// What a case expects.
enum ExpectedVolume: Sendable, Equatable {
    case insufficient(points: Int)
    case normal
    case anomaly(AnomalyDirection)
}

/// A named volume scenario.
struct VolumeCase: Sendable, CustomTestStringConvertible {
    let name: String
    let day: String
    let history: [DayCount]
    let settings: VolumeSettings
    let expected: ExpectedVolume

    var testDescription: String { name }
}

@Suite("VolumeAnomalyDetector")
struct VolumeAnomalyDetectorTests {
    static let day = "2026-03-01"
    static let saturday = "2026-02-28"
    static let flat = [Int64](repeating: 1000, count: 14)
    static let noisy: [Int64] = [950, 1050, 980, 1020, 1000, 960, 1040, 990, 1010, 970, 1030, 1000, 1005, 995]
    static let tinyNoise: [Int64] = [1001, 999, 1002, 998, 1000, 1003, 997, 1001, 999, 1000, 1002, 998, 1001, 999]

    static let cases: [VolumeCase] = [
        VolumeCase(name: "flat history, same count", day: day,
                   history: daysBefore(day, flat) + [DayCount(day: day, rows: 1000)], settings: VolumeSettings(), expected: .normal),
        VolumeCase(name: "flat history, +10% is within the 5% floor band", day: day,
                   history: daysBefore(day, flat) + [DayCount(day: day, rows: 1100)], settings: VolumeSettings(), expected: .normal),
        VolumeCase(name: "flat history, +20% is a spike", day: day,
                   history: daysBefore(day, flat) + [DayCount(day: day, rows: 1200)], settings: VolumeSettings(),
                   expected: .anomaly(.spike)),
        VolumeCase(name: "tiny noise does not make +2% an anomaly", day: day,
                   history: daysBefore(day, tinyNoise) + [DayCount(day: day, rows: 1020)], settings: VolumeSettings(), expected: .normal),
        VolumeCase(name: "clear spike", day: day,
                   history: daysBefore(day, noisy) + [DayCount(day: day, rows: 3000)], settings: VolumeSettings(),
                   expected: .anomaly(.spike)),
        VolumeCase(name: "clear drop", day: day,
                   history: daysBefore(day, noisy) + [DayCount(day: day, rows: 100)], settings: VolumeSettings(),
                   expected: .anomaly(.drop)),
        VolumeCase(name: "no rows at all on the day is a drop", day: day,
                   history: daysBefore(day, noisy), settings: VolumeSettings(), expected: .anomaly(.drop)),
        VolumeCase(name: "spike ignored when watching drops", day: day,
                   history: daysBefore(day, noisy) + [DayCount(day: day, rows: 3000)],
                   settings: VolumeSettings(direction: .drop), expected: .normal),
        VolumeCase(name: "drop ignored when watching spikes", day: day,
                   history: daysBefore(day, noisy) + [DayCount(day: day, rows: 100)],
                   settings: VolumeSettings(direction: .spike), expected: .normal),
        VolumeCase(name: "drop caught when watching drops", day: day,
                   history: daysBefore(day, noisy) + [DayCount(day: day, rows: 100)],
                   settings: VolumeSettings(direction: .drop), expected: .anomaly(.drop)),
        VolumeCase(name: "quiet Saturday is normal with weekday seasonality", day: saturday,
                   history: weeksBefore(saturday, weeks: 14) { $0 == 7 ? 100 : 1000 } + [DayCount(day: saturday, rows: 100)],
                   settings: VolumeSettings(sensitivity: 2, seasonality: .dayOfWeek), expected: .normal),
        VolumeCase(name: "quiet Saturday is a drop without seasonality", day: saturday,
                   history: weeksBefore(saturday, weeks: 14) { $0 == 7 ? 100 : 1000 } + [DayCount(day: saturday, rows: 100)],
                   settings: VolumeSettings(sensitivity: 2), expected: .anomaly(.drop)),
        VolumeCase(name: "busy Saturday is a spike with weekday seasonality", day: saturday,
                   history: weeksBefore(saturday, weeks: 14) { $0 == 7 ? 100 : 1000 } + [DayCount(day: saturday, rows: 1000)],
                   settings: VolumeSettings(sensitivity: 2, seasonality: .dayOfWeek), expected: .anomaly(.spike)),
        VolumeCase(name: "too little history", day: day,
                   history: daysBefore(day, [1000, 1000, 1000, 1000, 1000]), settings: VolumeSettings(),
                   expected: .insufficient(points: 5)),
        VolumeCase(name: "three weeks are too few for weekday seasonality", day: day,
                   history: weeksBefore(day, weeks: 3) { _ in 1000 }, settings: VolumeSettings(seasonality: .dayOfWeek),
                   expected: .insufficient(points: 3)),
        VolumeCase(name: "no history", day: day, history: [], settings: VolumeSettings(), expected: .insufficient(points: 0)),
        VolumeCase(name: "invalid day", day: "2026-02-30", history: daysBefore(day, flat), settings: VolumeSettings(),
                   expected: .insufficient(points: 0)),
        VolumeCase(name: "always-empty table getting rows is a spike", day: day,
                   history: daysBefore(day, [Int64](repeating: 0, count: 14)) + [DayCount(day: day, rows: 5)],
                   settings: VolumeSettings(), expected: .anomaly(.spike)),
        VolumeCase(name: "always-empty table staying empty is normal", day: day,
                   history: daysBefore(day, [Int64](repeating: 0, count: 14)), settings: VolumeSettings(), expected: .normal),
    ]

    @Test("verdicts", arguments: cases)
    func verdict(_ example: VolumeCase) {
        let verdict = VolumeAnomalyDetector.evaluate(day: example.day, history: example.history, settings: example.settings)
        switch (verdict, example.expected) {
        case let (.insufficientHistory(points, needed), .insufficient(expectedPoints)):
            #expect(points == expectedPoints)
            #expect(needed == 7)
        case let (.normal(assessment), .normal):
            #expect(assessment.direction == nil)
            if example.settings.direction == .both {
                #expect(assessment.lower <= Double(assessment.observed) && Double(assessment.observed) <= assessment.upper)
            }
        case let (.anomaly(assessment), .anomaly(direction)):
            #expect(assessment.direction == direction)
        default:
            Issue.record("expected \(example.expected), got \(verdict)")
        }
    }

    @Test("flat history: band is mean ± 3 × the 5% floor")
    func flatBand() throws {
        let verdict = VolumeAnomalyDetector.evaluate(
            day: Self.day, history: daysBefore(Self.day, Self.flat) + [DayCount(day: Self.day, rows: 1000)], settings: VolumeSettings())
        guard case let .normal(assessment) = verdict else {
            Issue.record("expected normal, got \(verdict)")
            return
        }
        #expect(assessment == VolumeAssessment(
            day: Self.day, observed: 1000, expected: 1000, lower: 850, upper: 1150, zScore: 0, trainingPoints: 14, direction: nil))
    }

    @Test("small tables use counting noise (√mean) as the floor, and the band stops at zero")
    func smallTableFloor() {
        let verdict = VolumeAnomalyDetector.evaluate(
            day: Self.day, history: daysBefore(Self.day, [Int64](repeating: 4, count: 14)) + [DayCount(day: Self.day, rows: 9)],
            settings: VolumeSettings())
        guard case let .normal(assessment) = verdict else {
            Issue.record("expected normal, got \(verdict)")
            return
        }
        #expect(assessment.lower == 0)
        #expect(assessment.upper == 10)
        #expect(assessment.zScore == 2.5)
    }

    @Test("z-score uses the sample standard deviation when it is above the floor")
    func sampleStandardDeviation() {
        let history: [Int64] = [0, 2000, 0, 2000, 0, 2000, 0, 2000, 0, 2000, 0, 2000, 0, 2000]
        let verdict = VolumeAnomalyDetector.evaluate(
            day: Self.day, history: daysBefore(Self.day, history) + [DayCount(day: Self.day, rows: 2000)], settings: VolumeSettings())
        guard case let .normal(assessment) = verdict else {
            Issue.record("expected normal, got \(verdict)")
            return
        }
        let std = (14.0 * 1000 * 1000 / 13).squareRoot()
        #expect(assessment.expected == 1000)
        #expect(abs(assessment.zScore - 1000 / std) < 1e-9)
        #expect(abs(assessment.upper - (1000 + 3 * std)) < 1e-9)
    }

    @Test("a young table is judged on the days it existed, without invented zeros")
    func youngTable() {
        let verdict = VolumeAnomalyDetector.evaluate(
            day: Self.day, history: daysBefore(Self.day, [Int64](repeating: 500, count: 9)) + [DayCount(day: Self.day, rows: 500)],
            settings: VolumeSettings())
        guard case let .normal(assessment) = verdict else {
            Issue.record("expected normal, got \(verdict)")
            return
        }
        #expect(assessment.trainingPoints == 9)
        #expect(assessment.expected == 500)
    }

    @Test("missing days after the table existed count as empty days")
    func gapsCountAsZero() {
        var history = daysBefore(Self.day, [Int64](repeating: 700, count: 20))
        let missing = ["2026-02-20", "2026-02-22", "2026-02-25"]
        history.removeAll { missing.contains($0.day) }
        let verdict = VolumeAnomalyDetector.evaluate(day: Self.day, history: history + [DayCount(day: Self.day, rows: 700)], settings: VolumeSettings())
        guard case let .normal(assessment) = verdict else {
            Issue.record("expected normal, got \(verdict)")
            return
        }
        #expect(assessment.trainingPoints == 14)
        #expect(assessment.expected == 700.0 * 11 / 14)
    }

    @Test("later days are ignored, entries may be unordered, and one day's entries add up")
    func orderAndLaterDays() {
        let history = daysBefore(Self.day, Self.flat).reversed() + [
            DayCount(day: Self.day, rows: 600), DayCount(day: Self.day, rows: 400),
            DayCount(day: "2026-03-02", rows: 1_000_000),
        ]
        let verdict = VolumeAnomalyDetector.evaluate(day: Self.day, history: Array(history), settings: VolumeSettings())
        guard case let .normal(assessment) = verdict else {
            Issue.record("expected normal, got \(verdict)")
            return
        }
        #expect(assessment.observed == 1000)
        #expect(assessment.expected == 1000)
    }

    @Test("anomaly and normal days map to outcomes that read well")
    func outcomes() {
        let table = TableName(dataset: "raw", table: "orders")
        let settings = VolumeSettings()
        let errorCheck = Check(name: "volume_raw_orders", kind: .volume(table, settings), severity: .error)
        let warnCheck = Check(name: "volume_raw_orders", kind: .volume(table, settings), severity: .warn)
        let drop = VolumeAnomalyDetector.evaluate(
            day: Self.day, history: daysBefore(Self.day, Self.flat) + [DayCount(day: Self.day, rows: 12)], settings: settings)

        let failed = FreshnessEvaluator.volumeOutcome(verdict: drop, check: errorCheck)
        #expect(failed.status == .fail)
        #expect(failed.summary == "raw.orders had 12 rows on 2026-03-01, below the expected 850–1.2K (z = -19.8, 14 days of history)")
        #expect(FreshnessEvaluator.volumeOutcome(verdict: drop, check: warnCheck).status == .warn)

        let normal = VolumeAnomalyDetector.evaluate(
            day: Self.day, history: daysBefore(Self.day, Self.flat) + [DayCount(day: Self.day, rows: 1000)], settings: settings)
        let passed = FreshnessEvaluator.volumeOutcome(verdict: normal, check: errorCheck)
        #expect(passed.status == .pass)
        #expect(passed.summary == "raw.orders had 1K rows on 2026-03-01, within the expected 850–1.2K")

        let young = FreshnessEvaluator.volumeOutcome(verdict: .insufficientHistory(points: 3, needed: 7), check: errorCheck)
        #expect(young.status == .pass)
        #expect(young.summary == "raw.orders has 3 of the 7 days of history a volume check needs; not judged yet")
    }
}
