import Conversation
import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Warehouse
import Worker

/// Every billed job of a run on (fake) BigQuery is recorded on its step — the checks' queries, the
/// freshness query on `loaded_at` and the `INFORMATION_SCHEMA.PARTITIONS` volume query included —
/// and every cost surface sums them: `/sluice cost` over signed HTTP, the digest, App Home and the
/// cost guard's spend today. The estimate lists the same jobs before the run.
@Suite("Cost accounting of the demo shop on (fake) BigQuery")
struct BigQueryCostAccountingTests {
    static let mib: Int64 = 1_048_576

    /// What the fake is told: every query processes a byte (billed BigQuery's 10 MiB minimum), the
    /// freshness query 15 MiB, the partitions query nothing (metadata: billed the minimum anyway);
    /// raw.orders exists, day-partitioned, storing 40 MiB, its newest updated_at an hour old.
    static func prepare(_ fake: FakeBigQuery, clock: TestClock) {
        fake.respond { _ in FakeAnswer(bytesProcessed: 1) }
        fake.respond(toQueryContaining: "SELECT MAX(`updated_at`)", with: FakeAnswer(
            fields: [FakeField(name: "newest", type: "TIMESTAMP")], rows: [[FakeAnswer.micros(clock.now.addingTimeInterval(-3_600))]],
            bytesProcessed: 15 * mib))
        fake.respond(toQueryContaining: "INFORMATION_SCHEMA.PARTITIONS", with: FakeAnswer(
            fields: [FakeField(name: "partition_id", type: "STRING"), FakeField(name: "total_rows", type: "INT64")]))
        fake.setTable("raw", "orders", fields: [
            FakeField(name: "order_id", type: "INT64"), FakeField(name: "order_date", type: "DATE"), FakeField(name: "updated_at", type: "TIMESTAMP"),
        ], partitionField: "order_date", numRows: 2_000, numBytes: 40 * mib)
    }

    @Test func theEstimateListsMergesAndChecksAndEverySurfaceSumsTheirRecordedBytes() async throws {
        try await FakeSlackWebAPI.run { slack in
            try await FakeBigQuery.run { fake in
                let harness = try AskHarness(slack: slack, bigQuery: fake, orders: 500)
                Self.prepare(fake, clock: harness.clock)
                let workTask = Task { await harness.work.run() }
                defer { workTask.cancel() }

                // Before the run: the estimate dry-runs models and checks, sizes the merge from tables.get, bills nothing.
                let estimate = try await harness.ask("cost shop --estimate", slack: slack)
                #expect(estimate.error == nil)
                #expect(estimate.content.contains("for the 21 jobs of the next run of `shop` (8 models, 1 merge, 12 checks)"), "\(estimate.content)")
                #expect(estimate.lines.contains("`raw.orders` · merge · reads 2 tables · 40 MiB processed · 40 MiB billed · <$0.01"))
                #expect(estimate.lines.contains("`freshness_orders` · check · reads 1 table · 15 MiB processed · 15 MiB billed · <$0.01"))
                #expect(estimate.lines.contains("`volume_orders` · check · reads 1 table · 0 B processed → 10 MiB billed (minimum) · <$0.01"))
                #expect(estimate.lines.contains { $0.hasPrefix("`relationships_stg_orders_customer_id` · check · reads 2 tables · 1 B processed → 20 MiB billed") })
                #expect(estimate.content.contains("From BigQuery dry runs"))
                #expect(fake.dryRuns.contains { $0.sql == "select * from `staging.stg_orders` where `order_id` is null" })
                #expect(fake.jobs.isEmpty, "an estimate starts no billed job")

                // The run (through the cost guard): each job's bytes billed land on its step.
                let run = try await harness.runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "test"))
                let steps = try await harness.state.read { try $0.steps(runID: run.id) }
                #expect(run.state == .succeeded, "\(steps.filter { $0.state != .succeeded }.map { "\($0.stepID): \($0.error ?? "")" })")
                let billed = Dictionary(steps.map { ($0.stepID, $0.bytesBilled) }, uniquingKeysWith: { first, _ in first })
                #expect(billed["check:freshness_orders"] == 15 * Self.mib, "the loaded_at query on the recent partitions")
                #expect(billed["check:volume_orders"] == 10 * Self.mib, "INFORMATION_SCHEMA.PARTITIONS bills the minimum")
                #expect(billed["check:not_null_stg_orders_order_id"] == 10 * Self.mib)
                #expect(billed["load:raw.orders"] == 10 * Self.mib, "the MERGE")
                let checks = steps.filter { $0.kind == .check }.map(\.bytesBilled).reduce(0, +)
                #expect(checks == (15 + 10 + 10 * 10) * Self.mib, "every check queried and was billed")
                let total = steps.map(\.bytesBilled).reduce(0, +)
                #expect(total == fake.jobs.map(\.bytesBilled).reduce(0, +), "no billed job goes unrecorded")
                #expect(fake.jobs.allSatisfy { $0.labels["sluice_run"] == String(run.id) })
                #expect(fake.jobs.filter { $0.type == "QUERY" }.allSatisfy { $0.maximumBytesBilled == harness.manifest.cost.maximumBytesBilled })
                let volume = try #require(fake.jobs.first { $0.sql?.contains("INFORMATION_SCHEMA.PARTITIONS") == true })
                #expect(volume.labels == ["sluice_pipeline": "shop", "sluice_run": String(run.id), "sluice_step": "check_volume_orders"])

                // `/sluice cost today` over signed HTTP.
                let price = harness.manifest.cost.pricePerTiB
                let cost = try await harness.ask("cost today", slack: slack)
                #expect(cost.error == nil)
                #expect(cost.content.contains("*\(Format.dollars(CostModel.dollars(bytes: total, pricePerTiB: price)))* billed · \(Format.bytes(total)) in 1 run since"), "\(cost.content)")
                #expect(cost.content.contains("checks \(Format.bytes(checks)) · "), "\(cost.content)")

                // The budget counts them as spent today.
                let shop = try #require(harness.manifest.pipeline(named: "shop"))
                let spent = try await CostGuard(manifest: harness.manifest, warehouse: harness.warehouse, state: harness.state, clock: harness.clock)
                    .estimate(shop).spentToday
                #expect(spent == CostModel.dollars(bytes: total, pricePerTiB: price))

                // The next day's digest reports them as yesterday's cost.
                let digest = try await DigestService(
                    manifest: harness.manifest, state: harness.state, warehouse: harness.warehouse, clock: harness.clock,
                    logger: Logger(label: "digest")
                ).report(at: run.createdAt.addingTimeInterval(86_400))
                #expect(digest.cost.yesterday.bytesBilled == total)

                // App Home shows them in the month's cost.
                let home = try #require(harness.sluice.home)
                await home.opened(user: "U0VIEWER")
                let blocks = try await slack.homeBlocks(user: "U0VIEWER")
                #expect(blocks.contains { $0.allText.contains("\(Format.bytes(total)) billed at") }, "\(blocks.map(\.allText))")
            }
        }
    }
}
