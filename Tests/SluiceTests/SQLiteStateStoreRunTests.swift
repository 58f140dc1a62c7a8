import Foundation
import SluiceCore
import StateStore
import Testing

/// Runs and their steps: round trips, one active run per pipeline, interrupted runs, atomic writes.
@Suite("SQLiteStateStore: runs and steps")
struct SQLiteStateStoreRunTests: SQLiteStateStoreSuite {
    @Test func runAndStepsRoundTrip() async throws {
        try await withTemporaryPath { path in
            let store = try SQLiteStateStore(path: path)
            let t0 = self.t0
            let run = try await store.write { w in
                try w.insertRun(
                    pipeline: "shop", trigger: .backfill, requestedBy: "U0123ABCD", rerunOf: 7,
                    backfillDays: ["2024-03-01", "2024-03-02"], steps: self.plannedSteps(), at: t0)
            }
            #expect(run.pipeline == "shop")
            #expect(run.state == .queued)
            #expect(run.trigger == .backfill)
            #expect(run.rerunOf == 7)
            #expect(run.backfillDays == ["2024-03-01", "2024-03-02"])
            #expect(run.createdAt == t0)

            var started = run
            started.state = .running
            started.startedAt = t0.addingTimeInterval(1.5)
            var step = StepRecord(
                runID: run.id, stepID: "load:orders", kind: .load, dependsOn: [], state: .succeeded,
                startedAt: t0.addingTimeInterval(1.5), finishedAt: t0.addingTimeInterval(3.25), rows: 1200,
                bytesProcessed: 4096, bytesBilled: 10_485_760, detail: "2 bad records skipped")
            try await store.write { [started, step] w in
                try w.updateRun(started)
                try w.updateStep(step)
            }

            let (readRun, steps) = try await store.read { r in (try r.run(id: run.id), try r.steps(runID: run.id)) }
            #expect(readRun == started)
            #expect(steps.map(\.stepID) == ["load:orders", "model:staging.stg_orders", "check:not_null_stg_orders_order_id"])
            #expect(steps.allSatisfy { $0.runID == run.id })
            #expect(steps.first == step)
            #expect(steps[1].dependsOn == ["load:orders"])
            #expect(steps[1].state == .queued)

            step.stepID = "load:missing"
            await #expect(throws: StateStoreError.notFound("step load:missing of run \(run.id)")) {
                try await store.write { [step] w in try w.updateStep(step) }
            }
        }
    }

    @Test func atMostOneActiveRunPerPipeline() async throws {
        try await withTemporaryPath { path in
            let store = try SQLiteStateStore(path: path)
            let first = try await insertRun(store, at: t0)
            await #expect(throws: StateStoreError.activeRun(pipeline: "shop", runID: first.id)) {
                _ = try await insertRun(store, at: t0.addingTimeInterval(60))
            }
            let other = try await insertRun(store, pipeline: "billing", at: t0.addingTimeInterval(61))
            #expect(try await store.read { r in try r.activeRun(pipeline: "shop") } == first)

            var finished = first
            finished.state = .succeeded
            finished.finishedAt = t0.addingTimeInterval(120)
            try await store.write { [finished] w in try w.updateRun(finished) }
            #expect(try await store.read { r in try r.activeRun(pipeline: "shop") } == nil)

            let second = try await insertRun(store, at: t0.addingTimeInterval(180))
            #expect(second.id > first.id)

            var reactivated = finished
            reactivated.state = .running
            await #expect(throws: StateStoreError.activeRun(pipeline: "shop", runID: second.id)) {
                try await store.write { [reactivated] w in try w.updateRun(reactivated) }
            }

            let (shopRuns, latestShop, allRuns) = try await store.read { r in
                (try r.runs(pipeline: "shop", limit: 10), try r.runs(pipeline: "shop", limit: 1), try r.runs(pipeline: nil, limit: 10))
            }
            #expect(shopRuns.map(\.id) == [second.id, first.id])
            #expect(latestShop.map(\.id) == [second.id])
            #expect(allRuns.map(\.id) == [second.id, other.id, first.id])
        }
    }

    @Test func interruptRunAfterRestart() async throws {
        try await withTemporaryPath { path in
            let t0 = self.t0
            let runID: Int64
            let finishedID: Int64
            do {
                let store = try SQLiteStateStore(path: path)
                let done = try await insertRun(store, pipeline: "billing", at: t0)
                var finished = done
                finished.state = .succeeded
                try await store.write { [finished] w in try w.updateRun(finished) }
                finishedID = done.id

                let run = try await insertRun(store, at: t0)
                runID = run.id
                var running = run
                running.state = .running
                running.startedAt = t0
                try await store.write { [running] w in
                    try w.updateRun(running)
                    try w.updateStep(
                        StepRecord(
                            runID: running.id, stepID: "load:orders", kind: .load, dependsOn: [], state: .succeeded,
                            startedAt: t0, finishedAt: t0.addingTimeInterval(2)))
                    try w.updateStep(
                        StepRecord(
                            runID: running.id, stepID: "model:staging.stg_orders", kind: .model,
                            dependsOn: ["load:orders"], state: .running, startedAt: t0.addingTimeInterval(2)))
                }
            }

            let reopened = try SQLiteStateStore(path: path)
            let restart = t0.addingTimeInterval(300)
            let interrupted = try await reopened.write { w in
                [try w.interruptRun(id: finishedID, at: restart), try w.interruptRun(id: runID, at: restart)]
            }
            #expect(interrupted[0] == nil)
            let run = try #require(interrupted[1])
            #expect(run.state == .interrupted)
            #expect(run.finishedAt == restart)
            #expect(
                run.error == "interrupted: Sluice stopped while this run was in progress; "
                    + "rerun it with `sluice run shop` or `/sluice rerun \(runID)`")

            let (steps, finishedRun, active) = try await reopened.read { r in
                (try r.steps(runID: runID), try r.run(id: finishedID), try r.activeRun(pipeline: "shop"))
            }
            #expect(steps.map(\.state) == [.succeeded, .failed, .cancelled])
            #expect(steps[1].error == "interrupted")
            #expect(steps[1].finishedAt == restart)
            #expect(steps[2].error == nil)
            #expect(finishedRun?.state == .succeeded)
            #expect(active == nil)
            #expect(try await reopened.write { w in try w.interruptRun(id: runID, at: restart) } == nil)
        }
    }

    @Test func aFailedWriteLeavesNothingBehind() async throws {
        struct Abort: Error {}
        try await withTemporaryPath { path in
            let store = try SQLiteStateStore(path: path)
            let alert = try await store.write { [t0] w in try w.insertAlert(self.sampleAlert(at: t0)) }
            await #expect(throws: Abort.self) {
                try await store.write { [t0] w in
                    _ = try w.enqueue(
                        channel: "#data-alerts", action: .post(threadOf: nil), message: SlackMessage(text: "boom"),
                        at: t0)
                    var acknowledged = alert
                    acknowledged.status = .acknowledged
                    acknowledged.acknowledgedBy = "U0123ABCD"
                    try w.updateAlert(acknowledged)
                    throw Abort()
                }
            }
            let (outbox, stored) = try await store.read { r in (try r.outbox(state: nil, limit: 10), try r.alert(id: alert.id)) }
            #expect(outbox.isEmpty)
            #expect(stored == alert)
        }
    }
}
