import Foundation
import SluiceCore

/// The terminal summary `sluice run` prints: one aligned line per step, then the outcome. In
/// console mode the run's result message and its step thread are already printed (they are the
/// report), so only the outcome line is added (`stepsShown: false`).
enum RunSummary {
    /// Renders the summary.
    static func render(_ run: RunRecord, steps: [StepRecord], stepsShown: Bool = true) -> String {
        let took = run.duration.map { " in " + Format.duration($0) } ?? ""
        let outcome = "\(run.pipeline) \(run.fullRefresh ? "full refresh" : "run") \(run.id) \(run.state.rawValue)\(took)" + (run.error.map { ": \($0)" } ?? "")
        guard stepsShown else { return "\n" + outcome }
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
        lines.append("")
        lines.append(outcome)
        return lines.joined(separator: "\n")
    }
}
