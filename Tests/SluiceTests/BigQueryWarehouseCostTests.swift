import BigQueryAPI
import Foundation
import SluiceCore
import Testing
import Warehouse
import Worker

/// What the checks' metadata and freshness queries bill on the fake BigQuery, under whose labels,
/// and how each kind of planned job is estimated without billing anything.
@Suite("BigQuery warehouse on the wire: bytes billed by checks, and estimates")
struct BigQueryWarehouseCostTests: BigQueryWarehouseSuite {
    static let mib: Int64 = 1_048_576
    static let utc = TimeZone(identifier: "UTC") ?? .current

    static func prepare(_ fake: FakeBigQuery) {
        fake.setTable("raw", "orders", fields: orderFields, partitionField: "order_date", numRows: 55, numBytes: 50 * mib + 1)
        fake.setTable("raw", "flat", fields: orderFields, numRows: 1)
    }

    @Test func freshnessAndVolumeQueriesReportWhatTheyBilledUnderTheStepsLabels() async throws {
        try await FakeBigQuery.run(now: { Self.clock.now }) { fake in
            let warehouse = Self.warehouse(fake)
            Self.prepare(fake)
            let orders = try #require(TableName("raw.orders"))
            let flat = try #require(TableName("raw.flat"))
            let today = Days.string(Self.clock.now, in: Self.utc)
            fake.respond(toQueryContaining: "INFORMATION_SCHEMA.PARTITIONS", columns: ["partition_id", "total_rows"])
            fake.respond(toQueryContaining: "FROM `raw.flat`", columns: ["day", "n"], rows: [[today, "1"]], bytesProcessed: 12 * Self.mib + 1)

            // Partition metadata: nothing processed, BigQuery's minimum billed, on the step.
            let volume = try await warehouse.rowsPerDay(of: orders, column: "order_date", since: nil, context: Self.context("check:volume_orders"))
            #expect(volume.stats == JobStats(bytesProcessed: 0, bytesBilled: 10 * Self.mib))
            #expect(fake.jobs.last?.labels == Self.labels(step: "check_volume_orders") && fake.jobs.last?.maximumBytesBilled == Self.cap)
            let grouped = try await warehouse.rowsPerDay(of: flat, column: "updated_at", since: nil, context: Self.context("check:volume_flat"))
            #expect(grouped.days == [DayCount(day: today, rows: 1)])
            #expect(grouped.stats == JobStats(bytesProcessed: 12 * Self.mib + 1, bytesBilled: 13 * Self.mib), "rounded up to the MiB")
            #expect(try await warehouse.rowsPerDay(of: orders, column: nil, since: nil, context: Self.context("check:volume_orders")).stats == JobStats(),
                    "tables.get is free")

            // The newest loaded_at: the recent partitions first, then the whole table; both billed.
            fake.respond(toQueryContaining: "FROM `raw.orders`", with: FakeAnswer(
                fields: [FakeField(name: "newest", type: "TIMESTAMP")], rows: [[FakeAnswer.micros(Self.clock.now)]], bytesProcessed: 30 * Self.mib))
            fake.respond(toQueryContaining: "FROM `raw.orders` WHERE", with: FakeAnswer(
                fields: [FakeField(name: "newest", type: "TIMESTAMP")], rows: [[nil]], bytesProcessed: 2 * Self.mib))
            fake.clearRecords()
            let fresh = try await warehouse.freshness(of: orders, loadedAt: "updated_at", context: Self.context("check:freshness_orders"))
            #expect(fresh.newestLoadedAt != nil)
            #expect(fresh.stats == JobStats(bytesProcessed: 32 * Self.mib, bytesBilled: 40 * Self.mib), "10 MiB minimum + 30 MiB")
            #expect(fake.jobs.map(\.labels) == Array(repeating: Self.labels(step: "check_freshness_orders"), count: 2))
            #expect(try await warehouse.freshness(of: orders, loadedAt: nil, context: Self.context("check:freshness_orders")).stats == JobStats())

            // Outside a run (asked from Slack): the purpose only.
            fake.clearRecords()
            _ = try await warehouse.freshness(of: orders, loadedAt: "updated_at", context: nil)
            #expect(fake.jobs.allSatisfy { $0.labels == ["sluice_step": "freshness_raw_orders"] } && !fake.jobs.isEmpty)
        }
    }

    @Test func eachPlannedJobIsEstimatedWithoutBillingAnything() async throws {
        try await FakeBigQuery.run(now: { Self.clock.now }) { fake in
            let warehouse = Self.warehouse(fake)
            Self.prepare(fake)
            let orders = try #require(TableName("raw.orders"))
            let flat = try #require(TableName("raw.flat"))
            let missing = try #require(TableName("raw.missing"))
            fake.respond(toQueryContaining: "SELECT MAX(`updated_at`)", bytesProcessed: 4_000)
            fake.respond(toQueryContaining: "COUNT(*) AS n FROM `raw.flat`", bytesProcessed: 700)
            fake.respond(toQueryContaining: "where `status` is null", bytesProcessed: 90)

            let week = Days.adding(-7, to: Days.string(Self.clock.now, in: Self.utc)) ?? ""
            #expect(try await warehouse.estimateBytes(of: .newestValue(of: orders, column: "updated_at")) == 4_000)
            #expect(fake.dryRuns.last?.sql == "SELECT MAX(`updated_at`) AS newest FROM `raw.orders` WHERE `order_date` >= DATE '\(week)'",
                    "the query the check runs first")
            #expect(try await warehouse.estimateBytes(of: .rowsPerDay(of: orders, column: "order_date")) == 0, "partition metadata")
            #expect(try await warehouse.estimateBytes(of: .rowsPerDay(of: flat, column: "updated_at")) == 700)
            let sql = "select * from `raw.orders` where `status` is null"
            #expect(try await warehouse.estimateBytes(of: .failingRows(sql: sql, reads: [orders])) == 90)
            #expect(fake.dryRuns.last?.sql == sql && fake.dryRuns.last?.labels == ["sluice_step": "estimate_check"])
            #expect(try await warehouse.estimateBytes(of: .merge(into: orders)) == 50 * Self.mib + 1, "tables.get numBytes")
            #expect(try await warehouse.estimateBytes(of: .merge(into: missing)) == 0, "created by the load")
            let notYet = await #expect(throws: WarehouseError.self) {
                try await warehouse.estimateBytes(of: .newestValue(of: missing, column: "updated_at"))
            }
            #expect(notYet?.reason == "notFound")
            #expect(fake.dryRuns.count == 3 && fake.jobs.isEmpty, "dry runs and tables.get only")

            // Through the estimator: a job on a table not built yet counts at the minimum, and the next ones are still asked.
            let jobs = [
                PlannedJob(kind: .check, name: "freshness_missing", stepID: "check:freshness_missing", query: .newestValue(of: missing, column: "updated_at")),
                PlannedJob(kind: .merge, name: "raw.orders", stepID: "load:raw.orders", query: .merge(into: orders)),
            ]
            let estimates = await JobEstimator(warehouse: warehouse).estimate(jobs)
            #expect(estimates.map(\.bytesProcessed) == [nil, 50 * Self.mib + 1])
            #expect(estimates.map(\.bytesBilled) == [10 * Self.mib, 51 * Self.mib])
            #expect(estimates.first?.problem?.contains("does not exist yet") == true)
        }
    }

    @Test func aWarehouseThatCannotBeReachedStopsTheEstimatesAfterOneFailure() async throws {
        try await FakeBigQuery.run(now: { Self.clock.now }) { fake in
            let warehouse = Self.warehouse(fake)
            Self.prepare(fake)
            let orders = try #require(TableName("raw.orders"))
            fake.inject(.http(status: 403, reason: "accessDenied", message: "Access Denied: Project sluice-test"), times: 10)
            let jobs = ["a", "b", "c"].map {
                PlannedJob(kind: .check, name: $0, stepID: "check:\($0)", query: .failingRows(sql: "select 1 from `raw.orders`", reads: [orders]))
            }
            let estimates = await JobEstimator(warehouse: warehouse).estimate(jobs)
            #expect(fake.requests.count == 1, "one failed request, not one per job")
            #expect(estimates.allSatisfy { $0.bytesProcessed == nil && $0.bytesBilled == 10 * Self.mib })
            #expect(estimates.first?.problem?.contains("Access Denied") == true)
            #expect(estimates.last?.problem?.hasPrefix("not estimated: the estimate of `a` failed first: ") == true)
        }
    }
}
