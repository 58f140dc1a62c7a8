import Foundation

/// The state machine that decides which steps of a run may start: a step starts when every step it
/// depends on succeeded, at most `maxParallel` run at once, and a failure skips everything
/// downstream. Pure value type; the executor feeds it completions and asks what to start next.
public struct StepScheduler: Sendable, Equatable {
    /// Current state of each step.
    public private(set) var states: [String: StepState]
    private let order: [String]
    private let dependsOn: [String: [String]]
    private let maxParallel: Int

    /// Creates a scheduler. Steps in `alreadySucceeded` (a rerun keeping earlier work) start succeeded.
    public init(steps: [PlannedStep], maxParallel: Int, alreadySucceeded: Set<String> = []) {
        order = steps.map(\.id)
        dependsOn = Dictionary(steps.map { ($0.id, $0.dependsOn) }, uniquingKeysWith: { first, _ in first })
        self.maxParallel = max(1, maxParallel)
        states = Dictionary(steps.map { ($0.id, alreadySucceeded.contains($0.id) ? .succeeded : .queued) },
                            uniquingKeysWith: { first, _ in first })
    }

    /// Steps running now.
    public var running: [String] { order.filter { states[$0] == .running } }

    /// True when no step is queued or running.
    public var isFinished: Bool { states.values.allSatisfy(\.isFinished) }

    /// Marks as running, and returns, the queued steps whose dependencies all succeeded, in plan
    /// order, up to the parallelism bound.
    public mutating func startReady() -> [String] {
        var free = maxParallel - running.count
        var started: [String] = []
        for id in order where free > 0 && states[id] == .queued {
            let deps = dependsOn[id] ?? []
            if deps.allSatisfy({ states[$0] == .succeeded }) {
                states[id] = .running
                started.append(id)
                free -= 1
            }
        }
        return started
    }

    /// Records a finished step. On failure (or cancellation) every queued step downstream becomes
    /// skipped; those are returned.
    public mutating func finish(_ id: String, as state: StepState) -> [String] {
        states[id] = state
        guard state != .succeeded else { return [] }
        var skipped: [String] = []
        var changed = true
        while changed {
            changed = false
            for step in order where states[step] == .queued {
                let deps = dependsOn[step] ?? []
                if deps.contains(where: { [.failed, .skipped, .cancelled].contains(states[$0]) }) {
                    states[step] = .skipped
                    skipped.append(step)
                    changed = true
                }
            }
        }
        return skipped
    }

    /// Cancels every queued step (a cancelled run); returns them.
    public mutating func cancelQueued() -> [String] {
        let queued = order.filter { states[$0] == .queued }
        for id in queued { states[id] = .cancelled }
        return queued
    }
}
