import Conversation
import Foundation
import SluiceCore
import StateStore
import Testing
import Warehouse
import Worker

/// What a backfill replaces and rebuilds, its cost preview, and the progress bars, day ranges and ETAs
/// of progress messages.
@Suite("Backfill scope, plan and progress messages")
struct BackfillMessageTests {
    @Test func theDemoShopsBackfillReplacesOrdersAndRebuildsWhatDependsOnThem() throws {
        let pipeline = try Self.demoPipeline()
        let scope = BackfillScope(pipeline: pipeline)
        #expect(scope.replacedLoads.map(\.table.description) == ["raw.orders"])
        #expect(scope.skippedLoads.map(\.table.description) == ["raw.customers", "raw.products", "raw.order_items"])
        #expect(scope.rebuiltModels.map(\.name.description) == [
            "staging.stg_orders", "mart.daily_sales", "mart.sales_by_category", "mart.orders_by_state", "mart.avg_delivery_time",
        ])
        #expect(scope.checks.count == 9)
        #expect(scope.keptTables.map(\.description) == [
            "raw.customers", "raw.products", "raw.order_items", "staging.stg_customers", "staging.stg_products", "staging.stg_order_items",
        ])
        #expect(!scope.checks.contains { $0.table?.description == "staging.stg_customers" })
        #expect(scope.keptDetail(stepID: "load:raw.orders", kind: .load) == nil)
        #expect(scope.keptDetail(stepID: "load:raw.products", kind: .load)?.contains("not partitioned") == true)

        // A day's billed jobs: the five rebuilt models and the checks that query; partition loads are free.
        let planned = PlannedJobs.of(pipeline, dialect: .bigquery, backfill: true)
        #expect(planned.filter { $0.kind == .model }.map(\.name) == scope.rebuiltModels.map(\.name.description))
        #expect(planned.filter { $0.kind == .merge }.isEmpty, "a backfill loads partitions, it does not merge")
        let checks = planned.filter { $0.kind == .check }
        #expect(checks.count == 9 && checks.allSatisfy { job in scope.checks.contains { $0.name == job.name } })
        #expect(checks.first?.query == .newestValue(of: try #require(TableName("raw.orders")), column: "updated_at"))

        let gib: Int64 = 1 << 30
        let mib: Int64 = 1 << 20
        let jobs = planned.map { job in
            JobEstimate(job, bytesProcessed: job.kind == .model ? gib : 0, problem: nil)
        }
        let perDay = 5 * gib + JobEstimate.totalBytes(jobs.filter { $0.kind == .check })
        let plan = BackfillPlan(
            pipeline: pipeline, days: try #require(Days.range(from: "2026-03-01", to: "2026-03-10")), resuming: nil,
            jobs: jobs, cost: CostConfig(pricePerTiB: 6.25, dailyBudget: 5), simulated: true)
        #expect(plan.bytesPerDay(of: .model) == 5 * gib)
        #expect(plan.bytesPerDay(of: .check) == (10 + 10 + 5 * 10 + 2 * 20) * mib, "10 MiB per query and per table read")
        #expect(plan.estimatedBytes == perDay * 10)
        #expect(abs(plan.estimatedDollars - CostModel.dollars(bytes: perDay * 10, pricePerTiB: 6.25)) < 1e-9)
        #expect(abs((plan.budgetShare ?? 0) - plan.estimatedDollars / 5) < 1e-12)
        #expect(plan.estimateError == nil)
        let text = try Self.json(BackfillMessages.preview(plan))
        #expect(text.contains("\(Format.bytes(perDay * 10)) billed ≈ \(Format.dollars(plan.estimatedDollars)) · 6% of the $5.00 daily budget"))
        #expect(text.contains("`mart.daily_sales` (1 GiB/day)"))
        #expect(text.contains("*Checks run each day:* 9 (9 querying, 110 MiB/day)"))

        var unknown = jobs
        unknown[0].bytesProcessed = nil
        unknown[0].problem = "no access"
        let guessed = BackfillPlan(
            pipeline: pipeline, days: ["2026-03-01"], resuming: nil, jobs: unknown, cost: CostConfig(), simulated: false)
        #expect(guessed.estimateError == "1 of \(jobs.count) jobs could not be estimated and count at BigQuery's minimum: `staging.stg_orders`: no access")
        #expect(try Self.json(BackfillMessages.preview(guessed)).contains(":warning: 1 of"))
    }

    @Test func progressBarsDayRangesAndETAs() throws {
        #expect(ProgressMessages.bar(done: 0, total: 10) == "░░░░░░░░░░")
        #expect(ProgressMessages.bar(done: 4, total: 10) == "▓▓▓▓░░░░░░")
        #expect(ProgressMessages.bar(done: 10, total: 10) == "▓▓▓▓▓▓▓▓▓▓")
        #expect(ProgressMessages.bar(done: 1, total: 30) == "▓░░░░░░░░░")
        #expect(ProgressMessages.bar(done: 29, total: 30) == "▓▓▓▓▓▓▓▓▓░")
        #expect(ProgressMessages.eta(elapsed: 60, done: 2, total: 10) == 240)
        #expect(ProgressMessages.eta(elapsed: 60, done: 0, total: 10) == nil)
        #expect(BackfillMessages.dayRanges(["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-05"]) == "2026-02-27 → 2026-03-01, 2026-03-05")

        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let backfill = BackfillRecord(
            id: 7, pipeline: "shop", days: ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"],
            completedDays: ["2026-03-01"], currentDay: "2026-03-02", state: .running, requestedBy: "U1",
            channel: "C1", createdAt: start, startedAt: start)
        let message = ProgressMessages.backfill(
            backfill, step: StepProgress(finished: 3, total: 12, running: ["model:mart.daily_sales"]), eta: 150,
            now: start.addingTimeInterval(50))
        let text = try Self.json(message)
        #expect(message.text == "Backfill 7 of shop: running, 1/4 days")
        #expect(text.contains("`▓▓▓░░░░░░░` 1/4 days"))
        #expect(text.contains("Now: 2026-03-02 · `model:mart.daily_sales` (3/12 steps)"))
        #expect(text.contains("Elapsed 50.0s · ETA 2m 30s"))
        #expect(text.contains(BackfillMessages.Action.cancel))
    }

    /// A message as Slack receives it (JSON text).
    static func json(_ message: SlackMessage) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(message), as: UTF8.self)
    }

    static func demoPipeline() throws -> Pipeline {
        let workspace = try Workspace()
        try FileManager.default.copyItem(atPath: Workspace.repositoryRoot + "/manifest", toPath: workspace.path("manifest"))
        let manifest = try workspace.manifest(try String(contentsOfFile: workspace.path("manifest/sluice.yml"), encoding: .utf8))
        return try #require(manifest.pipeline(named: "shop"))
    }
}
