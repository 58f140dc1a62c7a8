import Foundation
import Logging
import SluiceCore
import StateStore
import Warehouse

/// Previews, starts, executes, cancels and resumes backfills. A backfill replaces a range of days
/// one day at a time: one run per day (`trigger: .backfill`, `backfillDays: [day]`), oldest first,
/// which replaces exactly that day's partitions of the partitioned loads and rebuilds the models
/// downstream of them; every other step of the run is kept (see `BackfillScope`). The days done
/// are stored after each day, so a cancelled, failed or crashed backfill resumes from its first
/// unfinished day and never redoes a finished one. Its single progress message is posted once
/// through the outbox and then only edited, at most every `progressInterval` seconds and once more
/// with the outcome, in the same transactions that change the backfill.
public struct BackfillRunner: Sendable {
    /// Runs each day.
    public let runner: PipelineRunner
    /// Least time between two edits of the progress message (the final edit is never held back).
    public let progressInterval: TimeInterval
    /// How long a day waits for another run of the pipeline (a scheduled one) before the backfill fails.
    public let busyWait: TimeInterval

    /// The default least time between two progress edits.
    public static let defaultProgressInterval = ProgressEditor.defaultInterval

    /// Creates a backfill runner over a pipeline runner.
    public init(runner: PipelineRunner, progressInterval: TimeInterval = defaultProgressInterval, busyWait: TimeInterval = 1800) {
        self.runner = runner
        self.progressInterval = progressInterval
        self.busyWait = busyWait
    }

    private var state: any StateStore { runner.state }
    private var clock: any WallClock { runner.clock }

    /// True while a live process works on the backfill; false once it finished, or when it is left
    /// queued or running by a process that no longer exists (a crash), which makes it resumable.
    public static func isLive(_ backfill: BackfillRecord) -> Bool {
        backfill.state.isActive && !RunRecovery.isOrphaned(runID: backfill.id, owner: backfill.owner)
    }

    // MARK: Preview and start

    /// What a backfill of `days` would do and cost; when a stopped backfill of the same days exists,
    /// the plan resumes it. Throws `RunError` for a pipeline without partitioned loads, one whose
    /// kept tables were never built (it has not run yet), or one with a backfill still running.
    public func preview(pipeline name: String, days: [String]) async throws -> BackfillPlan {
        let (pipeline, scope) = try backfillable(name)
        let recent = try await state.read { try $0.backfills(pipeline: name, limit: 50) }
        if let active = recent.first(where: { $0.state.isActive }), Self.isLive(active) { throw Self.busy(active) }
        var missing: [String] = []
        for table in scope.keptTables {
            let exists = try await runner.warehouse.freshness(of: table, loadedAt: nil, context: nil).exists
            if !exists { missing.append("`\(table)`") }
        }
        if !missing.isEmpty {
            throw RunError(
                "\(missing.joined(separator: ", ")) \(missing.count == 1 ? "does" : "do") not exist yet, and a backfill only replaces "
                    + "days: it does not build the tables it keeps. Run the pipeline once with `/sluice run \(name)`, then backfill.")
        }
        let jobs = await JobEstimator(warehouse: runner.warehouse).estimate(pipeline, backfill: true)
        return BackfillPlan(
            pipeline: pipeline, days: days, resuming: Self.resumable(in: recent, days: days), jobs: jobs,
            cost: runner.manifest.cost, simulated: runner.warehouse.dialect == .sqlite)
    }

    /// Queues a backfill of `days` (posting its progress message in `channel`), or re-queues the
    /// stopped backfill of the same days, which keeps its progress message and finished days.
    /// A backfill left active by a dead process for other days is marked failed first. Returns the
    /// queued record and whether it resumed one; execute it with `execute(backfillID:)`.
    public func start(
        pipeline name: String, days: [String], requestedBy: String, channel: String
    ) async throws -> (backfill: BackfillRecord, resumed: Bool) {
        _ = try backfillable(name)
        let now = clock.now
        return try await state.write { writer in
            var recent = try writer.backfills(pipeline: name, limit: 50)
            if let active = recent.first(where: { $0.state.isActive }) {
                if Self.isLive(active) { throw Self.busy(active) }
                if active.days != days {
                    _ = try Self.stop(active, as: .failed, error: Self.interrupted, by: nil, in: writer, at: now)
                    recent = try writer.backfills(pipeline: name, limit: 50)
                }
            }
            if let previous = Self.resumable(in: recent, days: days) {
                return (try Self.requeue(previous, in: writer, at: now), true)
            }
            var backfill = try writer.insertBackfill(
                BackfillRecord(pipeline: name, days: days, requestedBy: requestedBy, channel: channel, createdAt: now))
            backfill.owner = RunRecovery.currentOwner(runID: backfill.id)
            backfill.progressOutboxID = try ProgressEditor.post(
                ProgressMessages.backfill(backfill, step: nil, eta: nil, now: now), channel: channel, in: writer, at: now
            ).messageID
            try writer.updateBackfill(backfill)
            return (backfill, false)
        }
    }

