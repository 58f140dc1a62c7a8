import Foundation
import SluiceCore
import StateStore
import Worker

/// Acknowledge, mute, unmute and resolve: each changes the state and enqueues the Slack messages it
/// causes (the alert's message edited, a note in its thread) in one transaction.
struct AlertActions: Sendable {
    let manifest: Manifest
    let state: any StateStore
    let clock: any WallClock
    let auditor: Auditor

    private var recorder: AlertRecorder { AlertRecorder(manifest: manifest) }

    func acknowledge(
        alertID: Int64, by requester: Requester
    ) async throws -> CommandReply {
        let now = clock.now
        let recorder = self.recorder
        let outcome: AlertRecord? = try await state.write { writer in
            guard var alert = try writer.alert(id: alertID), alert.status != .resolved else { return nil }
            guard alert.status == .open else { return alert }
            alert.status = .acknowledged
            alert.acknowledgedBy = requester.userID
            alert.acknowledgedAt = now
            try writer.updateAlert(alert)
            try recorder.refresh(alert, in: writer, at: now)
            if let original = alert.messageOutboxID {
                _ = try writer.enqueue(
                    channel: recorder.channel(for: alert.pipeline), action: .post(threadOf: original),
                    message: AlertMessages.acknowledged(alert, by: requester.userID), at: now)
            }
            return alert
        }
        guard let alert = outcome else {
            return .note(":warning: Alert \(alertID) is not open. `/sluice alerts` lists open alerts.")
        }
        if alert.acknowledgedBy != requester.userID {
            return .note("Alert \(alertID) was already acknowledged by <@\(alert.acknowledgedBy ?? "?")>.")
        }
        try await auditor.record(requester, "ack", "alert \(alertID)", detail: alert.fingerprint)
        return .note(":eyes: Acknowledged alert \(alertID): \(alert.title)")
    }

    func resolve(
        alertID: Int64, by requester: Requester
    ) async throws -> CommandReply {
        let now = clock.now
        let recorder = self.recorder
        let resolved: AlertRecord? = try await state.write { writer in
            guard var alert = try writer.alert(id: alertID), alert.status != .resolved else { return nil }
            alert.status = .resolved
            alert.resolvedAt = now
            try writer.updateAlert(alert)
            try recorder.refresh(alert, in: writer, at: now)
            if let original = alert.messageOutboxID {
                _ = try writer.enqueue(
                    channel: recorder.channel(for: alert.pipeline), action: .post(threadOf: original),
                    message: AlertMessages.threadNote(":white_check_mark: Resolved by <@\(requester.userID)>."), at: now)
            }
            return alert
        }
        guard let alert = resolved else { return .note(":warning: Alert \(alertID) is not open.") }
        try await auditor.record(requester, "resolve", "alert \(alertID)", detail: alert.fingerprint)
        return .note(":white_check_mark: Resolved alert \(alertID).")
    }

    /// Mutes a target; open alerts it covers get a note in their thread.
    func mute(
        target: String, end: MuteEnd, reason: String?, by requester: Requester
    ) async throws -> CommandReply {
        let now = clock.now
        let endsAt = end.date(from: now, in: manifest.timeZone)
        guard endsAt > now else { return .note(":warning: That mute would end before it starts.") }
        let recorder = self.recorder
        let mute = MuteRecord(id: 0, target: target, createdBy: requester.userID, reason: reason, createdAt: now, endsAt: endsAt)
        try await state.write { writer in
            let saved = try writer.insertMute(mute)
            for alert in try writer.alerts(status: [.open, .acknowledged], limit: 1000)
            where saved.covers(pipeline: alert.pipeline, check: alert.check, table: alert.table) {
                guard let original = alert.messageOutboxID else { continue }
                let note = ":mute: Muted `\(target)` until \(Format.timestamp(endsAt)) by <@\(requester.userID)>"
                    + (reason.map { ": \($0)" } ?? "") + ". Repeats are recorded but not posted."
                _ = try writer.enqueue(
                    channel: recorder.channel(for: alert.pipeline), action: .post(threadOf: original),
                    message: AlertMessages.threadNote(note), at: now)
            }
        }
        try await auditor.record(requester, "mute", target, detail: "until \(Format.timestamp(endsAt))" + (reason.map { ": \($0)" } ?? ""))
        return .note(":mute: Muted `\(target)` until \(Format.timestamp(endsAt)) (\(Format.ago(endsAt, now: now))).")
    }

    func unmute(
        target: String, by requester: Requester
    ) async throws -> CommandReply {
        let now = clock.now
        let removed = try await state.write { try $0.deleteMutes(target: target, at: now) }
        guard removed > 0 else { return .note("`\(target)` is not muted. `/sluice mutes` lists active mutes.") }
        try await auditor.record(requester, "unmute", target)
        return .note(":bell: Unmuted `\(target)`.")
    }
}
