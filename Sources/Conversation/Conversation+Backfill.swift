import Foundation
import SluiceCore
import StateStore
import Worker

extension Conversation {
    /// Backfills over this conversation's runner.
    var backfills: BackfillRunner { BackfillRunner(runner: runner) }

    /// `backfill PIPELINE FROM TO`: answers at once with the preview (only the requester sees it):
    /// days, partitions replaced, models rebuilt, estimated bytes and dollars, the share of the daily
    /// budget, and Confirm / Cancel. When a stopped backfill of the same days exists, Confirm resumes it.
    func backfillPreview(pipeline: String, from: String, to: String, requester: Requester) async throws -> CommandReply {
        guard let days = Days.range(from: from, to: to) else {
            return .note(":warning: `\(from)` to `\(to)` is not a range of days; write both as `YYYY-MM-DD`, the earlier first.")
        }
        let plan: BackfillPlan
        do {
            plan = try await backfills.preview(pipeline: pipeline, days: days)
        } catch let error as RunError {
            try await auditor.record(requester, "backfill.preview", pipeline, detail: "\(from) → \(to): \(error.message)", outcome: "failed")
            return .note(":warning: \(error.message)")
        }
        var detail = "\(days.count) days \(from) → \(to)"
        if let resuming = plan.resuming { detail += ", resumes backfill \(resuming.id) from \(resuming.nextDay ?? "-")" }
        if plan.estimateError == nil { detail += ", est. \(Format.bytes(plan.estimatedBytes)) \(Format.dollars(plan.estimatedDollars))" }
        try await auditor.record(requester, "backfill.preview", pipeline, detail: detail)
        return CommandReply(BackfillMessages.preview(plan))
    }

    /// Confirm on a backfill preview (operators): starts the backfill of FROM to TO, or resumes the
    /// stopped backfill of the same days. Every press is audited, refusals included.
    func confirmBackfill(pipeline: String, from: String, to: String, requester: Requester) async throws -> CommandReply {
        if let refusal = try await refuseUnlessOperator(requester, may: "backfill", audit: "backfill.confirm", pipeline, detail: "\(from) → \(to)") {
            return refusal
        }
        let maxDays = manifest.backfill.maxDays
        guard let found = manifest.pipeline(named: pipeline), let last = Days.adding(maxDays - 1, to: from), to <= last,
              let days = Days.range(from: from, to: to)
        else {
            try await auditor.record(requester, "backfill.confirm", pipeline, detail: "\(from) → \(to): not a backfill range", outcome: "failed")
            return .note(":warning: That button does not name a backfill Sluice can run; ask again with `\(commandName) backfill PIPELINE FROM TO`.")
        }
        let channel = requester.channelID ?? manifest.channel(for: found.name)
        let started: (backfill: BackfillRecord, resumed: Bool)
        do {
            started = try await backfills.start(pipeline: pipeline, days: days, requestedBy: requester.userID, channel: channel)
        } catch let error as RunError {
            try await auditor.record(requester, "backfill.confirm", pipeline, detail: error.message, outcome: "failed")
            return .note(":hourglass: \(error.message)")
        }
        let backfill = started.backfill
        let detail = started.resumed
            ? "backfill \(backfill.id) resumed from \(backfill.nextDay ?? "-") (\(backfill.remainingDays.count)/\(backfill.days.count) days left)"
            : "backfill \(backfill.id): \(days.count) days \(days.first ?? "") → \(days.last ?? "")"
        try await auditor.record(requester, started.resumed ? "backfill.resume" : "backfill.confirm", pipeline, detail: detail)
        executeInBackground(backfill.id)
        return CommandReply(BackfillMessages.started(backfill, resumed: started.resumed))
    }

    /// Cancel on a running backfill's progress message (operators): it stops before its next day.
    func cancelBackfill(_ id: Int64, from requester: Requester) async throws -> CommandReply {
        if let refusal = try await refuseUnlessOperator(requester, may: "cancel backfills", audit: "backfill.cancel", "backfill \(id)") {
            return refusal
        }
        let outcome: (backfill: BackfillRecord, stoppedNow: Bool)
        do {
            outcome = try await backfills.requestCancel(backfillID: id, by: requester.userID)
        } catch let error as RunError {
            try await auditor.record(requester, "backfill.cancel", "backfill \(id)", detail: error.message, outcome: "failed")
            return .note(":warning: \(error.message)")
        }
        let backfill = outcome.backfill
        let figures = "backfill \(backfill.id) after \(backfill.completedDays.count)/\(backfill.days.count) days"
        if outcome.stoppedNow {
            try await auditor.record(requester, "backfill.cancel", backfill.pipeline, detail: "\(figures); its process was gone")
            return .note(BackfillMessages.cancelledStopped(backfill))
        }
        guard backfill.state.isActive else {
            try await auditor.record(requester, "backfill.cancel", backfill.pipeline, detail: "\(figures): already \(backfill.state.rawValue)", outcome: "failed")
            return .note(BackfillMessages.alreadyFinished(backfill))
        }
        try await auditor.record(requester, "backfill.cancel", backfill.pipeline, detail: "\(figures); stops before its next day")
        return .note(BackfillMessages.cancelRequested(backfill))
    }

    /// Resume on a stopped backfill's progress message (operators): it continues from its next day.
    func resumeBackfill(_ id: Int64, from requester: Requester) async throws -> CommandReply {
        if let refusal = try await refuseUnlessOperator(requester, may: "resume backfills", audit: "backfill.resume", "backfill \(id)") {
            return refusal
        }
        let backfill: BackfillRecord
        do {
            backfill = try await backfills.resume(backfillID: id)
        } catch let error as RunError {
            try await auditor.record(requester, "backfill.resume", "backfill \(id)", detail: error.message, outcome: "failed")
            return .note(":hourglass: \(error.message)")
        }
        try await auditor.record(
            requester, "backfill.resume", backfill.pipeline,
            detail: "backfill \(backfill.id) resumed from \(backfill.nextDay ?? "-") (\(backfill.remainingDays.count)/\(backfill.days.count) days left)")
        executeInBackground(backfill.id)
        return CommandReply(BackfillMessages.started(backfill, resumed: true))
    }

    /// Executes a queued backfill on the work queue (stopping the server interrupts it between steps,
    /// and it stays resumable).
    private func executeInBackground(_ backfillID: Int64) {
        let backfills = self.backfills
        let logger = self.logger
        work.submit {
            do {
                let ended = try await backfills.execute(backfillID: backfillID)
                logger.info("backfill ended", metadata: ["backfill": "\(backfillID)", "state": "\(ended.state.rawValue)"])
            } catch {
                logger.error("backfill failed", metadata: ["backfill": "\(backfillID)", "error": "\(error)"])
            }
        }
    }
}
