import BigQueryAPI
import Foundation
import Logging
import SluiceCore
import Testing
import Warehouse

/// Freshness and volume against the fake BigQuery: table metadata first, then only recent partitions.
@Suite("BigQuery warehouse on the wire: freshness and volume")
struct BigQueryWarehouseFreshnessTests: BigQueryWarehouseSuite {
    @Test func freshnessAndVolumeReadMetadataFirstAndScanOnlyRecentPartitions() async throws {
        try await FakeBigQuery.run(now: { Self.clock.now }) { fake in
            let warehouse = Self.warehouse(fake)
            let utc = try #require(TimeZone(identifier: "UTC"))
            let today = Days.string(Self.clock.now, in: utc)
            let days = (0..<10).compactMap { Days.adding(-$0, to: today) }
            let compact = { (day: String) in day.replacingOccurrences(of: "-", with: "") }
            fake.setTable("raw", "orders", fields: Self.orderFields, partitionField: "order_date", numRows: 55, lastModified: Self.clock.now)
            fake.setTable("raw", "flat", fields: Self.orderFields, numRows: 1)
            fake.respond(toQueryContaining: "INFORMATION_SCHEMA.PARTITIONS", with: FakeAnswer(
                fields: [FakeField(name: "partition_id", type: "STRING"), FakeField(name: "total_rows", type: "INT64")],
                rows: (0...4).reversed().map { [compact(days[$0]), String($0 + 1)] }))
            let orders = try #require(TableName("raw.orders"))

            let metadataOnly = try await warehouse.freshness(of: orders, loadedAt: nil, context: nil)
            #expect(metadataOnly == TableFreshness(exists: true, lastModified: Self.clock.now, rowCount: 55))
            #expect(try await warehouse.rowsPerDay(of: orders, column: nil, since: nil, context: nil).days == [DayCount(day: today, rows: 55)])
            #expect(fake.jobs.isEmpty, "tables.get alone: nothing billed")
            let perDay = try await warehouse.rowsPerDay(of: orders, column: "order_date", since: days[4], context: nil).days
            #expect(perDay == (0...4).reversed().map { DayCount(day: days[$0], rows: Int64($0 + 1)) })
            let partitions = try #require(fake.jobs.last)
            #expect(partitions.sql == "SELECT partition_id, total_rows FROM `sluice-test.raw.INFORMATION_SCHEMA.PARTITIONS` WHERE table_name = 'orders' AND partition_id NOT IN ('__NULL__', '__UNPARTITIONED__') AND partition_id >= '\(compact(days[4]))' ORDER BY partition_id")
            #expect(partitions.labels == ["sluice_step": "volume_raw_orders"] && partitions.maximumBytesBilled == Self.cap)
            let missing = try #require(TableName("raw.missing"))
            #expect(try await warehouse.freshness(of: missing, loadedAt: nil, context: nil) == TableFreshness(exists: false))
            await #expect(throws: WarehouseError.self) { try await warehouse.rowsPerDay(of: missing, column: nil, since: nil, context: nil).days }

            let newestAt = try #require(BigQueryTestDates.instant("\(today) 10:15:00"))
            fake.respond(toQueryContaining: "SELECT MAX(`updated_at`) AS newest FROM `raw.orders`", with: FakeAnswer(
                fields: [FakeField(name: "newest", type: "TIMESTAMP")], rows: [[FakeAnswer.micros(newestAt)]]))
            fake.clearRecords()
            #expect(try await warehouse.freshness(of: orders, loadedAt: "updated_at", context: nil).newestLoadedAt == newestAt)
            #expect(fake.jobs.map(\.sql) == ["SELECT MAX(`updated_at`) AS newest FROM `raw.orders` WHERE `order_date` >= DATE '\(Days.adding(-7, to: today) ?? "")'"])
            #expect(fake.jobs.first?.labels == ["sluice_step": "freshness_raw_orders"])

            // Nothing in the recent days: the whole table is read once.
            let olderAt = try #require(BigQueryTestDates.instant("\(days[9]) 08:00:00"))
            fake.respond(toQueryContaining: "FROM `raw.orders`", with: FakeAnswer(
                fields: [FakeField(name: "newest", type: "TIMESTAMP")], rows: [[FakeAnswer.micros(olderAt)]]))
            fake.respond(toQueryContaining: "FROM `raw.orders` WHERE", with: FakeAnswer(fields: [FakeField(name: "newest", type: "TIMESTAMP")], rows: [[nil]]))
            fake.clearRecords()
            #expect(try await warehouse.freshness(of: orders, loadedAt: "updated_at", context: nil).newestLoadedAt == olderAt)
            #expect(fake.jobs.map { $0.sql?.contains("WHERE") } == [true, false])

            fake.respond(toQueryContaining: "FROM `raw.flat`", columns: ["day", "n"], rows: [[today, "1"]])
            fake.clearRecords()
            #expect(try await warehouse.rowsPerDay(of: try #require(TableName("raw.flat")), column: "updated_at", since: days[3], context: nil).days == [DayCount(day: today, rows: 1)])
            #expect(fake.jobs.map(\.sql) == ["SELECT CAST(DATE(`updated_at`) AS STRING) AS day, COUNT(*) AS n FROM `raw.flat` WHERE DATE(`updated_at`) >= DATE '\(days[3])' GROUP BY day ORDER BY day"])
        }
    }
}

/// Instants from text, for expectations.
enum BigQueryTestDates {
    static func instant(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.date(from: text)
    }
}
