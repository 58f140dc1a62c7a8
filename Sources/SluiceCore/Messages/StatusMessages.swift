import Foundation

/// One pipeline's line in `/sluice status`.
public struct PipelineStatus: Sendable, Equatable {
    /// Pipeline name.
    public var pipeline: String
    /// Its most recent run.
    public var lastRun: RunRecord?
    /// When the scheduler runs it next.
    public var nextRun: Date?
    /// Unresolved alerts of the pipeline.
    public var openAlerts: Int

    /// Creates a status line.
    public init(pipeline: String, lastRun: RunRecord?, nextRun: Date?, openAlerts: Int) {
        self.pipeline = pipeline
        self.lastRun = lastRun
        self.nextRun = nextRun
        self.openAlerts = openAlerts
    }
}

/// Replies to the read-only commands: `status`, `runs`, `alerts`, `mutes`.
public enum StatusMessages {
    /// `/sluice status [PIPELINE]`.
    public static func status(_ lines: [PipelineStatus], now: Date) -> SlackMessage {
        var rows: [String] = []
        for line in lines {
            var parts = ["*\(line.pipeline)*"]
            if let run = line.lastRun {
                parts.append("\(icon(run.state)) run \(run.id) \(run.state.rawValue) \(Format.ago(run.finishedAt ?? run.createdAt, now: now))")
                if let duration = run.duration { parts.append("took \(Format.duration(duration))") }
            } else {
                parts.append("never run")
            }
            parts.append(line.nextRun.map { "next \(Format.ago($0, now: now))" } ?? "no schedule")
            parts.append(line.openAlerts == 0 ? "no open alerts" : ":rotating_light: \(line.openAlerts) open alert\(line.openAlerts == 1 ? "" : "s")")
            rows.append(parts.joined(separator: " · "))
        }
        return SlackMessage(text: "Pipeline status", blocks: [.header("Pipeline status")] + MessageFitting.sections(ofLines: rows))
    }

    /// `/sluice runs [PIPELINE]`.
    public static func runs(_ runs: [RunFigures], pricePerTiB: Double, now: Date) -> SlackMessage {
        guard !runs.isEmpty else { return SlackMessage(text: "No runs yet. Start one with `/sluice run PIPELINE`.") }
        let lines = runs.map { figures -> String in
            let run = figures.run
            var parts = ["\(icon(run.state)) *\(run.pipeline)* run \(run.id)", run.state.rawValue, run.trigger.rawValue]
            parts.append(Format.ago(run.createdAt, now: now))
            if let duration = run.duration { parts.append(Format.duration(duration)) }
            parts.append(Format.rows(figures.rowsLoaded))
            parts.append("\(Format.bytes(figures.bytesBilled)) billed")
            parts.append(Format.dollars(CostModel.dollars(bytes: figures.bytesBilled, pricePerTiB: pricePerTiB)))
            return parts.joined(separator: " · ")
        }
        return SlackMessage(text: "Recent runs", blocks: [.header("Recent runs")] + MessageFitting.sections(ofLines: lines))
    }

    /// `/sluice alerts`: open alerts, acknowledged or not, each with an Acknowledge button while unacknowledged.
    public static func alerts(_ alerts: [AlertRecord], mutes: [MuteRecord], now: Date) -> SlackMessage {
        guard !alerts.isEmpty else { return SlackMessage(text: ":white_check_mark: No open alerts.") }
        var blocks: [Block] = [.header("Open alerts (\(alerts.count))")]
        for alert in alerts.prefix(40) {
            let kind = alert.severity == .error ? ":rotating_light: error" : ":warning: warning"
            var line = "*\(alert.id)* · \(kind) · `\(alert.pipeline)` · `\(alert.check)`\n\(alert.title)\nopened \(Format.ago(alert.openedAt, now: now))"
            if alert.occurrences > 1 { line += " · seen \(alert.occurrences)×" }
            if let by = alert.acknowledgedBy { line += " · acknowledged by <@\(by)>" }
            if AlertLifecycle.isMuted(alert, by: mutes, at: now) { line += " · :mute: muted" }
            let button = alert.status == .open
                ? Button(text: "Acknowledge", action: .acknowledge(alertID: alert.id))
                : nil
            blocks.append(.section(text: line, accessory: button))
        }
        if alerts.count > 40 { blocks.append(.context(["…and \(alerts.count - 40) more"])) }
        return SlackMessage(text: "\(alerts.count) open alert(s)", blocks: blocks)
    }

    /// `/sluice mutes`.
    public static func mutes(_ mutes: [MuteRecord], now: Date) -> SlackMessage {
        guard !mutes.isEmpty else { return SlackMessage(text: "Nothing is muted.") }
        let lines = mutes.map { mute in
            ":mute: `\(mute.target)` until \(Format.timestamp(mute.endsAt)) (\(Format.ago(mute.endsAt, now: now))) by <@\(mute.createdBy)>"
                + (mute.reason.map { ": \($0)" } ?? "")
        }
        return SlackMessage(text: "\(mutes.count) active mute(s)", blocks: [.header("Active mutes")] + MessageFitting.sections(ofLines: lines))
    }

    /// A one-line reply (confirmation or error), mrkdwn.
    public static func note(_ text: String) -> SlackMessage {
        SlackMessage(text: text, blocks: [.section(text: MessageFitting.truncate(text, to: BlockLimits.sectionText))])
    }

    static func icon(_ state: RunState) -> String {
        switch state {
        case .succeeded: ":white_check_mark:"
        case .failed, .interrupted: ":x:"
        case .cancelled: ":fast_forward:"
        case .queued: ":hourglass:"
        case .running: ":arrows_counterclockwise:"
        }
    }
}
