import Foundation
import SluiceCore
import StateStore
import Worker

/// What an alert action answered, and the alerts whose thread got a note saying what was done
/// (none when nothing was done). A requester in one of those threads has seen the note: the caller
/// need not say it again.
struct AlertActionReply: Sendable {
    /// The short confirmation, or why nothing was done.
    var reply: CommandReply
    /// The alerts whose thread got a note about it.
    var notedAlerts: Set<Int64> = []
}

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
    ) async throws -> AlertActionReply {
        let now = clock.now
        let recorder = self.recorder
        let outcome: (alert: AlertRecord, noted: Bool)? = try await state.write { writer in
            guard var alert = try writer.alert(id: alertID), alert.status != .resolved else { return nil }
            guard alert.status == .open else { return (alert, false) }
            alert.status = .acknowledged
            alert.acknowledgedBy = requester.userID
            alert.acknowledgedAt = now
            try writer.updateAlert(alert)
            try recorder.refresh(alert, in: writer, at: now)
            guard let original = alert.messageOutboxID else { return (alert, false) }
            _ = try writer.enqueue(
                channel: recorder.channel(for: alert.pipeline), action: .post(threadOf: original),
                message: AlertMessages.acknowledged(alert, by: requester.userID), at: now)
            return (alert, true)
        }
        guard let (alert, noted) = outcome else {
            return AlertActionReply(reply: .note(":warning: Alert \(alertID) is not open. `/sluice alerts` lists open alerts."))
        }
        if alert.acknowledgedBy != requester.userID {
            return AlertActionReply(reply: .note("Alert \(alertID) was already acknowledged by <@\(alert.acknowledgedBy ?? "?")>."))
        }
        try await auditor.record(requester, "ack", "alert \(alertID)", detail: alert.fingerprint)
        return AlertActionReply(reply: .note(":eyes: Acknowledged alert \(alertID): \(alert.title)"), notedAlerts: noted ? [alertID] : [])
    }

    /// Closes an alert by hand; the reason, if any, is posted in its thread and audited.
    func resolve(
        alertID: Int64, reason: String? = nil, by requester: Requester
    ) async throws -> AlertActionReply {
        let now = clock.now
        let recorder = self.recorder
        let because = reason.map { ": \($0)" } ?? ""
        let resolved: (alert: AlertRecord, noted: Bool)? = try await state.write { writer in
            guard var alert = try writer.alert(id: alertID), alert.status != .resolved else { return nil }
            alert.status = .resolved
            alert.resolvedAt = now
            try writer.updateAlert(alert)
            try recorder.refresh(alert, in: writer, at: now)
            guard let original = alert.messageOutboxID else { return (alert, false) }
            _ = try writer.enqueue(
                channel: recorder.channel(for: alert.pipeline), action: .post(threadOf: original),
                message: AlertMessages.threadNote(":white_check_mark: Resolved by <@\(requester.userID)>\(because)."), at: now)
            return (alert, true)
        }
        guard let (alert, noted) = resolved else {
            return AlertActionReply(reply: .note(":warning: Alert \(alertID) is not open. `/sluice alerts` lists open alerts."))
        }
        try await auditor.record(requester, "resolve", "alert \(alertID)", detail: alert.fingerprint + because)
        return AlertActionReply(reply: .note(":white_check_mark: Resolved alert \(alertID)."), notedAlerts: noted ? [alertID] : [])
    }

    /// Mutes a target; open alerts it covers get a note in their thread.
    func mute(
        target: MuteTarget, end: MuteEnd, reason: String?, by requester: Requester
    ) async throws -> AlertActionReply {
        let now = clock.now
        let endsAt = end.date(from: now, in: manifest.timeZone)
        guard endsAt > now else { return AlertActionReply(reply: .note(":warning: That mute would end before it starts.")) }
        let recorder = self.recorder
        let mute = MuteRecord(id: 0, target: target.word, createdBy: requester.userID, reason: reason, createdAt: now, endsAt: endsAt)
        let noted: Set<Int64> = try await state.write { writer in
            let saved = try writer.insertMute(mute)
            var noted: Set<Int64> = []
            for alert in try writer.alerts(status: [.open, .acknowledged], limit: 1000)
            where saved.covers(pipeline: alert.pipeline, check: alert.check, table: alert.table) {
                guard let original = alert.messageOutboxID else { continue }
                let note = ":mute: Muted `\(target)` until \(Format.timestamp(endsAt)) by <@\(requester.userID)>"
                    + (reason.map { ": \($0)" } ?? "") + ". Repeats are recorded but not posted."
                _ = try writer.enqueue(
                    channel: recorder.channel(for: alert.pipeline), action: .post(threadOf: original),
                    message: AlertMessages.threadNote(note), at: now)
                noted.insert(alert.id)
            }
            return noted
        }
        try await auditor.record(requester, "mute", target.word, detail: "until \(Format.timestamp(endsAt))" + (reason.map { ": \($0)" } ?? ""))
        return AlertActionReply(
            reply: .note(":mute: Muted `\(target)` until \(Format.timestamp(endsAt)) (\(Format.ago(endsAt, now: now)))."),
            notedAlerts: noted)
    }

    func unmute(
        target: MuteTarget, by requester: Requester
    ) async throws -> CommandReply {
        let now = clock.now
        let removed = try await state.write { try $0.deleteMutes(target: target.word, at: now) }
        guard removed > 0 else { return .note("`\(target)` is not muted. `/sluice mutes` lists active mutes.") }
        try await auditor.record(requester, "unmute", target.word)
        return .note(":bell: Unmuted `\(target)`.")
    }
}
