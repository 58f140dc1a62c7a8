import Foundation

/// The reply to `/sluice volume TABLE [DAYS]`: rows per day with a sparkline, the newest complete
/// day against the expected band, anomalies marked, and the change against the same weekday a week
/// earlier.
public enum VolumeMessages {
    /// Blocks the day lines may use (the rest of the message takes at most five).
    static let lineBlocks = BlockLimits.messageBlocks - 5

    /// The reply. `checked` says whether the table has a volume check (else the defaults judged it).
    public static func volume(_ report: VolumeReport, checked: Bool = true) -> SlackMessage {
        let count = report.days.count
        let title = "Volume · \(report.table) · last \(count) day\(count == 1 ? "" : "s")"
        let known = report.days.compactMap(\.rows)
        let first = report.days.first?.day ?? report.judgedDay
        let last = report.days.last?.day ?? report.judgedDay
        var overview = "`\(report.sparkline)`  \(first) → \(last) · \(Format.rows(known.reduce(0, +))) in all"
        let anomalies = report.days.filter { $0.anomaly != nil }.count
        if anomalies > 0 { overview += " · :warning: \(anomalies) anomal\(anomalies == 1 ? "y" : "ies")" }

        var blocks: [Block] = [.header(title), .section(text: overview), .section(text: verdictText(report))]
        let lines = report.days.map(dayLine)
        blocks += AnswerBlocks.sections(lines, maxBlocks: lineBlocks) { "…\($0) more days not shown" }
        blocks.append(.context([basisText(report), detectorText(report, checked: checked)]))
        return SlackMessage(text: fallback(report), blocks: blocks)
    }

    /// The judged day's verdict and week-over-week change, one or two lines.
    public static func verdictText(_ report: VolumeReport) -> String {
        let day = "*\(report.judgedDay)* (\(AnswerBlocks.weekday(report.judgedDay)), \(judgedPhrase(report)))"
        var text: String
        switch report.verdict {
        case let .normal(assessment):
            text = ":white_check_mark: \(day): *\(Format.rows(assessment.observed))*, within the expected \(band(assessment))"
                + " (mean \(Format.count(whole(assessment.expected))) over \(assessment.trainingPoints) days)"
        case let .anomaly(assessment):
            let side = assessment.direction == .drop ? "a drop below" : "a spike above"
            let z = (assessment.zScore * 10).rounded() / 10
            text = ":warning: \(day): *\(Format.rows(assessment.observed))*, \(side) the expected \(band(assessment))"
                + " (z = \(z), \(assessment.trainingPoints) days of history)"
        case let .insufficientHistory(points, needed):
            let rows = report.judgedRows.map(Format.rows) ?? "no recorded total"
            text = ":hourglass_flowing_sand: \(day): *\(rows)*; not judged yet: \(points) of the \(needed) days of history an anomaly check needs"
        }
        if let earlier = report.weekEarlier {
            let reference = "\(AnswerBlocks.weekday(earlier.day)) \(earlier.day) (\(Format.rows(earlier.rows)))"
            if let change = report.weekOverWeek {
                text += "\n\(Format.percent(change)) against \(reference)"
            } else if earlier.rows == 0 {
                text += "\nNo percentage against \(reference): it had no rows"
            } else {
                text += "\nNo total for \(report.judgedDay) to compare with \(reference)"
            }
        } else if let day = Days.adding(-7, to: report.judgedDay) {
            text += "\nNo total was recorded on \(AnswerBlocks.weekday(day)) \(day) to compare with"
        }
        return text
    }

    /// One day's line: date, weekday, rows, anomaly mark; the current day says it is still filling up.
    public static func dayLine(_ day: VolumeReport.Day) -> String {
        var line = "`\(day.day) \(AnswerBlocks.weekday(day.day))`  " + (day.rows.map(Format.count) ?? "not recorded")
        if !day.complete { line += " (so far today)" }
        switch day.anomaly {
        case .spike: line += " :warning: spike"
        case .drop: line += " :warning: drop"
        default: break
        }
        return line
    }

    private static func judgedPhrase(_ report: VolumeReport) -> String {
        report.judgement.basis.column == nil ? "today's recorded total" : "the newest complete day"
    }

    private static func basisText(_ report: VolumeReport) -> String {
        switch report.judgement.basis {
        case let .column(column, origin):
            return "Rows per day of `\(column)` (\(origin.rawValue)), counted in the warehouse; today is still filling up, so \(report.judgedDay) is judged."
        case .recordedTotals:
            return "`\(report.table)` has no date column, so these are its total row counts recorded by Sluice once a day (set the volume check's `date_column` to count rows per day)."
        }
    }

    private static func detectorText(_ report: VolumeReport, checked: Bool) -> String {
        let settings = report.judgement.settings
        let history = settings.seasonality == .dayOfWeek
            ? "the same weekday in the \(settings.trainingDays) weeks before"
            : "the \(settings.trainingDays) days before"
        let sides = switch settings.direction {
        case .both: "either way"
        case .spike: "spikes only"
        case .drop: "drops only"
        }
        let z = settings.sensitivity.rounded() == settings.sensitivity ? String(Int64(settings.sensitivity)) : String(settings.sensitivity)
        let origin = checked ? "" : " `\(report.table)` has no volume check, so the default settings apply."
        return "Anomaly: beyond \(z) standard deviations of \(history) (\(sides))." + origin
    }

    private static func fallback(_ report: VolumeReport) -> String {
        let rows = report.judgedRows.map(Format.rows) ?? "no recorded total"
        let judgement = switch report.verdict {
        case .normal: "normal"
        case let .anomaly(assessment): assessment.direction == .drop ? "anomaly (drop)" : "anomaly (spike)"
        case .insufficientHistory: "not judged yet"
        }
        return "Volume of \(report.table): \(rows) on \(report.judgedDay), \(judgement) · \(report.sparkline)"
    }

    private static func band(_ assessment: VolumeAssessment) -> String {
        "\(Format.count(whole(assessment.lower)))–\(Format.count(whole(assessment.upper)))"
    }

    private static func whole(_ value: Double) -> Int64 {
        guard value.isFinite else { return value > 0 ? Int64.max : 0 }
        return value >= 9.2e18 ? Int64.max : Int64(max(value, 0).rounded())
    }
}
