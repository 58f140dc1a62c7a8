import Foundation
import Testing
@testable import SluiceCore

@Suite("Run plan and step scheduler")
struct RunPlanTests {
    static func table(_ name: String) -> TableName { TableName(name)! }

    static let pipeline = Pipeline(
        name: "shop", schedule: nil, channel: nil, owners: [], maxParallelism: 2,
        sources: [Source(name: "orders", kind: .csv(path: "o.csv")), Source(name: "items", kind: .csv(path: "i.csv"))],
        loads: [
            Load(source: "orders", table: table("raw.orders"), write: .append),
            Load(source: "items", table: table("raw.items"), write: .append),
        ],
        models: [
            // Listed before its dependency on purpose: the plan must reorder.
            Model(name: table("mart.sales"), sqlPath: "s.sql", sql: "", materialized: .table,
                  dependencies: [table("staging.orders"), table("raw.items")]),
            Model(name: table("staging.orders"), sqlPath: "o.sql", sql: "", materialized: .table,
                  dependencies: [table("raw.orders")]),
        ],
        checks: [
            Check(name: "not_null_orders_id", kind: .notNull(table("staging.orders"), column: "id"), severity: .error),
            Check(name: "neg", kind: .sql(query: "select * from mart.sales where x < 0"), severity: .warn),
            Check(name: "rel", kind: .relationships(table("raw.items"), column: "order_id", to: table("staging.orders"), field: "id"), severity: .error),
        ])

    @Test func stepsAreTopologicallyOrderedWithDependencies() {
        let steps = RunPlan.steps(for: Self.pipeline)
        #expect(steps.map(\.id) == [
            "load:raw.orders", "load:raw.items", "model:staging.orders", "model:mart.sales",
            "check:not_null_orders_id", "check:neg", "check:rel",
        ])
        let byID = Dictionary(uniqueKeysWithValues: steps.map { ($0.id, $0) })
        #expect(byID["model:mart.sales"]?.dependsOn == ["model:staging.orders", "load:raw.items"])
        #expect(byID["model:staging.orders"]?.dependsOn == ["load:raw.orders"])
        #expect(byID["check:not_null_orders_id"]?.dependsOn == ["model:staging.orders"])
        #expect(byID["check:neg"]?.dependsOn == ["model:mart.sales"])
        #expect(byID["check:rel"]?.dependsOn == ["load:raw.items", "model:staging.orders"])
    }

    @Test func schedulerRespectsDependenciesAndTheParallelismBound() {
        var scheduler = StepScheduler(steps: RunPlan.steps(for: Self.pipeline), maxParallel: 2)
        #expect(scheduler.startReady() == ["load:raw.orders", "load:raw.items"])
        #expect(scheduler.startReady().isEmpty)
        #expect(scheduler.finish("load:raw.items", as: .succeeded).isEmpty)
        // raw.items alone unlocks nothing: every model also needs raw.orders.
        #expect(scheduler.startReady().isEmpty)
        _ = scheduler.finish("load:raw.orders", as: .succeeded)
        #expect(scheduler.startReady() == ["model:staging.orders"])
        _ = scheduler.finish("model:staging.orders", as: .succeeded)
        #expect(scheduler.startReady() == ["model:mart.sales", "check:not_null_orders_id"])
        #expect(scheduler.running.count == 2)
        #expect(scheduler.startReady().isEmpty)
    }

    @Test func aFailureSkipsEverythingDownstreamOnly() {
        var scheduler = StepScheduler(steps: RunPlan.steps(for: Self.pipeline), maxParallel: 4)
        _ = scheduler.startReady()
        _ = scheduler.finish("load:raw.items", as: .succeeded)
        let skipped = scheduler.finish("load:raw.orders", as: .failed)
        #expect(Set(skipped) == ["model:staging.orders", "model:mart.sales", "check:not_null_orders_id", "check:neg", "check:rel"])
        #expect(scheduler.isFinished)
        #expect(scheduler.states["load:raw.items"] == .succeeded)
    }

    @Test func rerunSelectsFailedStepsAndTheirDownstream() {
        let steps = RunPlan.steps(for: Self.pipeline)
        var records = steps.map { StepRecord(runID: 1, stepID: $0.id, kind: $0.kind, dependsOn: $0.dependsOn, state: .succeeded) }
        records[2].state = .failed   // model:staging.orders
        records[3].state = .skipped
        let rerun = RunPlan.stepsToRerun(previous: records, all: false)
        #expect(rerun == ["model:staging.orders", "model:mart.sales", "check:not_null_orders_id", "check:neg", "check:rel"])
        #expect(RunPlan.stepsToRerun(previous: records, all: true).count == steps.count)

        var scheduler = StepScheduler(
            steps: steps, maxParallel: 4, alreadySucceeded: Set(steps.map(\.id)).subtracting(rerun))
        #expect(scheduler.startReady() == ["model:staging.orders"])
    }

    @Test func cancellingMarksQueuedStepsCancelled() {
        var scheduler = StepScheduler(steps: RunPlan.steps(for: Self.pipeline), maxParallel: 1)
        #expect(scheduler.startReady() == ["load:raw.orders"])
        #expect(scheduler.cancelQueued().count == 6)
        _ = scheduler.finish("load:raw.orders", as: .succeeded)
        #expect(scheduler.startReady().isEmpty)
        #expect(scheduler.isFinished)
    }
}
