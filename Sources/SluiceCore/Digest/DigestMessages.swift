import Foundation

/// The digest as Slack messages: a summary for the channel and the long lists for its thread.
public struct DigestMessageSet: Sendable, Equatable {
    /// The top-level message: counts and the worst items of each section.
    public var summary: SlackMessage
    /// Thread replies with the complete lists, each within Slack's limits.
    public var thread: [SlackMessage]

    /// Creates a message set.
    public init(summary: SlackMessage, thread: [SlackMessage]) {
        self.summary = summary
        self.thread = thread
    }
}

/// Renders a `DigestReport`. The summary stays a dozen blocks whatever the number of tables, runs or
/// alerts; every list longer than the summary shows continues in the thread, split into messages of
/// at most 50 blocks by `MessageFitting`.
public enum DigestMessages {
    /// Items of each list the summary shows (the worst ones).
    public static let summaryItems = 3

    /// The summary and thread messages of `report`; `late` marks a digest posted after its time
    /// because Sluice was not running then.
    public static func messages(for report: DigestReport, late: Bool = false) -> DigestMessageSet {
        let title = "Daily digest for \(report.day)" + (late ? " (late)" : "")
        var blocks: [Block] = [.header(title), .context([contextLine(report, late: late)])]
        blocks.append(.section(text: runsSummary(report)))
        blocks.append(.section(text: freshnessSummary(report)))
        blocks.append(.section(text: anomaliesSummary(report)))
        blocks.append(.section(text: alertsSummary(report)))
        blocks.append(.section(text: mutesSummary(report)))
        blocks.append(.section(text: costSummary(report.cost)))
        let thread = threadMessages(report)
        if !thread.isEmpty {
            blocks.append(.context(["The complete lists continue in this message's thread."]))
        }
        let summary = MessageFitting.split(SlackMessage(text: fallback(report, title: title), blocks: blocks))
        return DigestMessageSet(summary: summary[0], thread: Array(summary.dropFirst()) + thread)
    }

    // MARK: - Summary

    private static func contextLine(_ report: DigestReport, late: Bool) -> String {
        let zone = report.timeZone.identifier
        var parts = ["Last 24 h to \(localTime(report.generatedAt, in: report.timeZone)) \(zone)"]
        parts.append(plural(report.pipelines, "pipeline"))
        parts.append(plural(report.freshness.count, "table"))
        if late {
            let due = report.scheduledAt.map { " at \($0) \(zone)" } ?? ""
            parts.insert(":hourglass: Posted late: Sluice was not running when the digest was due\(due)", at: 0)
        }
        return parts.joined(separator: " · ")
    }

