import BigQueryAPI
import Foundation
import SluiceCore
import Testing
import Warehouse

/// What the checks' metadata and freshness queries bill on the fake BigQuery, under whose labels.
@Suite("BigQuery warehouse on the wire: bytes billed by checks")
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
}
