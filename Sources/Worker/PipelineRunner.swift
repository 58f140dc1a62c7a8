import Foundation
import Logging
import Metrics
import SluiceCore
import StateStore
import Warehouse

/// Runs pipelines: creates the run and its steps, executes the DAG with bounded parallelism,
/// persists every state change, records alerts, and enqueues the run-result message (with the step
/// details in its thread) in the same transaction that finishes the run.
public struct PipelineRunner: Sendable {
    /// The validated manifest.
    public let manifest: Manifest
    /// Durable state.
    public let state: any StateStore
    /// Where the data lives.
    public let warehouse: any Warehouse
    /// Time source.
    public let clock: any WallClock
    /// Logger.
    public let logger: Logger

    /// Creates a runner.
    public init(manifest: Manifest, state: any StateStore, warehouse: any Warehouse, clock: any WallClock, logger: Logger) {
        self.manifest = manifest
        self.state = state
        self.warehouse = warehouse
        self.clock = clock
        self.logger = logger
    }

    /// One run request per pipeline at a time between "already running?" and the run's creation.
    private let startGate = RunStartGate()

    /// Creates a queued run for the request. Throws `RunError` for an unknown pipeline or run, for a
    /// full refresh of some backfill days, and for a rerun (without `rerunAll`) that would run no
    /// step; `CostRefusal` when its estimate breaks
    /// the manifest's cost limits (unless confirmed), and `StateStoreError.activeRun` when the
    /// pipeline is already running.
    public func enqueue(_ request: RunRequest) async throws -> RunRecord {
        // A plain run's cost check is the pipeline's own: one refusal answers those waiting with it.
        let plain = request.rerunOf == nil && !request.fullRefresh && request.backfillDays == nil && !request.costConfirmed
        return try await startGate.inTurn(for: request.pipeline, sharingRefusal: plain) { try await checkAndCreate(request) }
    }

    /// `enqueue`, in its pipeline's turn.
    private func checkAndCreate(_ request: RunRequest) async throws -> RunRecord {
        if request.fullRefresh, request.backfillDays != nil {
            throw RunError("a full refresh rebuilds every table of \(request.pipeline), so it cannot also be a backfill of some days")
        }
        guard let pipeline = manifest.pipeline(named: request.pipeline) else {
            let names = manifest.pipelines.map(\.name)
            let near = NearestName.suggestions(for: request.pipeline, in: names)
            throw RunError("there is no pipeline named \(request.pipeline); "
                + (near.isEmpty ? "pipelines: \(names.joined(separator: ", "))" : "did you mean \(near.joined(separator: " or "))?"))
        }
        // "Already running" is answered before anything slow (a cost estimate reads every model's
        // tables), so a burst of commands during a run is answered at once; `insertRun` still
        // refuses a second active run if one starts in between.
        if let active = try await state.read({ try $0.activeRun(pipeline: request.pipeline) }) {
            throw StateStoreError.activeRun(pipeline: request.pipeline, runID: active.id)
        }
        let plan = RunPlan.steps(for: pipeline)
        let earlier: (steps: [StepRecord], fullRefresh: Bool)? = if let rerunOf = request.rerunOf {
            try await state.read { reader in
                guard let earlier = try reader.run(id: rerunOf), earlier.pipeline == request.pipeline else { return nil }
                return (try reader.steps(runID: rerunOf), earlier.fullRefresh)
            }
        } else {
            nil
        }
        let previous = earlier?.steps
        let fullRefresh = request.fullRefresh || earlier?.fullRefresh == true
        if request.rerunOf != nil, previous == nil {
            throw RunError("run \(request.rerunOf ?? 0) of \(request.pipeline) was not found; `/sluice runs \(request.pipeline)` lists recent runs")
        }
        let rerun = previous.map { RunPlan.stepsToRerun(previous: $0, all: request.rerunAll) }
        let steps = plan.map { step in
            var record = StepRecord(runID: 0, stepID: step.id, kind: step.kind, dependsOn: step.dependsOn)
            if let rerun, !rerun.contains(step.id), previous?.contains(where: { $0.stepID == step.id }) == true {
                record.state = .succeeded
                record.detail = "kept from run \(request.rerunOf ?? 0)"
            }
            return record
        }
        // A rerun of a run with no failed, skipped or cancelled (interrupted) step would run nothing.
        if let rerunOf = request.rerunOf, !request.rerunAll, steps.allSatisfy({ $0.state == .succeeded }) {
            throw RunError(
                "run \(rerunOf) of \(request.pipeline) has nothing to rerun: none of its steps failed, was skipped or was "
                    + "cancelled, so no run was started. To run every step again, rerun it with `--all` (`rerun \(rerunOf) --all`)")
        }
        if !request.costConfirmed, request.backfillDays == nil,
           manifest.cost.maximumBytesBilled != nil || manifest.cost.dailyBudget != nil {
            try await CostGuard(manifest: manifest, warehouse: warehouse, state: state, clock: clock).check(pipeline)
        }
        let now = clock.now
        return try await state.write { writer in
            var run = try writer.insertRun(
                pipeline: request.pipeline, trigger: request.trigger, requestedBy: request.requestedBy,
                rerunOf: request.rerunOf, backfillDays: request.backfillDays, steps: steps, at: now)
            if fullRefresh {
                run.fullRefresh = true
                try writer.updateRun(run)
                // A new full refresh starts from nothing; a rerun of one keeps what its kept loads recorded.
                if request.rerunOf == nil { try writer.forgetIncrementalState(pipeline: request.pipeline) }
            }
            try writer.setSetting(RunRecovery.ownerKey(pipeline: run.pipeline), value: RunRecovery.currentOwner(runID: run.id))
            return run
        }
    }

