import Foundation
import SluiceCore
import StateStore

/// Applies alert transitions inside a state-store transaction and enqueues the Slack messages they
/// cause in the same transaction: a new alert is posted, a repeat goes into its thread and bumps the
/// counter on the original, a resolution edits the original and says so in the thread. Muted alerts
/// are recorded but post nothing.
public struct AlertRecorder: Sendable {
    /// The manifest (channels, owners, time zone).
    public let manifest: Manifest

    /// Creates a recorder.
    public init(manifest: Manifest) {
        self.manifest = manifest
    }

    /// The channel an alert of `pipeline` goes to.
    public func channel(for pipeline: String) -> String {
        manifest.channel(for: pipeline)
    }

    /// Applies an observation; returns the resulting alert, if any.
    @discardableResult
    public func record(_ observation: AlertObservation, in writer: any StateWriter, at now: Date) throws -> AlertRecord? {
        let existing = try writer.unresolvedAlert(fingerprint: observation.fingerprint)
        let mutes = try writer.activeMutes(at: now)
        switch AlertLifecycle.apply(observation, to: existing, at: now) {
        case .none:
            return nil
        case var .opened(alert):
            alert = try writer.insertAlert(alert)
            if !AlertLifecycle.isMuted(alert, by: mutes, at: now) {
                alert.messageOutboxID = try post(alert, in: writer, at: now)
                try writer.updateAlert(alert)
            }
            return alert
        case var .repeated(alert):
            if !AlertLifecycle.isMuted(alert, by: mutes, at: now) {
                if let original = alert.messageOutboxID {
                    try refresh(alert, in: writer, at: now)
                    _ = try writer.enqueue(
                        channel: channel(for: alert.pipeline), action: .post(threadOf: original),
                        message: AlertMessages.repeated(alert), at: now, collapsing: Self.repeatKey(alert))
                } else {
                    alert.messageOutboxID = try post(alert, in: writer, at: now)
                }
            }
            try writer.updateAlert(alert)
            return alert
        case let .resolved(alert):
            try writer.updateAlert(alert)
            if let original = alert.messageOutboxID {
                try refresh(alert, in: writer, at: now)
                _ = try writer.enqueue(
                    channel: channel(for: alert.pipeline), action: .post(threadOf: original),
                    message: AlertMessages.resolved(alert), at: now)
            }
            return alert
        }
    }

    /// The outbox key of an alert's "failed again" notes: each says how often so far, so a later one
    /// replaces an earlier one not yet sent to Slack.
    static func repeatKey(_ alert: AlertRecord) -> String {
        "alert \(alert.id) repeated"
    }

    /// Enqueues an edit of the alert's original message to show its current state.
    public func refresh(_ alert: AlertRecord, in writer: any StateWriter, at now: Date) throws {
        guard let original = alert.messageOutboxID else { return }
        _ = try writer.enqueue(
            channel: channel(for: alert.pipeline), action: .update(target: original),
            message: message(for: alert), at: now)
    }

    /// The alert's top-level message as it should look now.
    public func message(for alert: AlertRecord) -> SlackMessage {
        AlertMessages.message(
            for: alert, owners: manifest.owners(for: alert.pipeline), timeZone: manifest.timeZone)
    }

    private func post(_ alert: AlertRecord, in writer: any StateWriter, at now: Date) throws -> Int64 {
        try writer.enqueue(
            channel: channel(for: alert.pipeline), action: .post(threadOf: nil), message: message(for: alert), at: now)
    }
}
