import Conversation
import Foundation
import SluiceCore
import StateStore
import Testing
import Warehouse

/// `/sluice cost` and `--estimate`: replies over signed HTTP on the demo pipeline, and the reports
/// from planted step records.
@Suite("Questions from Slack: cost")
struct AskCostTests: AskSuite {
    static let mib: Int64 = 1 << 20

    @Test func costRepliesAddUpTheRecordedBytesBilledAndProjectTheMonth() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try AskHarness(slack: slack)
            let workTask = Task { await harness.work.run() }
            defer { workTask.cancel() }
            let run = try await harness.runShop()
            let now = harness.clock.now

            // Known bytes billed: the real run, an older scheduled run (only in 30d), a backfill (not averaged).
            let first = try await plantBytes(harness, runID: run.id) { step, index in
                step.kind == .model ? Int64(index + 1) * 10 * Self.gib : (step.kind == .check ? Self.gib : 0)
            }
            let older = try await plantRun(harness, trigger: .schedule, at: now.addingTimeInterval(-10 * 86_400)) { step, _ in
                step.kind == .model ? 5 * Self.gib : 0
            }
            let backfill = try await plantRun(harness, trigger: .backfill, at: now.addingTimeInterval(-3600)) { step, _ in
                step.kind == .model ? 100 * Self.gib : 0
            }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = harness.manifest.timeZone
            let days = Double(try #require(calendar.range(of: .day, in: .month, for: now)?.count))
            func dollars(_ bytes: Int64) -> Double { CostModel.dollars(bytes: bytes, pricePerTiB: 6.25) }
            func total(_ steps: [StepRecord]) -> Int64 { steps.map(\.bytesBilled).reduce(0, +) }

            // Default window (7 days), every pipeline: the real run and the backfill.
            var reply = try await harness.ask("cost", slack: slack)
            #expect(reply.error == nil)
            #expect(reply.responseType == "ephemeral")
            var billed = total(first) + total(backfill)
            #expect(reply.content.contains("*\(Format.dollars(dollars(billed)))* billed · \(Format.bytes(billed)) in 2 runs since"))
            var projection = 12 * dollars(total(first)) * days
            #expect(reply.content.contains("≈ *\(Format.dollars(projection))*"), "\(reply.content)")
            let models = (first + backfill).filter { $0.kind == .model }.map(\.bytesBilled).reduce(0, +)
            #expect(reply.content.contains("models \(Format.bytes(models)) · \(Format.dollars(dollars(models)))"))
            let priciest = try #require(first.filter { $0.kind == .model }.max { $0.bytesBilled < $1.bytesBilled })
            #expect(reply.content.contains("1. `\(priciest.stepID.dropFirst("model:".count))` (`shop`)"))
            #expect(reply.content.contains("SQLite warehouse: actual bytes billed are 0"))
            #expect(reply.content.contains("If it ran on BigQuery (estimated)"))

            // 30 days of one pipeline: all three runs; the average leaves the backfill out.
            reply = try await harness.ask("cost shop 30d", slack: slack)
            #expect(reply.error == nil)
            #expect(reply.blocks.first == .header("Cost · shop · last 30 days"))
            billed = total(first) + total(older) + total(backfill)
            #expect(reply.content.contains("*\(Format.dollars(dollars(billed)))* billed · \(Format.bytes(billed)) in 3 runs since"))
            let average = (total(first) + total(older)) / 2
            projection = 12 * dollars(average) * days
            #expect(reply.content.contains("≈ *\(Format.dollars(projection))*"))
            #expect(reply.content.contains("12 runs/day × \(Format.bytes(average))/run (average of 2)"))
            #expect(reply.content.contains("Daily budget $5.00"))
        }
    }

    @Test func costEstimateListsEveryBilledJobAndSaysItIsAnEstimateOnSQLite() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try AskHarness(slack: slack)
            let workTask = Task { await harness.work.run() }
            defer { workTask.cancel() }
            try await harness.runShop()
            let shop = try #require(harness.manifest.pipeline(named: "shop"))

            // What each billed job would process, asked of the warehouse one by one.
            let jobs = PlannedJobs.of(shop, dialect: .sqlite)
            #expect(jobs.filter { $0.kind == .model }.count == 8 && jobs.filter { $0.kind == .check }.count == 12)
            #expect(jobs.filter { $0.kind == .merge }.map(\.name) == ["raw.orders"])
            var expected: Int64 = 0
            var perJob: [String: Int64] = [:]
            for job in jobs {
                let processed = try await harness.warehouse.estimateBytes(of: job.query)
                let billed = CostModel.billedEstimate(bytesProcessed: processed, referencedTables: job.query.referencedTables)
                perJob[job.name] = billed
                expected += billed
            }
            #expect(expected > 21 * CostModel.minimumBytesPerTable)

            let reply = try await harness.ask("cost shop --estimate", slack: slack)
            #expect(reply.error == nil)
            #expect(reply.responseType == "ephemeral")
            let dollars = CostModel.dollars(bytes: expected, pricePerTiB: 6.25)
            #expect(reply.content.contains(
                "≈ *\(Format.bytes(expected))* billed · *\(Format.dollars(dollars))* for the 21 jobs of the next run of `shop` (8 models, 1 merge, 12 checks)"),
                "\(reply.content)")
            for (name, billed) in perJob {
                let line = try #require(reply.lines.first { $0.hasPrefix("`\(name)` ·") })
                #expect(line.contains(Format.bytes(billed) + " billed"), "\(line)")
            }
            #expect(reply.lines.contains { $0.hasPrefix("`raw.orders` · merge · reads 2 tables") })
            #expect(reply.lines.contains { $0.hasPrefix("`negative_totals` · check · reads 1 table") })
            let cap = try #require(harness.manifest.cost.maximumBytesBilled)
            #expect(reply.content.contains("Every job fits under the \(Format.bytes(cap)) cap per job"))
            #expect(reply.content.contains("Daily budget $5.00: this run uses"))
            #expect(reply.content.contains("12 runs/day ≈ \(Format.dollars(12 * dollars))/day"))
            #expect(reply.content.contains("SQLite warehouse: these are estimates from the referenced tables' sizes at BigQuery's price"))
            #expect(reply.content.contains("at least 10 MiB per table a query reads, and per query"))
            #expect(reply.text.contains("estimated from table sizes; SQLite bills nothing"))
        }
    }

    @Test func costReportAddsUpBytesPerPipelineKindAndModelAndProjectsTheMonth() throws {
        let manifest = try Self.plantedManifest()
        let now = try #require(ISO8601DateFormatter().date(from: "2026-03-15T12:00:00Z"))
        func run(_ id: Int64, _ pipeline: String, _ trigger: RunTrigger, hoursAgo: Double, _ steps: [(String, StepKind, Int64)]) -> (run: RunRecord, steps: [StepRecord]) {
            let record = RunRecord(
                id: id, pipeline: pipeline, state: .succeeded, trigger: trigger, requestedBy: "t",
                createdAt: now.addingTimeInterval(-hoursAgo * 3600))
            return (record, steps.map { StepRecord(runID: id, stepID: $0.0, kind: $0.1, dependsOn: [], state: .succeeded, bytesBilled: $0.2 * Self.gib) })
        }
        let runs = [
            run(1, "p", .manual, hoursAgo: 1, [("load:raw.a", .load, 0), ("model:mart.b", .model, 30), ("model:mart.z", .model, 10), ("check:fresh_a", .check, 1)]),
            run(2, "p", .schedule, hoursAgo: 72, [("model:mart.b", .model, 10), ("model:mart.z", .model, 10)]),
            run(3, "p", .backfill, hoursAgo: 2, [("model:mart.b", .model, 100)]),
            run(4, "p", .schedule, hoursAgo: 8 * 24, [("model:mart.b", .model, 1000)]),
            run(5, "q", .manual, hoursAgo: 24, [("model:x.y", .model, 1)]),
        ]
        let report = CostReport(
            window: .last7d, now: now, timeZone: Self.london, pipelines: manifest.pipelines, runs: runs,
            pricePerTiB: 6.25, dailyBudget: 5)
        func dollars(_ gib: Double) -> Double { gib / 1024 * 6.25 }
        #expect(report.since == ISO8601DateFormatter().date(from: "2026-03-09T00:00:00Z"))
        #expect(report.runs == 4)
        #expect(report.bytesBilled == 162 * Self.gib)
        #expect(report.dollars == CostModel.dollars(bytes: 162 * Self.gib, pricePerTiB: 6.25))
        #expect(report.kinds.map(\.kind) == [.load, .model, .check])
        #expect(report.kinds.map(\.bytesBilled) == [0, 161 * Self.gib, Self.gib])
        #expect(report.kinds.map(\.steps) == [1, 6, 1])
        #expect(report.topModels.map(\.model) == ["mart.b", "mart.z", "x.y"])
        #expect(report.topModels.map(\.bytesBilled) == [140 * Self.gib, 20 * Self.gib, Self.gib])
        #expect(report.topModels.first?.builds == 3)
        #expect(report.month == "2026-03")
        #expect(report.daysInMonth == 31)

        let p = try #require(report.pipelines.first)
        #expect(p.runs == 3)
        #expect(p.bytesBilled == 161 * Self.gib)
        #expect(p.averagedRuns == 2)
        #expect(p.averageBytesPerRun == Double(61 * Self.gib) / 2)
        #expect(p.runsPerDay == 12)
        let daily = 12 * CostModel.dollars(bytes: 61 * Self.gib, pricePerTiB: 6.25) / 2
        #expect(abs((p.projectedDailyDollars ?? 0) - daily) < 1e-9)
        #expect(abs((p.projectedMonthDollars ?? 0) - daily * 31) < 1e-9)
        let q = try #require(report.pipelines.last)
        #expect(q.runsPerDay == 0)
        #expect(q.projectedMonthDollars == 0)
        #expect(abs(report.projectedMonthDollars - daily * 31) < 1e-9)
        #expect(abs(report.averageDailyDollars - dollars(162) / 7) < 1e-9)

        // Windows start at local midnight; schedules give runs per day.
        let summer = try #require(ISO8601DateFormatter().date(from: "2026-07-01T10:00:00Z"))
        #expect(CostReport.windowStart(.today, now: summer, timeZone: Self.london) == ISO8601DateFormatter().date(from: "2026-06-30T23:00:00Z"))
        #expect(CostReport.windowStart(.last30d, now: summer, timeZone: Self.utc) == ISO8601DateFormatter().date(from: "2026-06-02T00:00:00Z"))
        #expect(CostReport.runsPerDay(try CronSchedule(parsing: "*/15 * * * *"), after: summer, timeZone: Self.london) == 96)
        #expect(CostReport.runsPerDay(nil, after: summer, timeZone: Self.london) == 0)

        let message = CostMessages.cost(report, scope: nil, estimates: [], onSQLite: false, timeZone: Self.london)
        #expect(try blockKitProblems(message).isEmpty)
        let content = AskReply.text(of: message.blocks)
        #expect(content.contains("*\(Format.dollars(report.dollars))* billed · 162 GiB in 4 runs since 2026-03-09 00:00 Europe/London"))
        #expect(content.contains("`q` · 1 run · 1 GiB"))
        #expect(content.contains("no schedule (on demand only), not projected"))
        #expect(!content.contains("SQLite"))
    }

    @Test func costEstimateReportAppliesTheFloorTheCapAndTheBudget() throws {
        let estimates = [
            JobEstimate(kind: .model, name: "m.a", stepID: "model:m.a", referencedTables: 2, bytesProcessed: Self.mib),
            JobEstimate(kind: .model, name: "m.b", stepID: "model:m.b", referencedTables: 1, bytesProcessed: 60 * Self.gib),
            JobEstimate(kind: .model, name: "m.c", stepID: "model:m.c", referencedTables: 1, bytesProcessed: nil, problem: "no access"),
            JobEstimate(kind: .merge, name: "raw.o", stepID: "load:raw.o", referencedTables: 2, bytesProcessed: 30 * Self.mib),
            JobEstimate(kind: .check, name: "volume_o", stepID: "check:volume_o", referencedTables: 1, bytesProcessed: 0),
        ]
        let report = CostEstimateReport(
            pipeline: "p", jobs: estimates, pricePerTiB: 6.25, maximumBytesBilled: 50 * Self.gib, dailyBudget: 5,
            runsPerDay: 12, fromTableSizes: false)
        #expect(estimates.map(\.bytesBilled) == [20 * Self.mib, 60 * Self.gib, 10 * Self.mib, 30 * Self.mib, 10 * Self.mib])
        #expect(estimates.map(\.raisedToMinimum) == [true, false, false, false, true])
        let total = 70 * Self.mib + 60 * Self.gib
        #expect(report.bytesBilled == total)
        #expect(report.dollars == CostModel.dollars(bytes: total, pricePerTiB: 6.25))
        #expect(report.dailyDollars == 12 * report.dollars)
        #expect(report.overMaximum.map(\.name) == ["m.b"])
        #expect(report.unestimated.map(\.name) == ["m.c"])
        #expect(report.kindCounts.map(\.kind) == [.model, .merge, .check] && report.kindCounts.map(\.count) == [3, 1, 1])
        #expect(report.runShareOfBudget == report.dollars / 5)
        #expect(report.dailyShareOfBudget == 12 * report.dollars / 5)

        let message = CostMessages.estimate(report)
        #expect(try blockKitProblems(message).isEmpty)
        let content = AskReply.text(of: message.blocks)
        #expect(content.contains("for the 5 jobs of the next run of `p` (3 models, 1 merge, 1 check)"))
        #expect(content.contains("(1 could not be estimated and count at BigQuery's minimum)"))
        #expect(content.contains(":no_entry: 1 job would exceed the 50 GiB cap per job (`cost.maximum_bytes_billed`) and be refused: `m.b`"))
        #expect(content.contains("`m.a` · model · reads 2 tables · 1 MiB processed → 20 MiB billed (minimum)"))
        #expect(content.contains(":grey_question: `m.c` · model · could not estimate: no access · counts as 10 MiB"))
        #expect(content.contains("`raw.o` · merge · reads 2 tables · 30 MiB processed · 30 MiB billed"))
        #expect(content.contains("`volume_o` · check · reads 1 table · 0 B processed → 10 MiB billed (minimum)"))
        #expect(content.contains("From BigQuery dry runs"))
    }

    // MARK: - Planting step records

    /// Sets each step's bytes billed of run `runID` (index = position in the run) and returns the steps.
    private func plantBytes(
        _ harness: AskHarness, runID: Int64, _ bytes: @escaping @Sendable (StepRecord, Int) -> Int64
    ) async throws -> [StepRecord] {
        try await harness.state.write { writer in
            var steps = try writer.steps(runID: runID)
            for index in steps.indices {
                steps[index].bytesBilled = bytes(steps[index], index)
                try writer.updateStep(steps[index])
            }
            return steps
        }
    }

    /// Records a finished run of `shop` created at `at`, with every step succeeded and billing `bytes`.
    private func plantRun(
        _ harness: AskHarness, trigger: RunTrigger, at: Date, _ bytes: @escaping @Sendable (StepRecord, Int) -> Int64
    ) async throws -> [StepRecord] {
        let shop = try #require(harness.manifest.pipeline(named: "shop"))
        let planned = RunPlan.steps(for: shop).map { StepRecord(runID: 0, stepID: $0.id, kind: $0.kind, dependsOn: $0.dependsOn) }
        return try await harness.state.write { writer in
            var run = try writer.insertRun(
                pipeline: "shop", trigger: trigger, requestedBy: "scheduler", rerunOf: nil, backfillDays: nil, steps: planned, at: at)
            run.state = .succeeded
            run.startedAt = at
            run.finishedAt = at.addingTimeInterval(60)
            try writer.updateRun(run)
            var steps = try writer.steps(runID: run.id)
            for index in steps.indices {
                steps[index].state = .succeeded
                steps[index].startedAt = at
                steps[index].finishedAt = at.addingTimeInterval(60)
                steps[index].bytesBilled = bytes(steps[index], index)
                try writer.updateStep(steps[index])
            }
            return steps
        }
    }
}
