import Foundation

/// Rows per day of one table over the last days, with a sparkline, each complete day judged by
/// `VolumeAnomalyDetector`, the newest complete day's verdict and its change against the same
/// weekday a week earlier. Pure; `/sluice volume` and the digest render it.
public struct VolumeReport: Sendable, Equatable {
    /// One day of the report.
    public struct Day: Sendable, Equatable {
        /// `YYYY-MM-DD`.
        public var day: String
        /// Rows counted; nil when no total was recorded that day (recorded totals only).
        public var rows: Int64?
        /// False for the current day while it is still filling up.
        public var complete: Bool
        /// `spike` or `drop` when the detector flags the day.
        public var anomaly: AnomalyDirection?

        /// Creates a day.
        public init(day: String, rows: Int64?, complete: Bool, anomaly: AnomalyDirection?) {
            self.day = day
            self.rows = rows
            self.complete = complete
            self.anomaly = anomaly
        }
    }

    /// The table.
    public var table: TableName
    /// How the table's volume is judged (settings, counting basis).
    public var judgement: VolumeJudgement
    /// The last days, oldest first, ending with the current day.
    public var days: [Day]
    /// The day judged, by `VolumeJudgement.judgedDay` (today when none can be).
    public var judgedDay: String
    /// The detector's verdict on `judgedDay`.
    public var verdict: VolumeVerdict
    /// Rows on `judgedDay`; nil when no total was recorded.
    public var judgedRows: Int64?
    /// The same weekday a week before `judgedDay`, with its rows when known.
    public var weekEarlier: DayCount?
    /// `(judged − week earlier) / week earlier`; nil when either is unknown or the earlier is 0.
    public var weekOverWeek: Double?
    /// One bar per day of `days` (a space for a day without a recorded total).
    public var sparkline: String

    /// Builds the report for the `count` days ending `today` (the manifest's local day) from daily
    /// counts in any order (entries of one day are added up). `history` should reach back to
    /// `judgement.historyStart(today:shownDays:)` so every shown day can be judged.
    public init(table: TableName, judgement: VolumeJudgement, history: [DayCount], today: String, count: Int) {
        var totals: [String: Int64] = [:]
        for entry in history { totals[entry.day, default: 0] += entry.rows }
        let byColumn = judgement.basis.column != nil
        let settings = judgement.settings
        let judged = judgement.judgedDay(today: today, history: history) ?? today
        let first = Days.adding(-(max(count, 1) - 1), to: today) ?? today
        let shown = Days.range(from: first, to: today) ?? [today]

        func rows(on day: String) -> Int64? {
            totals[day] ?? (byColumn ? 0 : nil)
        }
        self.table = table
        self.judgement = judgement
        days = shown.map { day in
            let value = rows(on: day)
            let complete = day <= judged
            var anomaly: AnomalyDirection?
            if complete, value != nil,
               case let .anomaly(assessment) = VolumeAnomalyDetector.evaluate(day: day, history: history, settings: settings) {
                anomaly = assessment.direction
            }
            return Day(day: day, rows: value, complete: complete, anomaly: anomaly)
        }
        judgedDay = judged
        verdict = VolumeAnomalyDetector.evaluate(day: judged, history: history, settings: settings)
        judgedRows = rows(on: judged)
        if let earlier = Days.adding(-7, to: judged), let before = rows(on: earlier) {
            weekEarlier = DayCount(day: earlier, rows: before)
        } else {
            weekEarlier = nil
        }
        if let now = judgedRows, let before = weekEarlier?.rows, before > 0 {
            weekOverWeek = Double(now - before) / Double(before)
        } else {
            weekOverWeek = nil
        }
        sparkline = Self.sparkline(days.map(\.rows))
    }

    /// `Sparkline.render` over the known values, with a space where a value is missing.
    private static func sparkline(_ values: [Int64?]) -> String {
        var bars = Sparkline.render(values.compactMap { $0 }).makeIterator()
        return String(values.map { $0 == nil ? " " : (bars.next() ?? " ") })
    }
}
