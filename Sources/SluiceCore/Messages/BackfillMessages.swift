import Foundation

/// Block Kit for backfills: the preview with Confirm / Cancel, and the short replies to the buttons.
/// The progress message itself is built by `ProgressMessages.backfill`.
public enum BackfillMessages {
    /// The Cancel button of a running backfill, with its confirm dialog (the started reply and the
    /// progress message carry the same one).
    public static func cancelButton(_ backfill: BackfillRecord) -> Button {
        Button(
            text: "Cancel backfill", action: .cancelBackfill(backfillID: backfill.id), style: "danger",
            confirm: Confirmation(
                title: "Cancel backfill \(backfill.id)?",
                text: "It stops once the day in progress is replaced; the days already replaced stay replaced.",
                confirm: "Cancel backfill", deny: "Keep going"))
    }

    /// Action ids of the backfill buttons. Buttons are built and read through `ButtonAction`.
    public enum Action {
        /// Confirm on the preview; the value is the range, `PIPELINE FROM TO`.
        public static let confirm = "backfill.confirm"
        /// Cancel on the preview (discards it); the value is the same range.
        public static let discard = "backfill.discard"
        /// Cancel on the progress message; the value is the backfill id.
        public static let cancel = "backfill.cancel"
        /// Resume on a stopped backfill's progress message; the value is the backfill id.
        public static let resume = "backfill.resume"
    }

    /// The answer to `backfill PIPELINE FROM TO`: days, partitions replaced, loads left alone, models
    /// rebuilt, the estimated bytes and dollars with the share of the daily budget, and Confirm / Cancel.
    public static func preview(_ plan: BackfillPlan) -> SlackMessage {
        let scope = plan.scope
        var blocks: [Block] = [.header("Backfill preview: \(plan.pipeline)")]
        var days = "*Days:* \(dayRanges(plan.days)) (\(count(plan.days.count, "day")), one run per day, oldest first)"
        if let resuming = plan.resuming {
            let how = resuming.state.isActive ? "interrupted (Sluice stopped while it ran)" : resuming.state.rawValue
            days += "\n:repeat: *Resumes backfill \(resuming.id)*, \(how): \(resuming.completedDays.count) of "
                + "\(count(resuming.days.count, "day")) already replaced; continues from \(resuming.nextDay ?? "-") "
                + "(\(count(plan.remainingDays.count, "day")) left). Finished days are not redone."
        }
        blocks.append(.section(text: days))
        var what = [
            "*Partitions replaced:* " + scope.replacedLoads.map { "`\($0.table)` by `\($0.partitionBy ?? "")`" }.joined(separator: ", "),
        ]
        if !scope.skippedLoads.isEmpty {
            what.append("*Not reloaded* (not partitioned): " + scope.skippedLoads.map { "`\($0.table)`" }.joined(separator: ", "))
        }
        let perDay = Dictionary(
            plan.jobs.filter { $0.kind == .model }.map { ($0.name, $0.bytesBilled) }, uniquingKeysWith: { first, _ in first })
        let models = scope.rebuiltModels.map { model in
            "`\(model.name)`" + (perDay[model.name.description].map { " (\(Format.bytes($0))/day)" } ?? "")
        }
        what.append("*Models rebuilt* (\(models.count)): " + (models.isEmpty ? "none" : models.joined(separator: ", ")))
        let queried = plan.jobs.filter { $0.kind == .check }.count
        what.append("*Checks run each day:* \(scope.checks.count)"
            + (queried > 0 ? " (\(queried) querying, \(Format.bytes(plan.bytesPerDay(of: .check)))/day)" : ""))
        blocks.append(.section(text: what.joined(separator: "\n")))
        blocks.append(.section(text: costLine(plan)))
        blocks.append(.context([costNote(plan)]))
        let (from, to) = (plan.days.first ?? "", plan.days.last ?? "")
        let confirmText = plan.resuming.map { "Confirm: resume from \($0.nextDay ?? "-")" } ?? "Confirm"
        blocks.append(.actions(blockID: "backfill.preview", [
            Button(text: confirmText, action: .confirmBackfill(pipeline: plan.pipeline, from: from, to: to), style: "primary"),
            Button(text: "Cancel", action: .discardBackfill(pipeline: plan.pipeline, from: from, to: to)),
        ]))
        return SlackMessage(
            text: "Backfill preview: \(plan.pipeline), \(count(plan.remainingDays.count, "day")) to replace",
            blocks: blocks.map(MessageFitting.fit))
    }