    /// Creates and executes a run; returns the finished run.
    public func run(_ request: RunRequest, observer: (any RunObserver)? = nil) async throws -> RunRecord {
        let run = try await enqueue(request)
        return try await execute(runID: run.id, observer: observer)
    }

    /// Executes a queued run to the end. Cancellation of the calling task cancels the run between
    /// steps (running steps finish; queued ones become cancelled).
    public func execute(runID: Int64, observer: (any RunObserver)? = nil) async throws -> RunRecord {
        let (loaded, steps) = try await state.read { reader in
            (try reader.run(id: runID), try reader.steps(runID: runID))
        }
        guard var run = loaded, let pipeline = manifest.pipeline(named: run.pipeline) else {
            throw RunError("run \(runID) was not found")
        }
        // A warehouse that cannot be reached or set up fails the run at once, with one message
        // naming what to fix; no step is attempted.
        var notReady: String?
        do {
            try await warehouse.prepare(datasets: Set(manifest.tables.map(\.dataset)))
        } catch {
            notReady = Task.isCancelled ? "cancelled before it started" : manifest.redact("the warehouse is not ready: \(error)")
        }
        run.state = .running
        run.startedAt = clock.now
        let started = run
        try await persistState { try $0.updateRun(started) }
        logger.info("run started", metadata: ["pipeline": "\(run.pipeline)", "run": "\(run.id)"])

        let runner = StepRunner(
            manifest: manifest, pipeline: pipeline, state: state, warehouse: warehouse, clock: clock,
            runID: run.id, backfillDays: run.backfillDays, fullRefresh: run.fullRefresh)
        var records = Dictionary(steps.map { ($0.stepID, $0) }, uniquingKeysWith: { first, _ in first })
        let planned = steps.map { PlannedStep(id: $0.stepID, kind: $0.kind, dependsOn: $0.dependsOn) }
        var scheduler = StepScheduler(
            steps: planned, maxParallel: pipeline.maxParallelism,
            alreadySucceeded: Set(steps.filter { $0.state == .succeeded }.map(\.stepID)))
        if notReady != nil {
            await persistFinished(scheduler.cancelQueued(), as: .cancelled, detail: "not run: the warehouse is not ready", in: &records)
        }

        await withTaskGroup(of: (String, StepResult).self) { group in
            var stop = false
            while true {
                if !stop, Task.isCancelled {
                    stop = true
                    await persistFinished(scheduler.cancelQueued(), as: .cancelled, detail: "run cancelled", in: &records)
                }
                if !stop {
                    for id in scheduler.startReady() {
                        guard var record = records[id] else { continue }
                        record.state = .running
                        record.startedAt = clock.now
                        records[id] = record
                        await save([record])
                        group.addTask { (id, await runner.execute(id)) }
                    }
                }
                guard let (id, result) = await group.next() else { break }
                await persist(result, of: id, pipeline: pipeline.name, in: &records)
                let skipped = scheduler.finish(id, as: result.state)
                await persistFinished(skipped, as: .skipped, detail: "skipped: \(id) did not succeed", in: &records)
                await observer?.progressed(started, steps: steps.compactMap { records[$0.stepID] })
            }
        }

        let finalSteps = steps.compactMap { records[$0.stepID] }
        run.finishedAt = clock.now
        run.state = Task.isCancelled ? .cancelled : (notReady == nil && finalSteps.allSatisfy { $0.state == .succeeded } ? .succeeded : .failed)
        run.error = notReady ?? finalSteps.first { $0.state == .failed }.map { "\($0.stepID): \($0.error ?? "failed")" }
        let finished = run
        let channel = manifest.channel(for: pipeline.name)
        // A backfill's days report through its one progress message; only a failed day is posted.
        let quiet = finished.trigger == .backfill && finished.state == .succeeded
        try await persistState { writer in
            try writer.updateRun(finished)
            guard !quiet else { return }
            let result = RunMessages.result(finished, steps: finalSteps, owners: manifest.owners(for: pipeline.name))
            let parent = try writer.enqueue(channel: channel, action: .post(threadOf: nil), message: result, at: finished.finishedAt ?? Date())
            for part in MessageFitting.split(RunMessages.details(finalSteps)) {
                _ = try writer.enqueue(channel: channel, action: .post(threadOf: parent), message: part, at: finished.finishedAt ?? Date())
            }
        }
        await observer?.finished(finished, steps: finalSteps)
        Counter(label: "sluice_runs_total", dimensions: [("pipeline", run.pipeline), ("state", run.state.rawValue)]).increment()
        logger.info("run finished", metadata: ["pipeline": "\(run.pipeline)", "run": "\(run.id)", "state": "\(run.state.rawValue)"])
        return run
    }

