import Foundation

/// How far the steps of one run have got.
public struct StepProgress: Sendable, Equatable {
    /// Steps that can no longer change (succeeded, failed, skipped, cancelled; kept steps included).
    public var finished: Int
    /// Steps in the run.
    public var total: Int
    /// Ids of the steps running now, in run order.
    public var running: [String]

    /// Creates step progress from figures.
    public init(finished: Int, total: Int, running: [String]) {
        self.finished = finished
        self.total = total
        self.running = running
    }

    /// The progress of a run's current step records.
    public init(steps: [StepRecord]) {
        self.init(
            finished: steps.filter { $0.state.isFinished }.count, total: steps.count,
            running: steps.filter { $0.state == .running }.map(\.stepID))
    }

    /// `` `model:mart.daily_sales` (12/19 steps) ``, or the count alone when nothing is running.
    public var summary: String {
        let count = "\(finished)/\(total) steps"
        guard !running.isEmpty else { return count }
        let shown = running.prefix(2).map { "`\($0)`" }.joined(separator: ", ")
        let more = running.count > 2 ? " and \(running.count - 2) more" : ""
        return "\(shown)\(more) (\(count))"
    }
}

/// The single progress message of a run or a backfill started from Slack: posted once, then
/// edited as it goes (`▓▓▓▓░░░░ 12/30 days`, the current step, elapsed time and ETA), and edited a
/// last time with the outcome.
public enum ProgressMessages {
    /// Cells in a progress bar.
    public static let barWidth = 10

    /// `▓▓▓▓░░░░░░`: `done` of `total` as filled cells (never full before the end, never empty after a start).
    public static func bar(done: Int, total: Int, width: Int = barWidth) -> String {
        guard total > 0, width > 0 else { return String(repeating: "░", count: max(width, 0)) }
        let clamped = min(max(done, 0), total)
        var filled = Int((Double(clamped) / Double(total) * Double(width)).rounded())
        if clamped < total { filled = min(filled, width - 1) }
        if clamped > 0 { filled = max(filled, 1) }
        return String(repeating: "▓", count: filled) + String(repeating: "░", count: width - filled)
    }

    /// Time left at the pace so far: `elapsed / done × (total − done)`; nil before anything is done.
    public static func eta(elapsed: TimeInterval, done: Int, total: Int) -> TimeInterval? {
        guard done > 0, total >= done, elapsed.isFinite, elapsed >= 0 else { return nil }
        return elapsed / Double(done) * Double(total - done)
    }

    // MARK: Runs

    /// The progress message of a run: queued, running (bar, current steps, elapsed, ETA), or finished.
    public static func run(_ run: RunRecord, steps: [StepRecord], now: Date) -> SlackMessage {
        let progress = StepProgress(steps: steps)
        let title = "`\(run.pipeline)` run \(run.id)"
        let who = run.trigger == .rerun ? "rerun of run \(run.rerunOf ?? 0)" : run.trigger.rawValue
        let requested = run.requestedBy.hasPrefix("U") || run.requestedBy.hasPrefix("W") ? ", requested by <@\(run.requestedBy)>" : ""
        let bar = "`\(bar(done: progress.finished, total: progress.total))` \(progress.finished)/\(progress.total) steps"
        let elapsed = run.startedAt.map { (run.finishedAt ?? now).timeIntervalSince($0) }
        var lines: [String]
        var context: [String] = []
        switch run.state {
        case .queued:
            lines = [":hourglass: *\(title)* is queued (\(who)\(requested))", bar]
        case .running:
            lines = [":arrows_counterclockwise: *\(title)* is running (\(who)\(requested))", bar]
            if !progress.running.isEmpty { lines.append("Now: " + progress.summary) }
            context.append(timing(
                elapsed: elapsed ?? 0, eta: eta(elapsed: elapsed ?? 0, done: progress.finished, total: progress.total),
                unknown: "after the first step"))
        case .succeeded:
            lines = [":white_check_mark: *\(title) succeeded*\(elapsed.map { " in \(Format.duration($0))" } ?? "")", bar]
        case .failed, .cancelled, .interrupted:
            lines = [":x: *\(title) \(run.state.rawValue)*\(elapsed.map { " after \(Format.duration($0))" } ?? "")", bar]
            if let failed = steps.first(where: { $0.state == .failed }) {
                lines.append("`\(failed.stepID)`: \(failed.error ?? "failed")")
            } else if let error = run.error {
                lines.append(error)
            }
        }
        if !run.state.isActive { context.append("Step details are in the thread of the run's result message.") }
        var blocks: [Block] = [.section(text: MessageFitting.truncate(lines.joined(separator: "\n"), to: BlockLimits.sectionText))]
        if !context.isEmpty { blocks.append(.context(context)) }
        return SlackMessage(text: "Progress of \(run.pipeline) run \(run.id): \(run.state.rawValue)", blocks: blocks)
    }

