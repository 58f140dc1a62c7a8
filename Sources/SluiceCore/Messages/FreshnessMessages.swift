import Foundation

/// The reply to `/sluice freshness [TABLE|PIPELINE]`: a traffic light per table with the age of its
/// newest data, the thresholds, where the figure came from, and when Sluice last wrote the table.
public enum FreshnessMessages {
    /// Blocks the table lines may use (the rest of the message takes at most four).
    static let lineBlocks = BlockLimits.messageBlocks - 4

    /// The reply. `scope` names what was asked about (`raw.orders`, `pipeline shop`), nil for every
    /// table; `commandName` is used in the hint when the list is cut.
    /// `sources` are the source freshness checks' readings, listed after the tables.
    public static func freshness(
        _ report: FreshnessReport, sources: [SourceFreshnessReading] = [], scope: String?, commandName: String = "/sluice"
    ) -> SlackMessage {
        let title = "Freshness · " + (scope ?? "every table")
        guard !report.entries.isEmpty || !sources.isEmpty else {
            return StatusMessages.note("\(scope.map { "`\($0)`" } ?? "The manifest") has no tables to report on.")
        }
        var blocks: [Block] = [.header(title), .section(text: summary(report))]
        let pipelines = Set(report.entries.map(\.observation.pipeline))
        var lines: [String] = []
        var previous: String?
        for entry in report.entries {
            if pipelines.count > 1, entry.observation.pipeline != previous {
                lines.append("*Pipeline `\(entry.observation.pipeline)`*")
                previous = entry.observation.pipeline
            }
            lines.append(line(entry, now: report.now))
        }
        if !sources.isEmpty {
            lines.append("*Sources*")
            lines += sources.map { line($0, now: report.now) }
        }
        blocks += AnswerBlocks.sections(lines, maxBlocks: lineBlocks) { leftOut in
            "…\(leftOut) more line\(leftOut == 1 ? "" : "s") not shown; ask `\(commandName) freshness PIPELINE` or `\(commandName) freshness TABLE` for fewer."
        }
        blocks.append(.context([
            "Ages at \(Format.timestamp(report.now)). The newest data is read from a freshness check's `loaded_at` column when it has one, else from the table's metadata (last modified).",
        ]))
        return SlackMessage(text: fallback(report, title: title), blocks: blocks)
    }

    /// One table's line: light, name, age, thresholds, source, Sluice's last write.
    public static func line(_ entry: FreshnessReport.Entry, now: Date) -> String {
        let observation = entry.observation
        var parts = ["\(entry.verdict.icon) `\(observation.table)`"]
        if let problem = observation.reading.problem {
            parts.append("could not be read: \(problem)")
        } else if let age = entry.age {
            parts.append("*\(ageText(age))*")
        } else {
            parts.append(observation.reading.exists ? "*no data yet*" : "*does not exist yet*")
        }
        parts.append(observation.rule?.thresholds ?? "no thresholds")
        if observation.reading.problem == nil, observation.reading.exists {
            var source = "from \(observation.source)"
            if let newest = entry.newest { source += " (newest \(Format.timestamp(newest)))" }
            parts.append(source)
        }
        if let write = observation.lastWrite {
            let verb = write.kind == .model ? "built" : "loaded"
            parts.append("\(verb) by Sluice \(Format.ago(write.at, now: now)) (run \(write.runID))")
        } else {
            parts.append("not written by Sluice yet")
        }
        return parts.joined(separator: " · ")
    }

    /// One source's line: light, name and kind, age of its newest data, thresholds.
    public static func line(_ reading: SourceFreshnessReading, now: Date) -> String {
        var parts = ["\(reading.verdict(now: now).icon) source `\(reading.rule.source)` (\(reading.kind))"]
        if let problem = reading.problem {
            parts.append("could not be read: \(MessageFitting.truncate(problem, to: 300))")
        } else if let age = reading.age(now: now), let newest = reading.newest {
            parts.append("*\(ageText(age))*")
            parts.append(reading.rule.limits.description)
            parts.append("newest \(Format.timestamp(newest))")
        } else {
            parts.append("*no data yet*")
            parts.append(reading.rule.limits.description)
        }
        return parts.joined(separator: " · ")
    }

    /// `1h 12m old`, or `under a minute old`.
    public static func ageText(_ age: TimeInterval) -> String {
        age < 60 ? "under a minute old" : "\(Format.duration(age)) old"
    }

    private static func summary(_ report: FreshnessReport) -> String {
        let stale = report.count(.stale)
        let warn = report.count(.warn)
        var counts = [stale > 0 ? "*\(stale) stale*" : "0 stale", warn > 0 ? "*\(warn) warn*" : "0 warn", "\(report.count(.fresh)) fresh"]
        if report.count(.unchecked) > 0 { counts.append("\(report.count(.unchecked)) without thresholds") }
        if report.count(.unknown) > 0 { counts.append("\(report.count(.unknown)) unreadable") }
        var lines = [counts.joined(separator: " · ")]
        for (verdict, word) in [(FreshnessVerdict.stale, "Stale"), (.warn, "Past warn_after"), (.unknown, "Unreadable")] {
            let names = report.entries(verdict).map { "`\($0.observation.table)`" }
            guard !names.isEmpty else { continue }
            let shown = names.prefix(20).joined(separator: ", ")
            lines.append("\(verdict.icon) \(word): \(shown)\(names.count > 20 ? " and \(names.count - 20) more" : "")")
        }
        return MessageFitting.truncate(lines.joined(separator: "\n"), to: BlockLimits.sectionText)
    }

    private static func fallback(_ report: FreshnessReport, title: String) -> String {
        if report.entries.count == 1, let entry = report.entries.first {
            let age = entry.age.map(ageText) ?? (entry.observation.reading.exists ? "no data yet" : "does not exist yet")
            return "\(entry.observation.table): \(age) (\(entry.verdict.word))"
        }
        return "\(title): \(report.count(.stale)) stale, \(report.count(.warn)) warn, \(report.count(.fresh)) fresh, "
            + "\(report.count(.unchecked)) without thresholds"
    }
}

extension FreshnessVerdict {
    /// The verdict's traffic light, the same on every surface.
    public var icon: String {
        switch self {
        case .stale: ":red_circle:"
        case .warn: ":large_yellow_circle:"
        case .fresh: ":large_green_circle:"
        case .unchecked: ":white_circle:"
        case .unknown: ":grey_question:"
        }
    }

    /// The verdict in a word: `stale`, `warn`, `fresh`, `unknown`, `without a check`.
    public var word: String {
        switch self {
        case .stale: "stale"
        case .warn: "warn"
        case .fresh: "fresh"
        case .unknown: "unknown"
        case .unchecked: "without a check"
        }
    }
}
