import BigQueryAPI
import Foundation
import Logging
import SluiceCore
import Testing
import Warehouse

/// Loads against the fake BigQuery: NDJSON through both upload paths, merges through a staging
/// table, backfills into their partitions. What that SQL computes is tested on the SQLite warehouse
/// (`SQLiteWarehouseLoadTests`) and, opt-in, on a BigQuery emulator (`BigQueryEmulatorTests`).
@Suite("BigQuery warehouse on the wire: loads")
struct BigQueryWarehouseLoadTests: BigQueryWarehouseSuite {
    @Test func truncateAndAppendStreamRowsAsNDJSONThroughBothUploadPaths() async throws {
        try await FakeBigQuery.run { fake in
            let warehouse = Self.warehouse(fake, uploads: UploadOptions(multipartLimit: 64 * 1024, chunkSize: 256 * 1024))
            try await warehouse.prepare(datasets: ["raw"])
            #expect(fake.requests(.datasetsInsert).map { $0.json["location"] as? String } == ["US"])
            let columns = [
                Column(name: "id", type: .integer), Column(name: "name", type: .string), Column(name: "amount", type: .float),
                Column(name: "ok", type: .boolean), Column(name: "day", type: .date), Column(name: "at", type: .timestamp),
            ]
            let tricky = "say \"hi\" \\ back\nslash\ttab é 東京 \u{01}"
            let first = try await Self.load(warehouse, [
                [.integer(-9_223_372_036_854_775_807), .string(tricky), .float(1.5e-7), .boolean(true), .date("2026-11-18"), .timestamp("2026-11-18 10:15:00")],
                [.integer(2), .null, .float(.infinity), .boolean(false), .null, .timestamp("2026-11-18 23:59:59.125")],
            ], write: .truncate, table: "raw.things", columns: columns, partitionBy: nil)
            #expect(first == LoadResult(rowsLoaded: 2, rowsInTable: 2, stats: JobStats(rows: 2)))
            let things = try #require(fake.jobs.last)
            #expect(things.destination == "raw.things" && things.writeDisposition == "WRITE_TRUNCATE" && things.partitionField == nil)
            #expect(things.fields.map(\.type) == ["INT64", "STRING", "FLOAT64", "BOOL", "DATE", "TIMESTAMP"])
            #expect(String(decoding: things.data, as: UTF8.self) == #"""
                {"id":-9223372036854775807,"name":"say \"hi\" \\ back\nslash\ttab é 東京 \u0001","amount":1.5e-07,"ok":true,"day":"2026-11-18","at":"2026-11-18 10:15:00"}
                {"id":2,"amount":"Infinity","ok":false,"at":"2026-11-18 23:59:59.125"}

                """#, "NULLs are left out; non-finite floats are strings BigQuery reads")
            #expect(things.rows.first?["name"] as? String == tricky, "the escaping is JSON")
            #expect(fake.requests(.uploadMultipart).count == 1)

            let many = (1...3_000).map { Self.order(Int64($0), "paid", Double($0) / 4, day: "2026-11-1\($0 % 3)") }
            let bulk = try await Self.load(warehouse, many, write: .truncate)
            #expect(bulk.rowsLoaded == 3_000 && bulk.rowsInTable == 3_000)
            #expect(fake.requests(.uploadResumableChunk).count >= 2)
            let orders = try #require(fake.jobs.last)
            #expect(orders.destination == "raw.orders" && orders.partitionField == "order_date" && orders.writeDisposition == "WRITE_TRUNCATE")
            #expect(orders.rows.compactMap { $0["order_id"] as? Int } == Array(1...3_000))

            let appended = try await Self.load(warehouse, [Self.order(5_000, "new", 1, day: "2026-11-12")], write: .append)
            #expect(appended.rowsLoaded == 1 && appended.rowsInTable == 3_001, "the rows in the table come from tables.get")
            #expect(fake.jobs.last?.writeDisposition == "WRITE_APPEND")
            #expect(fake.requests(.uploadMultipart).count == 2)

            let loads = fake.jobs
            #expect(Self.summary(loads) == ["LOAD raw.things", "LOAD raw.orders", "LOAD raw.orders"])
            #expect(loads.map(\.labels) == [Self.labels(step: "load_raw_things"), Self.labels(step: "load_raw_orders"), Self.labels(step: "load_raw_orders")])
            #expect(bulk.stats.bytesBilled == 0 && appended.stats.bytesBilled == 0)

            let broken = await #expect(throws: WarehouseError.self) {
                try await Self.load(warehouse, many, write: .truncate, failAfter: 2_500)
            }
            #expect(broken?.message.contains("too many bad values") == true)
            #expect(fake.jobs.count == 3, "the upload was never finished, so BigQuery never created a load job")
            #expect(fake.table("raw", "orders")?.numRows == 3_001)
        }
    }

    @Test func anEmptyLoadUploadsNothingButMakesTheTableAndAnEmptyTruncateStillEmptiesIt() async throws {
        try await FakeBigQuery.run { fake in
            let warehouse = Self.warehouse(fake)
            try await warehouse.prepare(datasets: ["raw"])
            fake.clearRecords()
            let appended = try await Self.load(warehouse, [], write: .append)
            #expect(appended.rowsLoaded == 0)
            #expect(Self.summary(fake.jobs).count == 1 && Self.summary(fake.jobs).first?.hasPrefix("QUERY CREATE TABLE IF NOT EXISTS `raw.orders`") == true)
            #expect(!fake.requests.contains { [.uploadMultipart, .uploadResumableStart].contains($0.operation) }, "nothing uploaded")

            fake.setTable("raw", "orders", fields: Self.orderFields, partitionField: "order_date", numRows: 3)
            fake.clearRecords()
            let emptied = try await Self.load(warehouse, [], write: .truncate)
            #expect(Self.summary(fake.jobs) == ["LOAD raw.orders"], "a truncate to nothing still replaces the table")
            #expect(fake.jobs.first?.writeDisposition == "WRITE_TRUNCATE")
            #expect(emptied.rowsInTable == 0)
        }
    }

    @Test func mergeLoadsStageThenMergeOnceThenDropTheStagingTable() async throws {
        try await FakeBigQuery.run { fake in
            let warehouse = Self.warehouse(fake)
            try await warehouse.prepare(datasets: ["raw"])
            fake.respond { sql in sql.hasPrefix("MERGE") ? FakeAnswer(bytesProcessed: 3_000_000, affectedRows: 2) : nil }
            fake.clearRecords()
            let first = try await Self.load(warehouse, [
                Self.order(1, "processing", 10, day: "2026-11-10"), Self.order(2, "processing", 20, day: "2026-11-10"),
            ], write: .merge(key: ["order_id"]))
            #expect(Self.summary(fake.jobs) == [
                "LOAD raw._sluice_stage_orders_7",
                "QUERY CREATE TABLE IF NOT EXISTS `raw.orders` (`order_id` INT64, `status` STRING, `total` FLOAT64, `order_date` DATE, `updated_at` TIMESTAMP) PARTITION BY `order_date`",
                "QUERY MERGE `raw.orders` AS T",
            ])
            let tableCalls = fake.requests.filter { [.tablesGet, .tablesDelete].contains($0.operation) }.map { "\($0.method) \($0.path) \($0.status)" }
            #expect(tableCalls == [
                "GET /bigquery/v2/projects/sluice-test/datasets/raw/tables/orders 404",
                "DELETE /bigquery/v2/projects/sluice-test/datasets/raw/tables/_sluice_stage_orders_7 204",
                "GET /bigquery/v2/projects/sluice-test/datasets/raw/tables/orders 404",
            ])
            #expect(first.rowsLoaded == 2 && first.rowsInTable == 2)
            #expect(fake.table("raw", "_sluice_stage_orders_7") == nil)
            // The staging table was given a day to live before anything else, in case the run dies.
            let expiry = try #require(fake.requests(.tablesPatch).first)
            #expect(expiry.path == "/bigquery/v2/projects/sluice-test/datasets/raw/tables/_sluice_stage_orders_7" && expiry.status == 200)
            let expiresAt = try #require((expiry.json["expirationTime"] as? String).flatMap { Double($0) }) / 1000
            #expect(expiresAt == (Self.clock.now.addingTimeInterval(86_400).timeIntervalSince1970 * 1000).rounded(.down) / 1000, "a day from now")
            let merge = try #require(fake.jobs.last)
            #expect(merge.sql == """
                MERGE `raw.orders` AS T
                USING (
                SELECT `order_id`, `status`, `total`, `order_date`, `updated_at` FROM (
                  SELECT `order_id`, `status`, `total`, `order_date`, `updated_at`, ROW_NUMBER() OVER (PARTITION BY `order_id` ORDER BY `_sluice_seq` DESC) AS _sluice_rank
                  FROM `raw._sluice_stage_orders_7`
                ) WHERE _sluice_rank = 1
                ) AS S
                ON T.`order_id` = S.`order_id`
                WHEN MATCHED THEN UPDATE SET `status` = S.`status`, `total` = S.`total`, `order_date` = S.`order_date`, `updated_at` = S.`updated_at`
                WHEN NOT MATCHED THEN INSERT (`order_id`, `status`, `total`, `order_date`, `updated_at`) VALUES (S.`order_id`, S.`status`, S.`total`, S.`order_date`, S.`updated_at`)
                """)
            #expect(merge.maximumBytesBilled == Self.cap && merge.labels == Self.labels(step: "load_raw_orders"))
            #expect(fake.jobs.allSatisfy { $0.labels == Self.labels(step: "load_raw_orders") })

            // The target exists now: no CREATE; a key repeated in one load is staged twice, numbered in order.
            fake.setTable("raw", "orders", fields: Self.orderFields, partitionField: "order_date", numRows: 3)
            fake.clearRecords()
            let second = try await Self.load(warehouse, [
                Self.order(2, "shipped", 21, day: "2026-11-10"), Self.order(3, "processing", 30, day: "2026-11-11"),
                Self.order(2, "delivered", 22, day: "2026-11-10"),
            ], write: .merge(key: ["order_id"]))
            #expect(Self.summary(fake.jobs) == ["LOAD raw._sluice_stage_orders_7", "QUERY MERGE `raw.orders` AS T"])
            let staged = try #require(fake.jobs.first)
            #expect(staged.writeDisposition == "WRITE_TRUNCATE" && staged.fields.last == FakeField(name: "_sluice_seq", type: "INT64"))
            #expect(staged.rows.map { "\($0["order_id"] ?? "") \($0["status"] ?? "") \($0["_sluice_seq"] ?? "")" } == ["2 shipped 0", "3 processing 1", "2 delivered 2"])
            #expect(second == LoadResult(
                rowsLoaded: 2, rowsInTable: 3, stats: JobStats(rows: 2, bytesProcessed: 3_000_000, bytesBilled: Self.mebibytes10),
                counts: LoadCounts(inserted: 2, unchanged: 1)))

            fake.clearRecords()
            let nothing = try await Self.load(warehouse, [], write: .merge(key: ["order_id"]))
            #expect(nothing == LoadResult(rowsLoaded: 0, rowsInTable: 3, stats: JobStats(rows: 0)))
            #expect(fake.jobs.isEmpty, "nothing to add: no upload, no staging, no MERGE, nothing billed")
            #expect(fake.requests.map(\.operation) == [.tablesGet, .tablesGet], "only the table's metadata was read")

            fake.clearRecords()
            await #expect(throws: WarehouseError.self) {
                try await Self.load(warehouse, [Self.order(4, "x", 1, day: "2026-11-12"), Self.order(5, "x", 1, day: "2026-11-12")],
                                    write: .merge(key: ["order_id"]), failAfter: 1)
            }
            #expect(fake.jobs.isEmpty, "nothing staged, nothing merged")
            #expect(fake.requests(.tablesDelete).map(\.path) == ["/bigquery/v2/projects/sluice-test/datasets/raw/tables/_sluice_stage_orders_7"])
        }
    }

    @Test func aBackfillLoadsExactlyTheAskedDaysIntoTheirPartitions() async throws {
        try await FakeBigQuery.run { fake in
            let warehouse = Self.warehouse(fake)
            try await warehouse.prepare(datasets: ["raw"])
            fake.setTable("raw", "orders", fields: Self.orderFields, partitionField: "order_date", numRows: 11)
            let days = ["2026-11-10", "2026-11-11", "2026-11-12", "2026-11-13", "2026-11-14"]
            let fresh = days.enumerated().flatMap { index, day in
                (0..<(index + 1)).map { n in Self.order(Int64(100 + index * 10 + n), "new", 2, day: day) }
            }
            let asked = ["2026-11-12", "2026-11-11", "2026-11-13"]
            let result = try await Self.load(warehouse, fresh.filter { $0[3] != .date("2026-11-13") }, write: .merge(key: ["order_id"]), days: asked)
            #expect(result == LoadResult(rowsLoaded: 2 + 3, rowsInTable: 11, stats: JobStats(rows: 5), rowsOutsidePartitions: 1 + 5))
            let loads = fake.jobs.filter { $0.type == "LOAD" }
            #expect(Self.summary(loads) == ["LOAD raw.orders$20261111", "LOAD raw.orders$20261112", "LOAD raw.orders$20261113"])
            // A merge load's keys are in one partition only: an older row of a backfilled key in another day goes.
            let delete = "DELETE FROM `raw.orders` AS O WHERE DATE(O.`order_date`) NOT IN (DATE '2026-11-11', DATE '2026-11-12', "
                + "DATE '2026-11-13') AND EXISTS (SELECT 1 FROM `raw.orders` AS N WHERE DATE(N.`order_date`) IN (DATE '2026-11-11', "
                + "DATE '2026-11-12', DATE '2026-11-13') AND N.`order_id` = O.`order_id`)"
            #expect(fake.jobs.map(\.type) == ["LOAD", "LOAD", "LOAD", "QUERY"] && fake.jobs.last?.sql == delete)
            #expect(loads.allSatisfy { $0.writeDisposition == "WRITE_TRUNCATE" && $0.partitionField == "order_date" })
            #expect(loads.map { $0.rows.compactMap { $0["order_id"] as? Int } } == [[110, 111], [120, 121, 122], []], "a day without rows is emptied")
            #expect(loads.allSatisfy { job in job.rows.allSatisfy { "raw.orders$" + ($0["order_date"] as? String ?? "").replacingOccurrences(of: "-", with: "") == job.destination } })
            #expect(loads.allSatisfy { $0.labels == Self.labels(step: "load_raw_orders") })

            let notADay = await #expect(throws: WarehouseError.self) {
                try await Self.load(warehouse, fresh, write: .truncate, days: ["2026-11-31"])
            }
            #expect(notADay?.message.contains("2026-11-31") == true)
            #expect(fake.jobs.count == 4)
        }
    }
}
