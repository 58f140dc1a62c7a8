import Conversation
import Foundation
import SluiceCore
import StateStore
import Testing
import Warehouse

/// Questions asked before any run, and replies for any number of tables, runs or days.
@Suite("Questions from Slack: before any run and at any size")
struct AskReplyBoundaryTests: AskSuite {
    @Test func askingBeforeAnyRunSaysSoInsteadOfFailing() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try AskHarness(slack: slack, orders: 50)
            let workTask = Task { await harness.work.run() }
            defer { workTask.cancel() }

            let freshness = try await harness.ask("freshness raw.orders", slack: slack)
            #expect(freshness.error == nil)
            #expect(freshness.content.contains(":red_circle: `raw.orders` · *does not exist yet*"))
            #expect(freshness.content.contains("not written by Sluice yet"))

            let volume = try await harness.ask("volume raw.orders", slack: slack)
            #expect(volume.content.contains("does not exist yet; load or build it first"))

            let cost = try await harness.ask("cost today", slack: slack)
            #expect(cost.error == nil)
            #expect(cost.content.contains("*Nothing billed*: 0 runs since"))
            #expect(!cost.content.contains("$0.00"))
            #expect(cost.content.contains("no runs in this window") || cost.content.contains("nothing billed"))
        }
    }

    @Test func repliesStayWithinBlockKitLimitsForAnyNumberOfTables() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let observations = (0..<1_000).map { (index: Int) -> FreshnessObservation in
            let table = TableName(dataset: "ds\(index % 40)", table: "table_with_a_long_name_\(index)")
            let rule = index % 2 == 0
                ? FreshnessRule(table: table, pipeline: "pipeline_\(index / 20)", source: .metadata, warnAfter: .hours(3), errorAfter: .hours(6))
                : nil
            return FreshnessObservation(
                table: table, pipeline: "pipeline_\(index / 20)", rule: rule,
                reading: FreshnessReading(exists: true, newest: now.addingTimeInterval(-Double(index) * 600)),
                lastWrite: FreshnessObservation.LastWrite(at: now, runID: Int64(index), kind: .model))
        }
        let freshness = FreshnessMessages.freshness(FreshnessReport(observations: observations, now: now), scope: nil)
        #expect(try blockKitProblems(freshness).isEmpty)
        #expect(freshness.blocks.count <= BlockLimits.messageBlocks)
        let text = AskReply.text(of: freshness.blocks)
        #expect(text.contains("more lines not shown; ask `/sluice freshness PIPELINE`"))
        #expect(text.contains("*\(observations.indices.filter { $0 % 2 == 0 && Double($0) * 600 > 6 * 3600 }.count) stale*"))

        let history = (0..<120).map { offset -> DayCount in
            let noise = Int64(offset * 7919 % 5000)
            return DayCount(day: Days.adding(offset, to: "2026-01-01") ?? "", rows: 1_000_000 + noise)
        }
        let volume = VolumeMessages.volume(VolumeReport(
            table: TableName(dataset: "raw", table: "a"),
            judgement: VolumeJudgement(settings: VolumeSettings(), basis: .column("d", origin: .partition), hasCheck: false),
            history: history, today: "2026-04-30", count: 90), checked: false)
        #expect(try blockKitProblems(volume).isEmpty)
        #expect(AskReply.text(of: volume.blocks).contains("`raw.a` has no volume check, so the default settings apply."))
        #expect(AskReply.text(of: volume.blocks).split(separator: "\n").filter { $0.hasPrefix("`2026-") }.count == 90)

        var pipelines: [Pipeline] = []
        var runs: [(run: RunRecord, steps: [StepRecord])] = []
        for index in 0..<2_000 {
            pipelines.append(Pipeline(name: "pipeline_\(index)", schedule: nil, channel: nil, owners: [], sources: [], loads: [], models: [], checks: []))
            runs.append((
                RunRecord(id: Int64(index), pipeline: "pipeline_\(index)", state: .succeeded, trigger: .manual, requestedBy: "t", createdAt: now),
                [StepRecord(runID: Int64(index), stepID: "model:m.t\(index)", kind: .model, dependsOn: [], bytesBilled: Self.gib)]))
        }
        let report = CostReport(window: .today, now: now, timeZone: Self.utc, pipelines: pipelines, runs: runs, pricePerTiB: 6.25, dailyBudget: nil)
        let cost = CostMessages.cost(report, scope: nil, estimates: [], onSQLite: false, timeZone: Self.utc)
        #expect(try blockKitProblems(cost).isEmpty)
        #expect(AskReply.text(of: cost.blocks).contains("more pipelines not shown"))
        #expect(report.bytesBilled == 2_000 * Self.gib)
    }
}
