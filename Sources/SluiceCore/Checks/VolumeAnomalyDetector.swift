import Foundation

/// What the volume check concluded about one day.
public enum VolumeVerdict: Sendable, Equatable {
    /// Too few training days to judge: `points` found, `needed` required.
    case insufficientHistory(points: Int, needed: Int)
    /// The day's count is inside the expected band.
    case normal(VolumeAssessment)
    /// The day's count is outside the band on a side the check watches.
    case anomaly(VolumeAssessment)
}

/// The numbers behind a volume verdict.
public struct VolumeAssessment: Sendable, Equatable {
    /// The day judged, `YYYY-MM-DD`.
    public var day: String
    /// Rows counted for that day.
    public var observed: Int64
    /// Mean of the training counts.
    public var expected: Double
    /// Lowest normal count (never below 0).
    public var lower: Double
    /// Highest normal count.
    public var upper: Double
    /// `(observed − expected) / effective standard deviation`.
    public var zScore: Double
    /// How many training days were used.
    public var trainingPoints: Int
    /// `spike` or `drop` for an anomaly; nil when normal.
    public var direction: AnomalyDirection?

    /// Creates an assessment.
    public init(
        day: String, observed: Int64, expected: Double, lower: Double, upper: Double, zScore: Double,
        trainingPoints: Int, direction: AnomalyDirection?
    ) {
        self.day = day
        self.observed = observed
        self.expected = expected
        self.lower = lower
        self.upper = upper
        self.zScore = zScore
        self.trainingPoints = trainingPoints
        self.direction = direction
    }
}

/// Judges a day's row count against the table's own history with a z-score.
///
/// - Observed: the count for the day (several entries for one day are added up; none means 0).
/// - Training: the `trainingDays` days before it; with `day_of_week` seasonality, the same weekday in
///   each of the `trainingDays` weeks before it (Elementary's convention). A day missing from the
///   history counts as 0 rows when the history has an earlier day (the table existed and was empty),
///   and is skipped otherwise, so zeros are never invented for days before the table existed.
/// - At least `minimumPoints` training days are needed.
/// - Expected band: mean ± sensitivity × σ, lower end clamped at 0, where σ is the sample standard
///   deviation floored at `max(√mean, 5% of mean, 1)`. The floor keeps a flat history from flagging
///   tiny changes: √mean is the counting noise that dominates small tables, 5% of the mean the
///   ordinary day-to-day jitter that dominates large ones.
/// - `direction` chooses which side counts: `spike` (above), `drop` (below) or `both`.
public enum VolumeAnomalyDetector {
    /// Fewest training days a verdict needs.
    public static let minimumPoints = 7

    /// Relative floor of the standard deviation (5% of the mean).
    public static let relativeNoiseFloor = 0.05

    /// The verdict for `day` given daily counts in any order (later days and the day itself may be
    /// included; later days are ignored). An invalid `day` has no history.
    public static func evaluate(day: String, history: [DayCount], settings: VolumeSettings) -> VolumeVerdict {
        guard let target = Days.dayNumber(of: day) else {
            return .insufficientHistory(points: 0, needed: minimumPoints)
        }
        var counts: [Int64: Int64] = [:]
        for entry in history {
            guard let number = Days.dayNumber(of: entry.day), number <= target else { continue }
            counts[number, default: 0] += entry.rows
        }
        let earliest = counts.keys.min()
        let stride: Int64 = settings.seasonality == .dayOfWeek ? 7 : 1
        var training: [Double] = []
        for step in 1...Int64(max(settings.trainingDays, 1)) {
            let number = target - step * stride
            if let rows = counts[number] {
                training.append(Double(rows))
            } else if let earliest, earliest < number {
                training.append(0)
            }
        }
        guard training.count >= minimumPoints else {
            return .insufficientHistory(points: training.count, needed: minimumPoints)
        }

        let n = Double(training.count)
        let mean = training.reduce(0, +) / n
        let variance = training.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
        let sigma = max(variance.squareRoot(), abs(mean).squareRoot(), relativeNoiseFloor * abs(mean), 1)
        let observed = counts[target] ?? 0
        let value = Double(observed)
        let lower = max(mean - settings.sensitivity * sigma, 0)
        let upper = mean + settings.sensitivity * sigma
        let zScore = (value - mean) / sigma

        let side: AnomalyDirection? = value > upper ? .spike : (value < lower ? .drop : nil)
        let watched = side.map { settings.direction == .both || settings.direction == $0 } ?? false
        let assessment = VolumeAssessment(
            day: day, observed: observed, expected: mean, lower: lower, upper: upper, zScore: zScore,
            trainingPoints: training.count, direction: watched ? side : nil)
        return watched ? .anomaly(assessment) : .normal(assessment)
    }
}
