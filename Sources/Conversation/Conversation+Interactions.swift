import Foundation
import SluiceCore
import StateStore
import Worker

extension Conversation {
    /// A button press on one of Sluice's messages. Returns the reply for the requester, or nil when
    /// there is nothing more to say: the action's note was posted in the thread the button is on.
    public func handleAction(_ action: ButtonAction, from requester: Requester) async -> CommandReply? {
        do {
            switch action {
            case let .rerun(runID):
                return try await perform(.rerun(runID: runID, all: false), from: requester)
            case let .confirmCost(pipeline):
                return try await runDespiteCost(pipeline, from: requester)
            case let .acknowledge(alertID):
                guard try await alert(alertID) != nil else { return Self.gone(alertID) }
                return try await confirm(alerts.acknowledge(alertID: alertID, by: requester), to: requester)
            case let .mute(alertID, end):
                guard let alert = try await alert(alertID) else { return Self.gone(alertID) }
                return try await muteAlert(alert, end: end, reason: nil, from: requester)
            case let .alertRerun(alertID):
                guard let alert = try await alert(alertID) else { return Self.gone(alertID) }
                return try await perform(.rerun(runID: alert.runID, all: false), from: requester)
            case let .details(alertID):
                guard try await alert(alertID) != nil else { return Self.gone(alertID) }
                return try await details(alertID: alertID)
            case let .confirmBackfill(pipeline, from, to):
                return try await confirmBackfill(pipeline: pipeline, from: from, to: to, requester: requester)
            case let .discardBackfill(pipeline, from, to):
                try await auditor.record(requester, "backfill.discard", pipeline, detail: "\(from) → \(to): preview discarded")
                return .note(BackfillMessages.discarded)
            case let .cancelBackfill(backfillID):
                return try await cancelBackfill(backfillID, from: requester)
            case let .resumeBackfill(backfillID):
                return try await resumeBackfill(backfillID, from: requester)
            case let .confirmFullRefresh(pipeline):
                return try await confirmFullRefresh(pipeline, from: requester)
            case let .discardFullRefresh(pipeline):
                try await auditor.record(requester, "full-refresh.discard", pipeline, detail: "preview discarded")
                return .note("Full refresh of `\(pipeline)` cancelled; nothing was changed.")
            }
        } catch {
            logger.error("button action failed", metadata: ["action": "\(action.actionID)", "error": "\(error)"])
            return .note(":x: That did not work: \(error)")
        }
    }

    /// A reply in an alert's thread (`requester.threadTS`) that mentions the bot: `ack`, `mute 4h
    /// reason…`, `resolve`, `details`. Returns the reply to post in the thread, or nil when the thread
    /// is not an alert's, or when the action's own note in the thread already says what was done.
    public func handleThreadReply(_ reply: ThreadReply, from requester: Requester) async -> CommandReply? {
        do {
            guard let thread = requester.threadTS, let alert = try await state.read({ try $0.alert(threadTS: thread) }) else {
                return nil
            }
            switch reply {
            case .ack:
                return try await confirm(alerts.acknowledge(alertID: alert.id, by: requester), to: requester)
            case .resolve:
                if AccessPolicy.requiresOperator(ThreadReply.resolve),
                   let refusal = try await refuseUnlessOperator(requester, may: "resolve", audit: "resolve", "alert \(alert.id)")
                {
                    return refusal
                }
                return try await confirm(alerts.resolve(alertID: alert.id, by: requester), to: requester)
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

    /// The confirmation of an alert action for the requester, or nil when the requester is in (or
    /// on) the thread of an alert whose thread got the action's note: that note is the one answer.
    private func confirm(_ answer: AlertActionReply, to requester: Requester) async throws -> CommandReply? {
        guard let thread = requester.threadTS, !answer.notedAlerts.isEmpty,
              let here = try await state.read({ try $0.alert(threadTS: thread) }), answer.notedAlerts.contains(here.id)
        else { return answer.reply }
        return nil
    }

    /// Mutes the alert's check (operators only).
    private func muteAlert(_ alert: AlertRecord, end: MuteEnd, reason: String?, from requester: Requester) async throws -> CommandReply? {
        if let refusal = try await refuseUnlessOperator(requester, may: "mute", audit: "mute", alert.check) { return refusal }
        let target = MuteTarget.check(pipeline: alert.pipeline, name: alert.check)
        return try await confirm(alerts.mute(target: target, end: end, reason: reason, by: requester), to: requester)
    }

    /// "Run anyway" on a run refused for its cost: an operator starts it without the cost check.
    private func runDespiteCost(_ pipeline: String, from requester: Requester) async throws -> CommandReply? {
        guard manifest.pipeline(named: pipeline) != nil else { return nil }
        if let refusal = try await refuseUnlessOperator(requester, may: "run", audit: "run", pipeline, detail: "cost confirmation") {
            return refusal
        }
        return try await startRun(
            RunRequest(pipeline: pipeline, trigger: .manual, requestedBy: requester.userID, costConfirmed: true), from: requester)
    }

    /// `run PIPELINE --full-refresh`: the preview with the rebuild's estimate and a Confirm button.
    func fullRefreshPreview(_ name: String, from requester: Requester) async throws -> CommandReply {
        guard let pipeline = manifest.pipeline(named: name) else { return .note(":warning: There is no pipeline \(name).") }
        let estimate = CostMessages.estimate(await costEstimate(of: pipeline, now: clock.now))
        try await auditor.record(requester, "full-refresh.preview", name)
        return CommandReply(RunMessages.fullRefreshPreview(pipeline: pipeline, estimate: estimate))
    }

    /// Confirm on a full-refresh preview (operators): the full refresh starts; its cost was shown.
    private func confirmFullRefresh(_ pipeline: String, from requester: Requester) async throws -> CommandReply? {
        guard manifest.pipeline(named: pipeline) != nil else { return .note(":warning: There is no pipeline \(pipeline) any more.") }
        if let refusal = try await refuseUnlessOperator(requester, may: "run", audit: "run", pipeline, detail: "full refresh") {
            return refusal
        }
        return try await startRun(
            RunRequest(pipeline: pipeline, trigger: .manual, requestedBy: requester.userID, costConfirmed: true, fullRefresh: true),
            from: requester)
    }

    private func alert(_ id: Int64) async throws -> AlertRecord? {
        try await state.read { try $0.alert(id: id) }
    }

    private static func gone(_ alertID: Int64) -> CommandReply {
        .note(":warning: Alert \(alertID) no longer exists.")
    }
}
