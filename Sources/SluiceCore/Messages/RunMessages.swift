import Foundation

/// Block Kit for run results: one compact top-level message per run (a quiet line on success, a
/// loud one naming the owners on failure) and the per-step details for its thread.
public enum RunMessages {
    /// Action id of the rerun button on a failed run; the value is the run id. Buttons are built and
    /// read through `ButtonAction`.
    public static let rerunAction = "run.rerun"
    /// Action id of the "Run anyway" button on a run refused for its cost; the value is the pipeline.
    public static let confirmCostAction = "run.confirm-cost"
    /// Action ids of Confirm and Cancel on a full-refresh preview; the value is the pipeline.
    public static let confirmFullRefreshAction = "run.confirm-full-refresh"
    public static let discardFullRefreshAction = "run.discard-full-refresh"

    /// The preview of `run PIPELINE --full-refresh`: what a full refresh does, the estimate of the
    /// rebuild (`estimate`'s blocks), and Confirm (operators; with a dialog) and Cancel buttons.
    public static func fullRefreshPreview(pipeline: Pipeline, estimate: SlackMessage) -> SlackMessage {
        let tables = pipeline.loads.count + pipeline.models.count
        let what = "A full refresh of `\(pipeline.name)` forgets its watermarks and the files it has read, then rebuilds "
            + "\(tables) table\(tables == 1 ? "" : "s") (\(pipeline.loads.count) loaded, \(pipeline.models.count) models) "
            + "from every source row."
        let confirm = Button(
            text: "Confirm full refresh", action: .confirmFullRefresh(pipeline: pipeline.name), style: "danger",
            confirm: Confirmation(title: "Full refresh of \(pipeline.name)?", text: "Rebuilds every table of the pipeline from its sources.", confirm: "Rebuild"))
        let cancel = Button(text: "Cancel", action: .discardFullRefresh(pipeline: pipeline.name))
        let blocks = [Block.header("Full refresh of \(pipeline.name)"), .section(text: what)]
            + Array(estimate.blocks.prefix(40)) + [.actions(blockID: "full-refresh.\(pipeline.name)", [confirm, cancel])]
        return SlackMessage(text: "Full refresh of \(pipeline.name)? \(estimate.text)", blocks: blocks)
    }

    /// A run refused before it started because of its cost estimate, with the figures of its
    /// costliest jobs and a "Run anyway" button for operators.
    public static func costRefused(pipeline: String, reason: String, jobs: [JobEstimate]) -> SlackMessage {
        let lines = jobs.sorted { $0.bytesBilled > $1.bytesBilled }.prefix(10).map {
            "`\($0.name)` · \($0.kind.rawValue) · \(Format.bytes($0.bytesBilled))"
        }
        let button = Button(
            text: "Run anyway", action: .confirmCost(pipeline: pipeline), style: "danger",
            confirm: Confirmation(title: "Run \(pipeline) anyway?", text: MessageFitting.truncate(reason, to: 280), confirm: "Run"))
        return SlackMessage(
            text: "\(pipeline) was not started: \(reason)",
            blocks: [.section(text: ":money_with_wings: *`\(pipeline)` was not started*: \(reason).")]
                + MessageFitting.sections(ofLines: lines) + [.actions(blockID: "cost.\(pipeline)", [button])])
    }

    /// The top-level result.
    public static func result(_ run: RunRecord, steps: [StepRecord], owners: [String]) -> SlackMessage {
        let rows = steps.filter { $0.kind == .load }.compactMap(\.rows).reduce(0, +)
        let billed = steps.map(\.bytesBilled).reduce(0, +)
        let took = run.duration.map { " in \(Format.duration($0))" } ?? ""
        var facts = (run.fullRefresh ? ["full refresh"] : []) + ["\(steps.count) steps", Format.rows(rows) + " loaded"]
        if billed > 0 { facts.append(Format.bytes(billed) + " billed") }
        let warned = steps.filter(\.warned).count
        if warned > 0 { facts.append("\(warned) warning\(warned == 1 ? "" : "s")") }
        if run.state == .succeeded {
            let text = ":white_check_mark: `\(run.pipeline)` run \(run.id) succeeded\(took) · " + facts.joined(separator: " · ")
            return SlackMessage(text: "\(run.pipeline) run \(run.id) succeeded", blocks: [.section(text: text)])
        }
        let failed = steps.filter { $0.state == .failed }
        let skipped = steps.filter { $0.state == .skipped || $0.state == .cancelled }.count
        var lines = [":x: *`\(run.pipeline)` run \(run.id) \(run.state.rawValue)*\(took) · \(failed.count) failed, \(skipped) skipped · " + facts.joined(separator: " · ")]
        if let first = failed.first {
            lines.append("`\(first.stepID)`: \(first.error ?? "failed")")
        } else if let error = run.error {
            lines.append(error)
        }
        if !owners.isEmpty { lines.append("cc \(Mentions.mentions(owners))") }
        let rerun = Button(
            text: "Rerun from failed step", action: .rerun(runID: run.id), style: "danger",
            confirm: Confirmation(title: "Rerun run \(run.id)?", text: "Reruns `\(run.pipeline)` from its failed step.", confirm: "Rerun"))
        return SlackMessage(
            text: "\(run.pipeline) run \(run.id) \(run.state.rawValue)",
            blocks: [.section(text: lines.joined(separator: "\n")), .actions(blockID: "run.\(run.id)", [rerun])])
    }

    /// Per-step lines for the thread (split to fit Slack's limits by `MessageFitting`).
    public static func details(_ steps: [StepRecord]) -> SlackMessage {
        let lines = steps.map(stepLine)
        return SlackMessage(text: "Steps of the run", blocks: MessageFitting.sections(ofLines: lines))
    }

    /// One readable line for a step: icon, id, duration, rows, bytes, detail or error.
    public static func stepLine(_ step: StepRecord) -> String {
        var parts = ["\(icon(step)) `\(step.stepID)`"]
        if let duration = step.duration { parts.append(Format.duration(duration)) }
        if let rows = step.rows, step.kind != .check { parts.append(Format.rows(rows)) }
        if step.bytesBilled > 0 { parts.append(Format.bytes(step.bytesBilled) + " billed") }
        if let error = step.error { parts.append(error) } else if let detail = step.detail { parts.append(detail) }
        return parts.joined(separator: " · ")
    }

    private static func icon(_ step: StepRecord) -> String {
        switch step.state {
        case .succeeded: step.warned ? ":warning:" : ":white_check_mark:"
        case .failed: ":x:"
        case .skipped, .cancelled: ":fast_forward:"
        case .queued: ":hourglass:"
        case .running: ":arrows_counterclockwise:"
        }
    }
}
