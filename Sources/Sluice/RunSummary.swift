import Foundation
import SluiceCore

/// The terminal summary `sluice run` prints: one aligned line per step, then the outcome.
enum RunSummary {
    /// Renders the summary.
    static func render(_ run: RunRecord, steps: [StepRecord]) -> String {
        let width = min(60, steps.map(\.stepID.count).max() ?? 10)
        var lines = ["", "\(run.pipeline) run \(run.id) — \(steps.count) steps"]
        for step in steps {
            let mark = switch step.state {
            case .succeeded: step.warned ? "warn" : "ok"
            case .failed: "FAIL"
            case .skipped: "skip"
            case .cancelled: "cancel"
            case .queued, .running: step.state.rawValue
            }
            let id = step.stepID.padding(toLength: width, withPad: " ", startingAt: 0)
            let took = (step.duration.map(Format.duration) ?? "").padding(toLength: 8, withPad: " ", startingAt: 0)
            let note = step.error ?? step.detail ?? ""
            lines.append("  \(mark.padding(toLength: 6, withPad: " ", startingAt: 0)) \(id)  \(took)  \(note)")
        }
        let took = run.duration.map { " in " + Format.duration($0) } ?? ""
        lines.append("")
        lines.append("\(run.pipeline) run \(run.id) \(run.state.rawValue)\(took)" + (run.error.map { ": \($0)" } ?? ""))
        return lines.joined(separator: "\n")
    }
}
