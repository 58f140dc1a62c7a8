import Foundation
import Logging
import SluiceCore
import StateStore

/// Runs pipelines on their cron schedules (in the manifest's time zone) until cancelled, and once
/// at start for a pipeline that has never run. A fire that finds the pipeline still running is
/// skipped and logged, never queued behind it.
public struct PipelineScheduler: Sendable {
    /// Executes the runs.
    public let runner: PipelineRunner

    /// Creates a scheduler.
    public init(runner: PipelineRunner) {
        self.runner = runner
    }

    /// The next fire time of every scheduled pipeline strictly after `date`.
    public func nextFires(after date: Date) -> [String: Date] {
        var next: [String: Date] = [:]
        for pipeline in runner.manifest.pipelines {
            if let fire = pipeline.schedule?.nextFire(after: date, in: runner.manifest.timeZone) {
                next[pipeline.name] = fire
            }
        }
        return next
    }

    /// Runs until the task is cancelled.
    public func run() async {
        let manifest = runner.manifest
        var next = nextFires(after: runner.clock.now)
        await withTaskGroup(of: Void.self) { group in
            for pipeline in manifest.pipelines {
                let neverRan: Bool
                do {
                    neverRan = try await runner.state.read { try $0.runs(pipeline: pipeline.name, limit: 1).isEmpty }
                } catch {
                    runner.logger.error("could not tell whether the pipeline ever ran; not running it at start", metadata: [
                        "pipeline": "\(pipeline.name)", "error": "\(error)",
                    ])
                    neverRan = false
                }
                if neverRan {
                    group.addTask { await start(pipeline.name, trigger: .startup) }
                }
            }
            while !Task.isCancelled, let (name, due) = next.min(by: { $0.value < $1.value }) {
                do {
                    try await runner.clock.sleep(until: due)
                } catch {
                    break
                }
                group.addTask { await start(name, trigger: .schedule) }
                next[name] = manifest.pipeline(named: name)?.schedule?.nextFire(after: due, in: manifest.timeZone)
            }
            await group.waitForAll()
        }
    }

    /// Tells the pipeline's channel that a scheduled run was held back, with a "Run anyway" button.
    private func announce(_ refusal: CostRefusal) async {
        let manifest = runner.manifest
        let channel = manifest.channel(for: refusal.pipeline)
        let message = RunMessages.costRefused(pipeline: refusal.pipeline, reason: refusal.reason, jobs: refusal.estimate.jobs)
        let now = runner.clock.now
        do {
            _ = try await runner.state.write { try $0.enqueue(channel: channel, action: .post(threadOf: nil), message: message, at: now) }
        } catch {
            runner.logger.error("could not announce a refused run", metadata: ["pipeline": "\(refusal.pipeline)", "error": "\(error)"])
        }
    }

    private func start(_ pipeline: String, trigger: RunTrigger) async {
        do {
            _ = try await runner.run(RunRequest(pipeline: pipeline, trigger: trigger, requestedBy: "scheduler"))
        } catch let error as StateStoreError {
            runner.logger.notice("scheduled run skipped", metadata: ["pipeline": "\(pipeline)", "reason": "\(error)"])
        } catch let refusal as CostRefusal {
            runner.logger.warning("scheduled run refused for its cost", metadata: ["pipeline": "\(pipeline)", "reason": "\(refusal.reason)"])
            await announce(refusal)
        } catch {
            runner.logger.error("scheduled run failed to start", metadata: ["pipeline": "\(pipeline)", "error": "\(error)"])
        }
    }
}