    /// Re-queues a cancelled, failed or crashed backfill from its first unfinished day (the Resume
    /// button). Throws `RunError` when it is unknown, finished, or another backfill of the pipeline runs.
    public func resume(backfillID: Int64) async throws -> BackfillRecord {
        let now = clock.now
        return try await state.write { writer in
            guard let backfill = try writer.backfill(id: backfillID) else {
                throw RunError("there is no backfill \(backfillID); start one with `/sluice backfill PIPELINE FROM TO`")
            }
            if Self.isLive(backfill) { throw Self.busy(backfill) }
            guard backfill.state.isActive || backfill.state.isResumable, !backfill.remainingDays.isEmpty else {
                throw RunError("backfill \(backfillID) of \(backfill.pipeline) already finished; every day was replaced")
            }
            if let other = try writer.backfills(pipeline: backfill.pipeline, limit: 50)
                .first(where: { $0.state.isActive && $0.id != backfillID })
            {
                if Self.isLive(other) { throw Self.busy(other) }
                _ = try Self.stop(other, as: .failed, error: Self.interrupted, by: nil, in: writer, at: now)
            }
            return try Self.requeue(backfill, in: writer, at: now)
        }
    }

    /// Asks a backfill to stop before its next day (the Cancel button). A backfill whose process is
    /// gone is marked cancelled at once (`stoppedNow`); a finished one is returned unchanged.
    public func requestCancel(backfillID: Int64, by user: String) async throws -> (backfill: BackfillRecord, stoppedNow: Bool) {
        let now = clock.now
        return try await state.write { writer in
            guard var backfill = try writer.backfill(id: backfillID) else {
                throw RunError("there is no backfill \(backfillID)")
            }
            guard backfill.state.isActive else { return (backfill, false) }
            guard Self.isLive(backfill) else {
                return (try Self.stop(backfill, as: .cancelled, error: nil, by: user, in: writer, at: now), true)
            }
            backfill.cancelRequestedBy = user
            backfill.updatedAt = now
            try writer.updateBackfill(backfill)
            try Self.edit(backfill, step: nil, eta: nil, in: writer, at: now)
            return (backfill, false)
        }
    }

    // MARK: Execution

    /// Executes a queued backfill day by day until every day is replaced, a day's run fails, Cancel
    /// was pressed, or the calling task is cancelled (Sluice stopping: it is marked failed and
    /// resumable). Returns the record as it ended; a backfill that is not queued is returned as is.
    public func execute(backfillID: Int64) async throws -> BackfillRecord {
        do {
            try await RunRecovery(state: state, manifest: runner.manifest, clock: clock).recover()
        } catch {
            runner.logger.error("could not recover interrupted runs before a backfill", metadata: ["error": "\(error)"])
        }
        let progress = BackfillProgress(state: state, clock: clock, backfillID: backfillID, interval: progressInterval)
        let claimed = try await progress.claim()
        guard claimed.state == .running, let pipeline = runner.manifest.pipeline(named: claimed.pipeline) else { return claimed }
        let scope = BackfillScope(pipeline: pipeline)
        runner.logger.info("backfill started", metadata: ["backfill": "\(backfillID)", "pipeline": "\(claimed.pipeline)"])
        while true {
            guard let current = try await state.read({ try $0.backfill(id: backfillID) }) else {
                throw RunError("backfill \(backfillID) disappeared from the state store")
            }
            guard let day = current.nextDay else { return try await progress.finish(.succeeded, error: nil) }
            if current.cancelRequestedBy != nil { return try await progress.finish(.cancelled, error: nil) }
            if Task.isCancelled {
                return try await progress.finish(.failed, error: "interrupted: Sluice stopped before \(day); resume it to continue")
            }
            _ = try await progress.update(force: false) { $0.currentDay = day }
            let run: RunRecord
            do {
                run = try await runDay(day, of: current, scope: scope, observer: progress)
            } catch {
                let reason = (error as? RunError)?.message ?? "\(error)"
                return try await progress.finish(.failed, error: "\(day) could not run: \(reason)")
            }
            guard run.state == .succeeded else {
                let reason = Task.isCancelled && run.state == .cancelled
                    ? "interrupted: Sluice stopped while replacing \(day) (run \(run.id)); resume it to continue"
                    : "\(day): run \(run.id) \(run.state.rawValue)\(run.error.map { ": \($0)" } ?? "")"
                return try await progress.finish(.failed, error: reason, runID: run.id)
            }
            _ = try await progress.update(force: false) { backfill in
                backfill.completedDays.append(day)
                backfill.runIDs.append(run.id)
                backfill.currentDay = nil
            }
        }
    }

    /// One day: a run whose unaffected steps are kept, executed with the progress observer.
    private func runDay(_ day: String, of backfill: BackfillRecord, scope: BackfillScope, observer: any RunObserver) async throws -> RunRecord {
        let request = RunRequest(
            pipeline: backfill.pipeline, trigger: .backfill, requestedBy: backfill.requestedBy, backfillDays: [day])
        let run = try await enqueueWhenIdle(request)
        let steps = try await state.read { try $0.steps(runID: run.id) }
        let kept: [StepRecord] = steps.compactMap { step in
            guard let detail = scope.keptDetail(stepID: step.stepID, kind: step.kind) else { return nil }
            var kept = step
            kept.state = .succeeded
            kept.detail = detail
            return kept
        }
        try await state.write { writer in
            for step in kept { try writer.updateStep(step) }
        }
        return try await runner.execute(runID: run.id, observer: observer)
    }

