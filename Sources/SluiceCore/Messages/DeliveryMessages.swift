import Foundation

/// Messages about Sluice's own deliveries.
public enum DeliveryMessages {
    /// Slack refused a message for good: said once per channel and reason, in the default channel,
    /// so that someone fixes the channel (or reports the bug) instead of alerts vanishing silently.
    /// `reason` is Slack's error name; `explanation` says what it means and what to do.
    public static func refused(channel: String, reason: String, explanation: String, preview: String) -> SlackMessage {
        let shown = MessageFitting.truncate(preview.replacingOccurrences(of: "\n", with: " "), to: 200)
        let text = ":warning: Sluice could not deliver a message to \(channel): Slack answered `\(reason)`, "
            + MessageFitting.truncate(explanation, to: 500) + "."
        return SlackMessage(text: text, blocks: [
            .section(text: text),
            .context([
                "The message began: “\(shown)”. Later messages Slack refuses in \(channel) for the same reason are only logged and counted in /metrics (sluice_outbox_failed_messages).",
            ]),
        ])
    }
}