    /// The reply to Confirm (or Resume): which backfill runs, from which day, and a Cancel button.
    public static func started(_ backfill: BackfillRecord, resumed: Bool) -> SlackMessage {
        let total = count(backfill.days.count, "day")
        let text = resumed
            ? ":arrow_forward: Backfill \(backfill.id) of `\(backfill.pipeline)` resumed from \(backfill.nextDay ?? "-"): "
                + "\(backfill.remainingDays.count) of \(total) left; finished days are not redone."
            : ":arrow_forward: Backfill \(backfill.id) of `\(backfill.pipeline)` started: \(total), \(dayRanges(backfill.days))."
        let cancel = cancelButton(backfill)
        return SlackMessage(
            text: "Backfill \(backfill.id) of \(backfill.pipeline) \(resumed ? "resumed" : "started")",
            blocks: [
                .section(text: text), .context(["Progress is kept up to date in one message in the channel."]),
                .actions(blockID: "backfill.\(backfill.id).started", [cancel]),
            ])
    }

    /// The reply to Cancel on a running backfill.
    public static func cancelRequested(_ backfill: BackfillRecord) -> String {
        let day = backfill.currentDay.map { "once \($0) is replaced" } ?? "before its next day"
        return ":octagonal_sign: Backfill \(backfill.id) of `\(backfill.pipeline)` stops \(day); "
            + "its progress message will say what was replaced."
    }

    /// The reply to Cancel on a backfill whose process is gone: it is marked cancelled at once.
    public static func cancelledStopped(_ backfill: BackfillRecord) -> String {
        ":octagonal_sign: Backfill \(backfill.id) of `\(backfill.pipeline)` was not running any more (Sluice had stopped); "
            + "it is marked cancelled after \(backfill.completedDays.count) of \(count(backfill.days.count, "day"))."
    }

    /// The reply to Cancel on a backfill that already finished.
    public static func alreadyFinished(_ backfill: BackfillRecord) -> String {
        "Backfill \(backfill.id) of `\(backfill.pipeline)` already \(backfill.state == .succeeded ? "finished" : backfill.state.rawValue); nothing to cancel."
    }

    /// The reply to Cancel on the preview.
    public static let discarded = "Backfill preview discarded; nothing was changed."

    /// Days written as ranges of consecutive days: `2026-09-01 → 2026-09-04, 2026-09-07`; at most
    /// five ranges, then how many more.
    public static func dayRanges(_ days: [String]) -> String {
        var ranges: [(first: String, last: String)] = []
        for day in days.sorted() {
            if let last = ranges.last, Days.adding(1, to: last.last) == day {
                ranges[ranges.count - 1].last = day
            } else if ranges.last?.last != day {
                ranges.append((day, day))
            }
        }
        guard !ranges.isEmpty else { return "no days" }
        let shown = ranges.prefix(5).map { $0.first == $0.last ? $0.first : "\($0.first) → \($0.last)" }
        let more = ranges.count > 5 ? " and \(ranges.count - 5) more" : ""
        return shown.joined(separator: ", ") + more
    }

    /// `12 GiB billed ≈ $0.08 · 2% of the $5.00 daily budget`.
    private static func costLine(_ plan: BackfillPlan) -> String {
        var line = "*Estimated cost:* \(Format.bytes(plan.estimatedBytes)) billed ≈ \(Format.dollars(plan.estimatedDollars))"
        if let share = plan.budgetShare, let budget = plan.dailyBudget {
            line += " · \(percentage(share)) of the \(Format.dollars(budget)) daily budget"
        } else {
            line += " · no daily budget set (`cost.daily_budget`)"
        }
        if let error = plan.estimateError { line += "\n:warning: \(error)" }
        return line
    }

    private static func costNote(_ plan: BackfillPlan) -> String {
        let price = Format.dollars(plan.pricePerTiB)
        if plan.simulated {
            return "This is an estimate: the SQLite warehouse bills nothing, so these are the bytes BigQuery would bill "
                + "to rebuild the same models and run the same checks on tables of this size, at \(price)/TiB. "
                + "SQLite rebuilds each model whole, which includes the backfilled days."
        }
        return "Estimated from BigQuery dry runs of each model and check, once per day, at \(price)/TiB "
            + "(10 MiB minimum per table referenced and per query; partition loads are free)."
    }

    /// `12%`, `under 1%`, `0%`.
    private static func percentage(_ share: Double) -> String {
        guard share.isFinite else { return "?%" }
        if share > 0, share < 0.01 { return "under 1%" }
        return "\(Int64((share * 100).rounded()))%"
    }

    private static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }
}
