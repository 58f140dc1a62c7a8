import Foundation
import SluiceCore
import StateStore
import Worker

extension Conversation {
    /// A button press on one of Sluice's messages; nil when the action is not one of ours.
    public func handleAction(actionID: String, value: String, from requester: Requester) async -> CommandReply? {
        do {
            if actionID.hasPrefix(BackfillMessages.Action.prefix) { return await handleBackfillAction(actionID: actionID, value: value, from: requester) }
            if actionID == RunMessages.rerunAction {
                guard let runID = Int64(value) else { return nil }
                return await handle("rerun \(runID)", from: requester)
            }
            if actionID == RunMessages.confirmCostAction {
                guard manifest.pipeline(named: value) != nil else { return nil }
                guard await mayAct(requester) else {
                    try await auditor.record(requester, "run", value, detail: "cost confirmation", outcome: "refused")
                    return .note(refusal(for: "run"))
                }
                return try await startRun(
                    RunRequest(pipeline: value, trigger: .manual, requestedBy: requester.userID, costConfirmed: true), from: requester)
            }
            guard actionID.hasPrefix("alert."), let alertID = Int64(value) else { return nil }
            guard let alert = try await state.read({ try $0.alert(id: alertID) }) else {
                return .note(":warning: Alert \(alertID) no longer exists.")
            }
            switch actionID {
            case AlertMessages.Action.acknowledge:
                return try await alerts.acknowledge(alertID: alertID, by: requester)
            case AlertMessages.Action.details:
                return CommandReply(AlertMessages.details(alert))
            case AlertMessages.Action.rerun:
                return await handle("rerun \(alert.runID)", from: requester)
            case let action where action.hasPrefix(AlertMessages.Action.mutePrefix):
                let suffix = String(action.dropFirst(AlertMessages.Action.mutePrefix.count))
                guard let (end, _) = MuteEnd.parse([suffix]) else { return nil }
                return try await muteAlert(alert, end: end, reason: nil, from: requester)
            default:
                return nil
            }
        } catch {
            logger.error("button action failed", metadata: ["action": "\(actionID)", "error": "\(error)"])
            return .note(":x: That did not work: \(error)")
        }
    }

    /// A message in an alert's thread that mentions the bot (`ack`, `mute 4h reason…`, `resolve`,
    /// `details`). Returns the reply to post in the thread, or nil when the thread is not an alert's.
    public func handleThreadReply(
        _ text: String, threadTS: String, from requester: Requester, botUserID: String?
    ) async -> CommandReply? {
        do {
            guard let alert = try await state.read({ try $0.alert(threadTS: threadTS) }) else { return nil }
            switch ThreadReply.parse(text, botUserID: botUserID) {
            case .ack:
                return try await alerts.acknowledge(alertID: alert.id, by: requester)
            case .resolve:
                let allowed = AccessPolicy.requiresOperator(ThreadReply.resolve) ? await mayAct(requester) : true
                guard allowed else {
                    try await auditor.record(requester, "resolve", "alert \(alert.id)", outcome: "refused")
                    return .note(refusal(for: "resolve"))
                }
                return try await alerts.resolve(alertID: alert.id, by: requester)
            case let .mute(end, reason):
                return try await muteAlert(alert, end: end, reason: reason, from: requester)
            case .details:
                return CommandReply(AlertMessages.details(alert), ephemeral: false)
            case .unknown:
                return .note(ThreadReply.usage)
            }
        } catch {
            logger.error("thread reply failed", metadata: ["error": "\(error)"])
            return .note(":x: That did not work: \(error)")
        }
    }

    private func muteAlert(_ alert: AlertRecord, end: MuteEnd, reason: String?, from requester: Requester) async throws -> CommandReply {
        guard await mayAct(requester) else {
            try await auditor.record(requester, "mute", alert.check, outcome: "refused")
            return .note(refusal(for: "mute"))
        }
        return try await alerts.mute(target: "\(alert.pipeline)/\(alert.check)", end: end, reason: reason, by: requester)
    }
}