    private func persist(_ result: StepResult, of id: String, pipeline: String, in records: inout [String: StepRecord]) async {
        guard var record = records[id] else { return }
        record.state = result.state
        record.finishedAt = clock.now
        record.rows = result.rows
        record.bytesProcessed = result.stats.bytesProcessed
        record.bytesBilled = result.stats.bytesBilled
        record.detail = result.detail
        record.error = result.error
        record.checkStatus = result.checkStatus
        records[id] = record
        let snapshot = record
        let recorder = AlertRecorder(manifest: manifest)
        let now = clock.now
        do {
            try await persistState { writer in
                try writer.updateStep(snapshot)
                if let watermark = result.watermark {
                    try writer.setWatermark(pipeline: pipeline, source: watermark.source, value: watermark.value)
                }
                if let counts = result.dailyCounts {
                    try writer.recordDailyCounts(table: counts.table, counts: counts.counts)
                }
                if let read = result.readFiles, !read.files.isEmpty {
                    try writer.recordSourceFiles(read.files, pipeline: pipeline, source: read.source, table: read.table)
                }
                if let observation = result.observation {
                    try recorder.record(observation, in: writer, at: now)
                }
            }
        } catch {
            logger.error("could not persist step", metadata: ["step": "\(id)", "error": "\(error)"])
        }
        Counter(label: "sluice_steps_total", dimensions: [("kind", record.kind.rawValue), ("state", record.state.rawValue)]).increment()
    }

    private func persistFinished(_ ids: [String], as state: StepState, detail: String, in records: inout [String: StepRecord]) async {
        guard !ids.isEmpty else { return }
        var changed: [StepRecord] = []
        for id in ids {
            guard var record = records[id] else { continue }
            record.state = state
            record.detail = detail
            records[id] = record
            changed.append(record)
        }
        await save(changed)
    }

    /// Saves step records; a failure is logged, not thrown, so one bad write does not strand the run
    /// (the run's final state is written separately and does throw).
    private func save(_ steps: [StepRecord]) async {
        do {
            try await persistState { writer in
                for step in steps { try writer.updateStep(step) }
            }
        } catch {
            logger.error("could not save step state", metadata: ["steps": "\(steps.map(\.stepID))", "error": "\(error)"])
        }
    }

    /// Writes run bookkeeping even when the run is being cancelled (a stopping server): the write
    /// runs in its own task, so cancellation stops the run between steps but never loses its record.
    private func persistState(_ body: @escaping @Sendable (any StateWriter) throws -> Void) async throws {
        let state = self.state
        try await Task { try await state.write(body) }.value
    }
}