    // MARK: Backfills

    /// The progress message of a backfill: the day bar, the day and step being replaced, elapsed
    /// time and ETA, and a Cancel button while it runs; at the end, what was replaced, and a Resume
    /// button when it stopped early. `eta` is the executor's estimate of the time left.
    public static func backfill(_ backfill: BackfillRecord, step: StepProgress?, eta: TimeInterval?, now: Date) -> SlackMessage {
        let total = backfill.days.count
        let done = backfill.completedDays.count
        let title = "Backfill \(backfill.id) of `\(backfill.pipeline)`"
        let range = BackfillMessages.dayRanges(backfill.days)
        let bar = "`\(bar(done: done, total: total))` \(done)/\(total) days"
        let elapsed = backfill.startedAt.map { (backfill.finishedAt ?? now).timeIntervalSince($0) }
        var lines: [String]
        var context: [String] = []
        var buttons: [Button] = []
        switch backfill.state {
        case .queued:
            let from = backfill.nextDay.map { done > 0 ? ", continuing from \($0)" : "" } ?? ""
            lines = [":hourglass: *\(title)* is queued: \(range)\(from) · requested by <@\(backfill.requestedBy)>", bar]
        case .running:
            lines = [":arrows_counterclockwise: *\(title)* is running: \(range) · requested by <@\(backfill.requestedBy)>", bar]
            if let day = backfill.currentDay {
                lines.append("Now: \(day)" + (step.map { " · " + $0.summary } ?? ""))
            }
            if let by = backfill.cancelRequestedBy {
                lines.append(":octagonal_sign: Cancel requested by <@\(by)>: it stops once the day in progress is replaced.")
            }
            context.append(timing(elapsed: elapsed ?? 0, eta: eta, unknown: "after the first day"))
        case .succeeded:
            lines = [":white_check_mark: *\(title) finished*\(elapsed.map { " in \(Format.duration($0))" } ?? ""): \(range)", bar]
        case .cancelled:
            let by = backfill.cancelRequestedBy.map { " by <@\($0)>" } ?? ""
            lines = [":octagonal_sign: *\(title) cancelled*\(by) after \(done) of \(total) days", bar]
        case .failed:
            lines = [":x: *\(title) failed* after \(done) of \(total) days", bar]
            if let error = backfill.error { lines.append(error) }
        }
        if !backfill.state.isActive {
            lines.append("Replaced: " + (backfill.completedDays.isEmpty ? "nothing" : BackfillMessages.dayRanges(backfill.completedDays)))
            if !backfill.remainingDays.isEmpty {
                lines.append("Not replaced: " + BackfillMessages.dayRanges(backfill.remainingDays))
            }
        }
        if backfill.state.isActive, backfill.cancelRequestedBy == nil {
            buttons.append(BackfillMessages.cancelButton(backfill))
        }
        if backfill.state.isResumable, let next = backfill.nextDay {
            buttons.append(Button(
                text: "Resume from \(next)", action: .resumeBackfill(backfillID: backfill.id), style: "primary"))
            context.append("Resume here, or with `backfill \(backfill.pipeline) \(backfill.days.first ?? "") \(backfill.days.last ?? "")` again: finished days are not redone.")
        }
        var blocks: [Block] = [.section(text: MessageFitting.truncate(lines.joined(separator: "\n"), to: BlockLimits.sectionText))]
        if !context.isEmpty { blocks.append(.context(context)) }
        if !buttons.isEmpty { blocks.append(.actions(blockID: "backfill.\(backfill.id)", buttons)) }
        return SlackMessage(
            text: "Backfill \(backfill.id) of \(backfill.pipeline): \(backfill.state.rawValue), \(done)/\(total) days",
            blocks: blocks.map(MessageFitting.fit))
    }

    /// `Elapsed 1m 20s · ETA 2m 05s`; before the first step or day finished, the ETA says when it will be known.
    private static func timing(elapsed: TimeInterval, eta: TimeInterval?, unknown: String) -> String {
        "Elapsed \(Format.duration(elapsed)) · ETA " + (eta.map(Format.duration) ?? unknown)
    }
}