    private static func runsSummary(_ report: DigestReport) -> String {
        let runs = report.runs
        guard runs.total > 0 else { return "*Runs (last 24 h):* none" }
        var counts = [":white_check_mark: \(Format.count(Int64(runs.succeeded))) succeeded", ":x: \(Format.count(Int64(runs.failed))) failed"]
        if runs.cancelled > 0 { counts.append("\(Format.count(Int64(runs.cancelled))) cancelled") }
        if runs.active > 0 { counts.append("\(Format.count(Int64(runs.active))) still running") }
        var lines = ["*Runs (last 24 h):* \(Format.count(Int64(runs.total))) · " + counts.joined(separator: " · ")]
        if !runs.failures.isEmpty {
            lines.append("Failed: " + runs.failures.prefix(summaryItems).map(runName).joined(separator: ", ")
                + more(runs.failures.count))
        }
        if !runs.slowest.isEmpty {
            lines.append("Slowest: " + runs.slowest.prefix(summaryItems).map { "\(runName($0)) \(Format.duration($0.duration ?? 0))" }
                .joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    private static func freshnessSummary(_ report: DigestReport) -> String {
        let counts = Dictionary(grouping: report.freshness, by: \.verdict).mapValues(\.count)
        guard !report.freshness.isEmpty else { return "*Freshness:* no tables" }
        let parts = FreshnessVerdict.allCases.compactMap { verdict -> String? in
            guard let count = counts[verdict], count > 0 else { return nil }
            return "\(verdict.icon) \(Format.count(Int64(count))) \(verdict.word)"
        }
        var lines = ["*Freshness* (\(plural(report.freshness.count, "table"))): " + parts.joined(separator: " · ")]
        let worst = report.freshness.filter { $0.verdict < .fresh }
        if worst.isEmpty {
            lines.append("Every checked table is within its limits.")
        } else {
            lines += worst.prefix(summaryItems).map { freshnessLine($0, now: report.generatedAt) }
            if worst.count > summaryItems { lines.append("…and \(worst.count - summaryItems) more not fresh") }
        }
        return lines.joined(separator: "\n")
    }

    private static func anomaliesSummary(_ report: DigestReport) -> String {
        guard !report.anomalies.isEmpty else { return "*Volume anomalies:* none" }
        var lines = ["*Volume anomalies:* \(Format.count(Int64(report.anomalies.count)))"]
        lines += report.anomalies.prefix(summaryItems).map(anomalyLine)
        if report.anomalies.count > summaryItems { lines.append("…and \(report.anomalies.count - summaryItems) more") }
        return lines.joined(separator: "\n")
    }

    private static func alertsSummary(_ report: DigestReport) -> String {
        guard !report.alerts.isEmpty else { return "*Open alerts:* none" }
        let acknowledged = report.alerts.filter { $0.alert.status == .acknowledged }.count
        let unacknowledged = report.alerts.count - acknowledged
        var lines = ["*Open alerts:* \(Format.count(Int64(report.alerts.count))) (\(Format.count(Int64(unacknowledged))) unacknowledged, "
            + "\(Format.count(Int64(acknowledged))) acknowledged)"]
        lines += report.alerts.prefix(summaryItems).map { alertLine($0, now: report.generatedAt) }
        if report.alerts.count > summaryItems { lines.append("…and \(report.alerts.count - summaryItems) more") }
        return lines.joined(separator: "\n")
    }

    private static func mutesSummary(_ report: DigestReport) -> String {
        guard !report.mutes.isEmpty else { return "*Active mutes:* none" }
        var lines = ["*Active mutes:* \(Format.count(Int64(report.mutes.count)))"]
        lines += report.mutes.prefix(summaryItems).map { muteLine($0, now: report.generatedAt) }
        if report.mutes.count > summaryItems { lines.append("…and \(report.mutes.count - summaryItems) more") }
        return lines.joined(separator: "\n")
    }

    private static func costSummary(_ cost: DigestCost) -> String {
        let yesterday = cost.yesterday
        var parts = ["*Cost yesterday* (\(yesterday.day)): \(Format.dollars(yesterday.dollars)) (\(Format.bytes(yesterday.bytesBilled)) billed)"]
        let average = cost.averageDollars
        var comparison = "\(cost.previousDays.count)-day average before it \(Format.dollars(average))"
        if average > 0 { comparison += " (\(Format.percent(yesterday.dollars / average - 1)))" }
        parts.append(comparison)
        if let budget = cost.dailyBudget, budget > 0 {
            let share = yesterday.dollars / budget
            let over = share > 1 ? " :warning: over budget" : ""
            parts.append("\(Int((share * 100).rounded()))% of the \(Format.dollars(budget)) daily budget\(over)")
        }
        var text = parts.joined(separator: " · ")
        let history = cost.previousDays + [yesterday]
        if history.contains(where: { $0.bytesBilled > 0 }) {
            text += "\n`\(Sparkline.render(history.map(\.bytesBilled)))` bytes billed per day, \(history.first?.day ?? "") to \(yesterday.day)"
        }
        if !cost.billed { text += "\nThe SQLite warehouse bills nothing; on BigQuery these would be real charges." }
        return text
    }

    private static func fallback(_ report: DigestReport, title: String) -> String {
        let notFresh = report.freshness.filter { $0.verdict == .stale || $0.verdict == .warn }.count
        return "\(title): \(plural(report.runs.total, "run")) (\(Format.count(Int64(report.runs.failed))) failed), "
            + "\(Format.count(Int64(notFresh))) of \(plural(report.freshness.count, "table")) not fresh, "
            + "\(plural(report.anomalies.count, "volume anomaly", plural: "volume anomalies")), "
            + "\(plural(report.alerts.count, "open alert")), \(plural(report.mutes.count, "active mute")), "
            + "\(Format.dollars(report.cost.yesterday.dollars)) yesterday"
    }

    // MARK: - Thread

    private static func threadMessages(_ report: DigestReport) -> [SlackMessage] {
        let now = report.generatedAt
        var lists: [(title: String, lines: [String])] = []
        if report.runs.failures.count > summaryItems || report.runs.slowest.count > summaryItems {
            var lines = report.runs.failures.map { run in
                ":x: \(runName(run)) \(run.state.rawValue) \(Format.ago(run.finishedAt ?? run.createdAt, now: now))"
                    + (run.error.map { ": " + MessageFitting.truncate($0, to: 200) } ?? "")
            }
            let slowest = report.runs.slowest.prefix(10)
            lines += slowest.map { run in "\(runName(run)) took \(Format.duration(run.duration ?? 0)) (\(run.state.rawValue))" }
            let failed = report.runs.failures.isEmpty ? "" : "\(Format.count(Int64(report.runs.failures.count))) failed, and "
            lists.append(("Runs in the last 24 h: \(failed)the \(slowest.count) slowest", lines))
        }
        if !report.freshness.isEmpty {
            lists.append(("Freshness of every table (\(Format.count(Int64(report.freshness.count))))",
                          report.freshness.map { freshnessLine($0, now: now) }))
        }
        if report.anomalies.count > summaryItems {
            lists.append(("Volume anomalies (\(Format.count(Int64(report.anomalies.count))))", report.anomalies.map(anomalyLine)))
        }
        if report.alerts.count > summaryItems {
            lists.append(("Open alerts (\(Format.count(Int64(report.alerts.count))))", report.alerts.map { alertLine($0, now: now) }))
        }
        if report.mutes.count > summaryItems {
            lists.append(("Active mutes (\(Format.count(Int64(report.mutes.count))))", report.mutes.map { muteLine($0, now: now) }))
        }
        if report.cost.byPipeline.count > 1 {
            let lines = report.cost.byPipeline.map { "`\($0.pipeline)` \(Format.dollars($0.dollars))" }
                + (report.cost.previousDays + [report.cost.yesterday]).map {
                    "\($0.day): \(Format.dollars($0.dollars)) (\(Format.bytes($0.bytesBilled)) billed)"
                }
            lists.append(("Cost yesterday by pipeline, and per day", lines))
        }
        return lists.flatMap { list in
            let blocks = [Block.section(text: "*\(list.title)*")] + MessageFitting.sections(ofLines: list.lines)
            return MessageFitting.split(SlackMessage(text: "Digest \(report.day): \(list.title)", blocks: blocks))
        }
    }

    // MARK: - Lines

    private static func runName(_ run: RunRecord) -> String {
        "`\(run.pipeline)` run \(run.id)"
    }

    private static func freshnessLine(_ entry: FreshnessReport.Entry, now: Date) -> String {
        let reading = entry.observation.reading
        var text = "\(entry.verdict.icon) `\(entry.table)` "
        if let problem = reading.problem {
            return text + "freshness unknown: " + MessageFitting.truncate(problem, to: 200)
        }
        if !reading.exists {
            text += "not built yet"
        } else if let newest = entry.newest, entry.verdict == .unchecked {
            text += "last written \(Format.ago(newest, now: now))"
        } else if let age = entry.age {
            text += "newest data " + FreshnessMessages.ageText(age)
        } else {
            text += "has no data"
        }
        if let rule = entry.observation.rule {
            text += " (\(rule.thresholds); \(rule.source))"
        } else {
            text += " (no freshness check)"
        }
        return text
    }

    private static func anomalyLine(_ anomaly: DigestAnomaly) -> String {
        let assessment = anomaly.assessment
        let side = assessment.direction == .drop ? "below" : "above"
        let z = (assessment.zScore * 10).rounded() / 10
        return "\(anomaly.severity == .error ? ":rotating_light:" : ":warning:") `\(anomaly.table)` "
            + "\(Format.rows(assessment.observed)) on \(assessment.day), \(side) the expected "
            + "\(Format.count(whole(assessment.lower)))–\(Format.count(whole(assessment.upper))) (z = \(z); `\(anomaly.pipeline)`)"
    }

    private static func alertLine(_ line: DigestAlertLine, now: Date) -> String {
        let alert = line.alert
        var text = "\(alert.severity == .error ? ":rotating_light:" : ":warning:") *\(alert.id)* `\(alert.pipeline)` "
            + MessageFitting.truncate(alert.title, to: 200) + " · opened \(Format.ago(alert.openedAt, now: now))"
        if alert.occurrences > 1 { text += " · seen \(alert.occurrences)×" }
        text += alert.acknowledgedBy.map { " · acknowledged by <@\($0)>" } ?? " · not acknowledged"
        if line.muted { text += " · :mute: muted" }
        return text
    }

    private static func muteLine(_ mute: MuteRecord, now: Date) -> String {
        ":mute: `\(mute.target)` until \(Format.timestamp(mute.endsAt)) (\(Format.ago(mute.endsAt, now: now))) by <@\(mute.createdBy)>"
            + (mute.reason.map { ": " + MessageFitting.truncate($0, to: 200) } ?? "")
    }

    private static func more(_ count: Int) -> String {
        count > summaryItems ? " and \(count - summaryItems) more" : ""
    }

    private static func plural(_ count: Int, _ noun: String, plural: String? = nil) -> String {
        "\(Format.count(Int64(count))) " + (count == 1 ? noun : plural ?? noun + "s")
    }

    private static func whole(_ value: Double) -> Int64 {
        guard value.isFinite else { return value > 0 ? Int64.max : 0 }
        return value >= 9.2e18 ? Int64.max : Int64(max(value, 0).rounded())
    }

    /// `HH:MM` of `date` in `timeZone`.
    private static func localTime(_ date: Date, in timeZone: TimeZone) -> String {
        let local = Int64(date.timeIntervalSince1970.rounded(.down)) + Int64(timeZone.secondsFromGMT(for: date))
        let minuteOfDay = Int((local - Days.floorDivide(local, 86_400) * 86_400) / 60)
        return TimeOfDay(hour: minuteOfDay / 60, minute: minuteOfDay % 60).description
    }
}
