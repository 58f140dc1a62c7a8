import Foundation

/// Block Kit for alerts: the top-level message (rendered from the alert's current state, so the
/// same builder serves the first post and every edit) and the thread replies.
public enum AlertMessages {
    /// Action ids of the alert buttons; the value is the alert id. Buttons are built and read
    /// through `ButtonAction`.
    public enum Action {
        /// Acknowledge the alert.
        public static let acknowledge = "alert.ack"
        /// Mute prefix; the suffix is `1h`, `4h`, `24h` or `tomorrow`.
        public static let mutePrefix = "alert.mute."
        /// Rerun the alert's run from its failed step.
        public static let rerun = "alert.rerun"
        /// Show details in the thread.
        public static let details = "alert.details"
    }

    /// The mute choices on the buttons: the `action_id` suffix, the end it means, the label.
    public static let muteChoices: [(suffix: String, end: MuteEnd, label: String)] = [
        ("1h", .after(.hours(1)), "Mute 1h"), ("4h", .after(.hours(4)), "Mute 4h"), ("24h", .after(.hours(24)), "Mute 24h"),
        ("tomorrow", .untilTomorrow(MuteEnd.morning), "Mute until tomorrow 09:00"),
    ]

    /// The alert's top-level message in its current state.
    public static func message(for alert: AlertRecord, owners: [String], timeZone: TimeZone) -> SlackMessage {
        let isError = alert.severity == .error
        let icon = alert.status == .resolved ? ":white_check_mark:" : (isError ? ":rotating_light:" : ":warning:")
        let kind = alert.status == .resolved ? "Resolved" : (isError ? "Error" : "Warning")
        let subject = alert.table.map { "`\(alert.pipeline)` · `\($0)`" } ?? "`\(alert.pipeline)`"
        var lines = ["\(icon) *\(kind)* · \(subject) · `\(alert.check)`", alert.title]
        if alert.status != .resolved, isError || alert.severity == .warning, !owners.isEmpty {
            lines.append("cc \(Mentions.mentions(owners))")
        }
        var blocks: [Block] = [.section(text: lines.joined(separator: "\n"))]
        if alert.status != .resolved, !alert.detail.isEmpty {
            blocks.append(.section(text: MessageFitting.truncate(alert.detail, to: 1500)))
        }
        var context = ["Alert \(alert.id) · run \(alert.runID) · opened \(clock(alert.openedAt, timeZone))"]
        if alert.occurrences > 1 { context.append("seen \(alert.occurrences)×, last \(clock(alert.lastSeenAt, timeZone))") }
        if let by = alert.acknowledgedBy, let at = alert.acknowledgedAt {
            context.append(":eyes: acknowledged by <@\(by)> at \(clock(at, timeZone))")
        }
        if let at = alert.resolvedAt, alert.status == .resolved { context.append("resolved \(clock(at, timeZone))") }
        blocks.append(.context(context))
        if alert.status != .resolved {
            blocks.append(.actions(blockID: "alert.\(alert.id)", buttons(for: alert)))
        }
        let fallback = "\(kind): \(alert.pipeline) \(alert.check) — \(alert.title)"
        return SlackMessage(text: fallback, blocks: blocks)
    }

    /// A repeat, in the alert's thread.
    public static func repeated(_ alert: AlertRecord) -> SlackMessage {
        threadNote("Failed again in run \(alert.runID) (\(alert.occurrences)× so far): \(alert.title)")
    }

    /// Resolution, in the alert's thread.
    public static func resolved(_ alert: AlertRecord) -> SlackMessage {
        threadNote(":white_check_mark: Resolved: `\(alert.check)` passed in run \(alert.runID).")
    }

    /// Acknowledgement, in the alert's thread.
    public static func acknowledged(_ alert: AlertRecord, by user: String) -> SlackMessage {
        threadNote(":eyes: <@\(user)> acknowledged this alert.")
    }

    /// A plain thread note (mrkdwn).
    public static func threadNote(_ text: String) -> SlackMessage {
        SlackMessage(text: text, blocks: [.section(text: MessageFitting.truncate(text, to: BlockLimits.sectionText))])
    }

    /// Details (SQL, sample rows, the run) for the thread.
    public static func details(_ alert: AlertRecord) -> SlackMessage {
        var blocks: [Block] = [.section(text: "*Details of alert \(alert.id)* · run \(alert.runID) · fingerprint `\(alert.fingerprint)`")]
        if !alert.detail.isEmpty { blocks.append(.section(text: alert.detail)) }
        if let sql = alert.sql { blocks.append(.section(text: "```\(MessageFitting.truncate(sql, to: 2900))```")) }
        if !alert.sample.isEmpty {
            blocks.append(.section(text: "Sample rows:\n```\(MessageFitting.truncate(alert.sample.joined(separator: "\n"), to: 2900))```"))
        }
        return SlackMessage(text: "Details of alert \(alert.id): \(alert.title)", blocks: blocks)
    }

    private static func buttons(for alert: AlertRecord) -> [Button] {
        var buttons: [Button] = []
        if alert.status == .open {
            buttons.append(Button(text: "Acknowledge", action: .acknowledge(alertID: alert.id), style: "primary"))
        }
        buttons += muteChoices.map { Button(text: $0.label, action: .mute(alertID: alert.id, end: $0.end)) }
        buttons.append(Button(
            text: "Rerun", action: .alertRerun(alertID: alert.id), style: "danger",
            confirm: Confirmation(
                title: "Rerun run \(alert.runID)?",
                text: "Reruns `\(alert.pipeline)` run \(alert.runID) from its failed step.", confirm: "Rerun")))
        buttons.append(Button(text: "Details", action: .details(alertID: alert.id)))
        return buttons
    }

    private static func clock(_ date: Date, _ timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.month, .day, .hour, .minute], from: date)
        return String(format: "%02d-%02d %02d:%02d", c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }
}
