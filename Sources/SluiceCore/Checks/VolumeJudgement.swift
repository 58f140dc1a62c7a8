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

/// How one table's volume is judged: the settings (its volume check's, or the defaults), how rows
/// are counted per day, which day is judged and how much history that needs. The one rule the
/// volume check step, `/sluice volume` and the digest share.
public struct VolumeJudgement: Sendable, Equatable {
    /// The volume check's settings, or the defaults.
    public var settings: VolumeSettings
    /// How rows are counted per day.
    public var basis: VolumeBasis
    /// True when the manifest has a volume check on the table.
    public var hasCheck: Bool

    /// Creates a judgement from its parts.
    public init(settings: VolumeSettings, basis: VolumeBasis, hasCheck: Bool) {
        self.settings = settings
        self.basis = basis
        self.hasCheck = hasCheck
    }

    /// The judgement of a volume check on `table` in `pipeline`: the check's `date_column`, else the
    /// pipeline's load or model `partition_by` of the table, else recorded daily totals.
    public init(check settings: VolumeSettings, table: TableName, in pipeline: Pipeline) {
        let partition = pipeline.load(into: table)?.partitionBy ?? pipeline.model(named: table)?.partitionBy
        self.init(settings: settings, basis: Self.basis(dateColumn: settings.dateColumn, partition: partition), hasCheck: true)
    }

    /// The judgement of `table`: its volume check (its own pipeline's first), or the defaults with
    /// the table's partition column when no check names one.
    public static func of(_ table: TableName, in manifest: Manifest) -> VolumeJudgement {
        let owner = manifest.owner(of: table)
        let ordered = manifest.pipelines.filter { $0.name == owner } + manifest.pipelines.filter { $0.name != owner }
        for pipeline in ordered {
            for check in pipeline.checks {
                if case let .volume(checked, settings) = check.kind, checked == table {
                    return VolumeJudgement(check: settings, table: table, in: pipeline)
                }
            }
        }
        let partition = ordered.lazy.compactMap { $0.load(into: table)?.partitionBy ?? $0.model(named: table)?.partitionBy }.first
        return VolumeJudgement(settings: VolumeSettings(), basis: basis(dateColumn: nil, partition: partition), hasCheck: false)
    }

    /// The day judged on local day `today`. Counting by a date column, yesterday: today is still
    /// filling up. Counting recorded totals, the newest of today and yesterday with a recorded total;
    /// nil when neither has one (no verdict is given on a day nothing was recorded).
    public func judgedDay(today: String, history: [DayCount]) -> String? {
        let yesterday = Days.adding(-1, to: today) ?? today
        guard basis.column == nil else { return yesterday }
        let recorded = Set(history.map(\.day))
        return [today, yesterday].first { recorded.contains($0) }
    }

    /// The detector's verdict on the judged day, or nil when no day can be judged.
    public func verdict(today: String, history: [DayCount]) -> VolumeVerdict? {
        judgedDay(today: today, history: history).map { VolumeAnomalyDetector.evaluate(day: $0, history: history, settings: settings) }
    }

    /// The first day of history a judgement on `today` reads, when the `shownDays` days ending today
    /// are each judged too: the training window before the earliest of them and of yesterday, and
    /// the same weekday a week before yesterday.
    public func historyStart(today: String, shownDays: Int = 1) -> String {
        let stride = settings.seasonality == .dayOfWeek ? 7 : 1
        let earliestJudged = -max(shownDays - 1, 1)
        let training = max(settings.trainingDays, 1) * stride
        return Days.adding(min(earliestJudged - training, -8), to: today) ?? today
    }

    private static func basis(dateColumn: String?, partition: String?) -> VolumeBasis {
        if let dateColumn { return .column(dateColumn, origin: .checkDateColumn) }
        if let partition { return .column(partition, origin: .partition) }
        return .recordedTotals
    }
}
