import Foundation

/// Which setting named the column a table's rows are bucketed into days by.
public enum VolumeColumnOrigin: String, Sendable, Equatable {
    /// The volume check's `date_column`.
    case checkDateColumn = "the volume check's date_column"
    /// The load's or model's `partition_by`.
    case partition = "the table's partition_by"
}

/// How a table's rows are counted per day.
public enum VolumeBasis: Sendable, Equatable {
    /// Rows per day of a date or timestamp column. The current day is still filling up.
    case column(String, origin: VolumeColumnOrigin)
    /// The table's total row count, recorded once a day by Sluice (the table has no date column).
    case recordedTotals

    /// The date column, when counting by one.
    public var column: String? {
        if case let .column(name, _) = self { return name }
        return nil
    }
}

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

    /// The settings a table's volume is judged with, and how its rows are counted.
    public struct Basis: Sendable, Equatable {
        /// The volume check's settings, or the defaults.
        public var settings: VolumeSettings
        /// True when the manifest has a volume check on the table.
        public var hasCheck: Bool
        /// How rows are counted per day.
        public var basis: VolumeBasis

        /// Creates a basis.
        public init(settings: VolumeSettings, hasCheck: Bool, basis: VolumeBasis) {
            self.settings = settings
            self.hasCheck = hasCheck
            self.basis = basis
        }
    }

    /// The table.
    public var table: TableName
    /// How rows were counted.
    public var basis: VolumeBasis
    /// The detector's settings.
    public var settings: VolumeSettings
    /// The last days, oldest first, ending with the current day.
    public var days: [Day]
    /// The day judged: the newest complete day (yesterday when counting by a column, else today).
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
    /// `historyStart(today:count:settings:)` so every shown day can be judged.
    public init(table: TableName, basis: VolumeBasis, settings: VolumeSettings, history: [DayCount], today: String, count: Int) {
        var totals: [String: Int64] = [:]
        for entry in history { totals[entry.day, default: 0] += entry.rows }
        let byColumn = basis.column != nil
        let judged = byColumn ? (Days.adding(-1, to: today) ?? today) : today
        let first = Days.adding(-(max(count, 1) - 1), to: today) ?? today
        let shown = Days.range(from: first, to: today) ?? [today]

        func rows(on day: String) -> Int64? {
            totals[day] ?? (byColumn ? 0 : nil)
        }
        self.table = table
        self.basis = basis
        self.settings = settings
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

    /// The earliest day whose count the report for `count` days ending `today` reads: the first
    /// shown day's training window, and the judged day's week-earlier day.
    public static func historyStart(today: String, count: Int, settings: VolumeSettings) -> String {
        let stride = settings.seasonality == .dayOfWeek ? 7 : 1
        let training = max(settings.trainingDays, 1) * stride
        let forWindow = Days.adding(-(max(count, 1) - 1) - training, to: today) ?? today
        let forWeekEarlier = Days.adding(-8, to: today) ?? today
        return min(forWindow, forWeekEarlier)
    }

    /// The volume settings and counting basis of `table`: its volume check (own pipeline first) or
    /// the defaults; the check's `date_column`, else the load's or model's `partition_by`, else
    /// recorded daily totals.
    public static func basis(for table: TableName, in manifest: Manifest) -> Basis {
        var settings: VolumeSettings?
        let owner = manifest.pipelines.first { $0.tables.contains(table) }?.name
        let ordered = manifest.pipelines.filter { $0.name == owner } + manifest.pipelines.filter { $0.name != owner }
        for pipeline in ordered where settings == nil {
            for check in pipeline.checks {
                if case let .volume(checked, found) = check.kind, checked == table {
                    settings = found
                    break
                }
            }
        }
        let partition = ordered.lazy.compactMap { $0.load(into: table)?.partitionBy ?? $0.model(named: table)?.partitionBy }.first
        let basis: VolumeBasis = if let column = settings?.dateColumn {
            .column(column, origin: .checkDateColumn)
        } else if let partition {
            .column(partition, origin: .partition)
        } else {
            .recordedTotals
        }
        return Basis(settings: settings ?? VolumeSettings(), hasCheck: settings != nil, basis: basis)
    }

    /// `Sparkline.render` over the known values, with a space where a value is missing.
    private static func sparkline(_ values: [Int64?]) -> String {
        var bars = Sparkline.render(values.compactMap { $0 }).makeIterator()
        return String(values.map { $0 == nil ? " " : (bars.next() ?? " ") })
    }
}