    /// Enqueues the day's run, waiting (up to `busyWait`) while another run of the pipeline is active.
    private func enqueueWhenIdle(_ request: RunRequest) async throws -> RunRecord {
        let deadline = clock.now.addingTimeInterval(busyWait)
        while true {
            do {
                return try await runner.enqueue(request)
            } catch let error as StateStoreError {
                guard case let .activeRun(pipeline, runID) = error else { throw error }
                guard clock.now < deadline else {
                    throw RunError("run \(runID) of \(pipeline) was still running after \(Format.duration(busyWait)); resume the backfill once it has finished")
                }
                try await clock.sleep(until: clock.now.addingTimeInterval(5))
            }
        }
    }

    // MARK: Helpers

    /// The pipeline and what a backfill of it touches; throws when there is nothing to backfill.
    private func backfillable(_ name: String) throws -> (Pipeline, BackfillScope) {
        guard let pipeline = runner.manifest.pipeline(named: name) else {
            throw RunError("there is no pipeline named \(name); pipelines: \(runner.manifest.pipelines.map(\.name).joined(separator: ", "))")
        }
        let scope = BackfillScope(pipeline: pipeline)
        guard !scope.isEmpty else {
            throw RunError("\(name) has no load with `partition_by`, so it has no partitions to backfill; `/sluice run \(name)` reloads it")
        }
        return (pipeline, scope)
    }

    /// Why a backfill left active by a dead process is marked failed.
    static let interrupted = "interrupted: Sluice stopped while it ran; resume it to continue from its first unfinished day"

    /// The refusal while another backfill of the pipeline is live.
    static func busy(_ backfill: BackfillRecord) -> RunError {
        RunError(
            "backfill \(backfill.id) of \(backfill.pipeline) is \(backfill.state.rawValue) (\(backfill.completedDays.count)/\(backfill.days.count) days); "
                + "wait for it, or press Cancel on its progress message")
    }

    /// The stopped backfill of exactly these days that a new request continues: the newest one with
    /// these days, when it is failed, cancelled, or left active by a dead process, with days left.
    static func resumable(in recent: [BackfillRecord], days: [String]) -> BackfillRecord? {
        guard let newest = recent.first(where: { $0.days == days }), !newest.remainingDays.isEmpty else { return nil }
        if newest.state.isResumable { return newest }
        return newest.state.isActive && !isLive(newest) ? newest : nil
    }

    /// Queues a stopped backfill again under this process and edits its progress message (posting
    /// one only if it never had one).
    static func requeue(_ stopped: BackfillRecord, in writer: any StateWriter, at now: Date) throws -> BackfillRecord {
        var backfill = stopped
        backfill.state = .queued
        backfill.cancelRequestedBy = nil
        backfill.error = nil
        backfill.currentDay = nil
        backfill.finishedAt = nil
        backfill.owner = RunRecovery.currentOwner(runID: backfill.id)
        backfill.updatedAt = now
        if backfill.progressOutboxID == nil {
            backfill.progressOutboxID = try ProgressEditor.post(
                ProgressMessages.backfill(backfill, step: nil, eta: nil, now: now), channel: backfill.channel, in: writer, at: now
            ).messageID
            try writer.updateBackfill(backfill)
        } else {
            try writer.updateBackfill(backfill)
            try edit(backfill, step: nil, eta: nil, in: writer, at: now)
        }
        return backfill
    }

    /// Ends a backfill whose process is gone and edits its progress message with the outcome.
    static func stop(
        _ active: BackfillRecord, as state: BackfillState, error: String?, by user: String?, in writer: any StateWriter, at now: Date
    ) throws -> BackfillRecord {
        var backfill = active
        backfill.state = state
        backfill.error = error
        backfill.currentDay = nil
        backfill.cancelRequestedBy = user ?? backfill.cancelRequestedBy
        backfill.finishedAt = now
        backfill.updatedAt = now
        try writer.updateBackfill(backfill)
        try edit(backfill, step: nil, eta: nil, in: writer, at: now)
        return backfill
    }

    /// Enqueues an edit of the progress message to show `backfill` as it is, unthrottled.
    static func edit(_ backfill: BackfillRecord, step: StepProgress?, eta: TimeInterval?, in writer: any StateWriter, at now: Date) throws {
        try editor(of: backfill)?.enqueueEdit(
            ProgressMessages.backfill(backfill, step: backfill.state == .running ? step : nil, eta: eta, now: now), in: writer, at: now)
    }

    /// The editor of a backfill's progress message, when it has one.
    static func editor(of backfill: BackfillRecord, interval: TimeInterval = ProgressEditor.defaultInterval) -> ProgressEditor? {
        backfill.progressOutboxID.map { ProgressEditor(channel: backfill.channel, messageID: $0, interval: interval) }
    }
}
