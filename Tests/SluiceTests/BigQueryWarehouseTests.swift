import BigQueryAPI
import Foundation
import Logging
import SluiceCore
import Testing
import Warehouse

/// What the BigQuery warehouse sends and how it reads the answers, against the fake BigQuery: the
/// jobs, their SQL and NDJSON, labels, byte caps, retries and errors. What that SQL computes is
/// tested on the SQLite warehouse (`SQLiteWarehouseTests`) and, opt-in, on a BigQuery emulator
/// (`BigQueryEmulatorTests`).
@Suite("BigQuery warehouse on the wire")
struct BigQueryWarehouseTests {
    /// Rows handed out one by one; optionally throws after `failAfter` rows, like an extractor
    /// that hits too many bad records.
    final class Rows: RowSource {
        private var rows: [[Value]]
        private let failAfter: Int?
        private var served = 0

        init(_ rows: [[Value]], failAfter: Int? = nil) {
            self.rows = rows.reversed()
            self.failAfter = failAfter
        }

        func nextRow() throws -> [Value]? {
            if let failAfter, served >= failAfter { throw WarehouseError("row \(served + 1) has too many bad values") }
            served += 1
            return rows.popLast()
        }
    }

    static let cap: Int64 = 50_000_000_000
    static let mebibytes10: Int64 = 10 * 1_048_576
    static let clock = TestClock(Date(timeIntervalSince1970: 1_795_000_000))
    static let orderColumns = [
        Column(name: "order_id", type: .integer), Column(name: "status", type: .string), Column(name: "total", type: .float),
        Column(name: "order_date", type: .date), Column(name: "updated_at", type: .timestamp),
    ]
    static let orderFields = [
        FakeField(name: "order_id", type: "INT64"), FakeField(name: "status", type: "STRING"), FakeField(name: "total", type: "FLOAT64"),
        FakeField(name: "order_date", type: "DATE"), FakeField(name: "updated_at", type: "TIMESTAMP"),
    ]

    static func warehouse(_ fake: FakeBigQuery, cap: Int64? = BigQueryWarehouseTests.cap, uploads: UploadOptions = .default) -> BigQueryWarehouse {
        var logger = Logger(label: "bigquery-warehouse-test")
        logger.logLevel = .warning
        let client = BigQueryClient(
            project: fake.project, location: fake.location, endpoint: fake.baseURL, tokens: NoTokenProvider(), retry: .immediate,
            uploads: uploads, logger: logger)
        return BigQueryWarehouse(client: client, cost: CostConfig(maximumBytesBilled: cap), clock: clock)
    }

    static func context(_ step: String, run: Int64 = 7) -> JobContext {
        JobContext(pipeline: "shop", runID: run, stepID: step)
    }

    static func order(_ id: Int64, _ status: String, _ total: Double, day: String) -> [Value] {
        [.integer(id), .string(status), .float(total), .date(day), .timestamp("\(day) 10:15:00")]
    }

    static func load(
        _ warehouse: BigQueryWarehouse, _ rows: [[Value]], write: WriteMode, days: [String]? = nil, table: String = "raw.orders",
        columns: [Column] = orderColumns, partitionBy: String? = "order_date", failAfter: Int? = nil
    ) async throws -> LoadResult {
        let request = LoadRequest(
            table: try #require(TableName(table)), columns: columns, write: write, partitionBy: partitionBy,
            replacePartitions: days, context: context("load:\(table)"))
        return try await warehouse.load(request, rows: Rows(rows, failAfter: failAfter))
    }

    /// Each job as `TYPE destination-or-first-line-of-SQL`.
    static func summary(_ jobs: [FakeJob]) -> [String] {
        jobs.map { "\($0.type) \($0.destination ?? String(($0.sql ?? "").prefix { $0 != "\n" }))" }
    }

    static func labels(step: String) -> [String: String] {
        ["sluice_pipeline": "shop", "sluice_run": "7", "sluice_step": step]
    }

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
                rowsLoaded: 2, rowsInTable: 3, stats: JobStats(rows: 2, bytesProcessed: 3_000_000, bytesBilled: Self.mebibytes10)))

            fake.clearRecords()
            let nothing = try await Self.load(warehouse, [], write: .merge(key: ["order_id"]))
            #expect(nothing == LoadResult(rowsLoaded: 0, rowsInTable: 3, stats: JobStats(rows: 0)))
            #expect(Self.summary(fake.jobs) == ["LOAD raw._sluice_stage_orders_7"], "nothing staged: no MERGE, nothing billed")
            #expect(fake.requests(.tablesDelete).map(\.status) == [204])

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
            let loads = fake.jobs
            #expect(Self.summary(loads) == ["LOAD raw.orders$20261111", "LOAD raw.orders$20261112", "LOAD raw.orders$20261113"])
            #expect(loads.allSatisfy { $0.writeDisposition == "WRITE_TRUNCATE" && $0.partitionField == "order_date" })
            #expect(loads.map { $0.rows.compactMap { $0["order_id"] as? Int } } == [[110, 111], [120, 121, 122], []], "a day without rows is emptied")
            #expect(loads.allSatisfy { job in job.rows.allSatisfy { "raw.orders$" + ($0["order_date"] as? String ?? "").replacingOccurrences(of: "-", with: "") == job.destination } })
            #expect(loads.allSatisfy { $0.labels == Self.labels(step: "load_raw_orders") })

            let notADay = await #expect(throws: WarehouseError.self) {
                try await Self.load(warehouse, fresh, write: .truncate, days: ["2026-11-31"])
            }
            #expect(notADay?.message.contains("2026-11-31") == true)
            #expect(fake.jobs.count == 3)
        }
    }

    @Test func modelsBuildAsDestinationQueriesViewsAndIncrementalMerges() async throws {
        try await FakeBigQuery.run { fake in
            let warehouse = Self.warehouse(fake)
            try await warehouse.prepare(datasets: ["raw", "mart"])
            let dailyAnswer = FakeAnswer(
                fields: [FakeField(name: "day", type: "DATE"), FakeField(name: "orders", type: "INT64")],
                rows: [["2026-11-10", "2"], ["2026-11-11", "0"]], bytesProcessed: 120)
            fake.respond(toQueryContaining: "group by order_date", with: dailyAnswer)
            fake.respond(toQueryContaining: "select order_id, status, total from raw.orders", with: FakeAnswer(
                fields: Array(Self.orderFields.prefix(3)), rows: [["1", "paid", "10"], ["2", "paid", "20"]], bytesProcessed: 500))
            fake.respond { sql in sql.hasPrefix("MERGE") ? FakeAnswer(bytesProcessed: 500, affectedRows: 2) : nil }
            let raw = [try #require(TableName("raw.orders"))]
            let dailySQL = "select order_date as day, countif(status != 'cancelled') as orders\nfrom raw.orders group by order_date\n-- trailing comment"
            let daily = Model(
                name: try #require(TableName("mart.daily")), sqlPath: "models/daily.sql", sql: dailySQL + "\n;\n",
                materialized: .table, partitionBy: "day", dependencies: raw)
            #expect(try await warehouse.materialize(daily, context: Self.context("model:mart.daily"))
                == JobStats(rows: 2, bytesProcessed: 120, bytesBilled: Self.mebibytes10))
            let built = try #require(fake.jobs.last)
            #expect(built.sql == dailySQL, "the model's SQL as written, trailing semicolons dropped")
            #expect(built.destination == "mart.daily" && built.writeDisposition == "WRITE_TRUNCATE" && built.createDisposition == "CREATE_IF_NEEDED")
            #expect(built.partitionField == "day")

            let viewSQL = "select order_id from `raw.orders` where status = 'paid' -- comment"
            let view = Model(
                name: try #require(TableName("mart.paid")), sqlPath: "models/paid.sql", sql: viewSQL, materialized: .view, dependencies: raw)
            #expect(try await warehouse.materialize(view, context: Self.context("model:mart.paid")) == JobStats())
            #expect(fake.jobs.last?.sql == "CREATE OR REPLACE VIEW `mart.paid` AS\n\(viewSQL)\n", "a trailing comment cannot swallow what follows")
            #expect(fake.jobs.last?.destination == nil)

            let latest = Model(
                name: try #require(TableName("mart.latest")), sqlPath: "models/latest.sql",
                sql: "select order_id, status, total from raw.orders;", materialized: .incremental(uniqueKey: ["order_id"]), dependencies: raw)
            let firstBuild = try await warehouse.materialize(latest, context: Self.context("model:mart.latest"))
            #expect(firstBuild.rows == 2 && fake.jobs.last?.destination == "mart.latest", "the first build creates the table")
            #expect(fake.table("mart", "latest")?.fields.map(\.name) == ["order_id", "status", "total"])
            let merged = try await warehouse.materialize(latest, context: Self.context("model:mart.latest"))
            #expect(merged == JobStats(rows: 2, bytesProcessed: 500, bytesBilled: Self.mebibytes10))
            #expect(fake.jobs.last?.sql == """
                MERGE `mart.latest` AS T
                USING (
                select order_id, status, total from raw.orders
                ) AS S
                ON T.`order_id` = S.`order_id`
                WHEN MATCHED THEN UPDATE SET `status` = S.`status`, `total` = S.`total`
                WHEN NOT MATCHED THEN INSERT (`order_id`, `status`, `total`) VALUES (S.`order_id`, S.`status`, S.`total`)
                """)

            let wrongKey = Model(
                name: try #require(TableName("mart.latest")), sqlPath: "models/latest.sql",
                sql: "select order_id, status, total from raw.orders", materialized: .incremental(uniqueKey: ["id"]), dependencies: raw)
            let refused = await #expect(throws: WarehouseError.self) {
                try await warehouse.materialize(wrongKey, context: Self.context("model:mart.latest"))
            }
            #expect(refused?.message.contains("order_id, status, total") == true)

            #expect(try await warehouse.estimateBytes(of: daily) == Self.mebibytes10, "120 bytes processed, at least 10 MiB per table read")
            #expect(try await warehouse.estimateBytes(of: view) == 0)
            #expect(fake.dryRuns.map(\.sql) == [dailySQL])
            #expect(fake.dryRuns.first?.labels == ["sluice_step": "estimate_mart_daily"])

            let queries = fake.jobs
            #expect(queries.count == 4)
            #expect(queries.allSatisfy { $0.maximumBytesBilled == Self.cap })
            #expect(queries.map(\.labels) == ["model_mart_daily", "model_mart_paid", "model_mart_latest", "model_mart_latest"].map { Self.labels(step: $0) })
        }
    }

    @Test func queriesReadAtMostTheLimitCountEveryRowAndSurfaceBigQuerysReason() async throws {
        try await FakeBigQuery.run { fake in
            let warehouse = Self.warehouse(fake)
            let table = try #require(TableName("raw.orders"))
            let check = Check(name: "not_null", kind: .notNull(table, column: "status"), severity: .error)
            let sql = try #require(CheckSQL.failingRowsQuery(for: check, dialect: .bigquery))
            fake.respond(toQueryContaining: sql, with: FakeAnswer(
                columns: ["order_id", "status"], rows: (1...7).map { [String($0), nil] }, bytesProcessed: 5_000))
            let result = try await warehouse.query(sql, limit: 5, context: Self.context("check:not_null"))
            #expect(result.columns == ["order_id", "status"] && result.rows.count == 5 && result.totalRows == 7)
            #expect(result.rows.first == ["1", nil])
            #expect(result.stats == JobStats(rows: 7, bytesProcessed: 5_000, bytesBilled: Self.mebibytes10))
            let job = try #require(fake.jobs.last)
            #expect(job.sql == sql && job.labels == Self.labels(step: "check_not_null") && job.maximumBytesBilled == Self.cap)
            #expect(fake.requests(.getQueryResults).first?.query["maxResults"] == "5")

            fake.respond(toQueryContaining: "select nope", with: .failing("invalidQuery", "Unrecognized name: nope at [1:8]"))
            let invalid = await #expect(throws: WarehouseError.self) {
                try await warehouse.query("select nope from raw.orders", limit: 1, context: Self.context("check:x"))
            }
            #expect(invalid?.reason == "invalidQuery")
            #expect(invalid?.message.contains("BigQuery could not run the query of check:x: Unrecognized name: nope at [1:8]") == true)
            #expect(invalid?.message.contains("(job sluice-test:US.sluice_query_") == true)

            let capped = Self.warehouse(fake, cap: 1_000)
            let refused = await #expect(throws: WarehouseError.self) {
                try await capped.query(sql, limit: 1, context: Self.context("check:y"))
            }
            #expect(refused?.reason == "bytesBilledLimitExceeded")
            #expect(refused?.message.contains("cost.maximum_bytes_billed") == true)
            #expect(fake.jobs.last?.maximumBytesBilled == 1_000)
            #expect(fake.jobs.map(\.errorReason) == [nil, "invalidQuery", "bytesBilledLimitExceeded"], "permanent failures are not re-run")
        }
    }

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

            let metadataOnly = try await warehouse.freshness(of: orders, loadedAt: nil)
            #expect(metadataOnly == TableFreshness(exists: true, lastModified: Self.clock.now, rowCount: 55))
            #expect(try await warehouse.rowsPerDay(of: orders, column: nil, since: nil) == [DayCount(day: today, rows: 55)])
            #expect(fake.jobs.isEmpty, "tables.get alone: nothing billed")
            let perDay = try await warehouse.rowsPerDay(of: orders, column: "order_date", since: days[4])
            #expect(perDay == (0...4).reversed().map { DayCount(day: days[$0], rows: Int64($0 + 1)) })
            let partitions = try #require(fake.jobs.last)
            #expect(partitions.sql == "SELECT partition_id, total_rows FROM `sluice-test.raw.INFORMATION_SCHEMA.PARTITIONS` WHERE table_name = 'orders' AND partition_id NOT IN ('__NULL__', '__UNPARTITIONED__') AND partition_id >= '\(compact(days[4]))' ORDER BY partition_id")
            #expect(partitions.labels == ["sluice_step": "volume_raw_orders"] && partitions.maximumBytesBilled == Self.cap)
            let missing = try #require(TableName("raw.missing"))
            #expect(try await warehouse.freshness(of: missing, loadedAt: nil) == TableFreshness(exists: false))
            await #expect(throws: WarehouseError.self) { try await warehouse.rowsPerDay(of: missing, column: nil, since: nil) }

            let newestAt = try #require(BigQueryTestDates.instant("\(today) 10:15:00"))
            fake.respond(toQueryContaining: "SELECT MAX(`updated_at`) AS newest FROM `raw.orders`", with: FakeAnswer(
                fields: [FakeField(name: "newest", type: "TIMESTAMP")], rows: [[FakeAnswer.micros(newestAt)]]))
            fake.clearRecords()
            #expect(try await warehouse.freshness(of: orders, loadedAt: "updated_at").newestLoadedAt == newestAt)
            #expect(fake.jobs.map(\.sql) == ["SELECT MAX(`updated_at`) AS newest FROM `raw.orders` WHERE `order_date` >= DATE '\(Days.adding(-7, to: today) ?? "")'"])
            #expect(fake.jobs.first?.labels == ["sluice_step": "freshness_raw_orders"])

            // Nothing in the recent days: the whole table is read once.
            let olderAt = try #require(BigQueryTestDates.instant("\(days[9]) 08:00:00"))
            fake.respond(toQueryContaining: "FROM `raw.orders`", with: FakeAnswer(
                fields: [FakeField(name: "newest", type: "TIMESTAMP")], rows: [[FakeAnswer.micros(olderAt)]]))
            fake.respond(toQueryContaining: "FROM `raw.orders` WHERE", with: FakeAnswer(fields: [FakeField(name: "newest", type: "TIMESTAMP")], rows: [[nil]]))
            fake.clearRecords()
            #expect(try await warehouse.freshness(of: orders, loadedAt: "updated_at").newestLoadedAt == olderAt)
            #expect(fake.jobs.map { $0.sql?.contains("WHERE") } == [true, false])

            fake.respond(toQueryContaining: "FROM `raw.flat`", columns: ["day", "n"], rows: [[today, "1"]])
            fake.clearRecords()
            #expect(try await warehouse.rowsPerDay(of: try #require(TableName("raw.flat")), column: "updated_at", since: days[3]) == [DayCount(day: today, rows: 1)])
            #expect(fake.jobs.map(\.sql) == ["SELECT CAST(DATE(`updated_at`) AS STRING) AS day, COUNT(*) AS n FROM `raw.flat` WHERE DATE(`updated_at`) >= DATE '\(days[3])' GROUP BY day ORDER BY day"])
        }
    }

    @Test func transientFailuresAreRetriedAndALostReplyIsNotRunTwice() async throws {
        try await FakeBigQuery.run { fake in
            let warehouse = Self.warehouse(fake, uploads: UploadOptions(multipartLimit: 1_024, chunkSize: 256 * 1024))
            fake.inject(.tooManyRequests, on: .datasetsInsert)
            fake.inject(.unavailable, on: .datasetsInsert)
            try await warehouse.prepare(datasets: ["raw"])
            #expect(fake.requests(.datasetsInsert).map(\.status) == [429, 503, 200])

            fake.inject(.internalError, on: .uploadResumableChunk)
            fake.inject(.rateLimitExceeded, on: .tablesGet)
            let rows = (1...2_000).map { Self.order(Int64($0), "paid", 1, day: "2026-11-10") }
            #expect(try await Self.load(warehouse, rows, write: .truncate).rowsInTable == 2_000)
            #expect(fake.requests(.uploadResumableChunk).map(\.status).first == 500)
            #expect(fake.requests(.uploadResumableChunk).contains { $0.headers["content-range"]?.hasPrefix("bytes */") == true }, "asked what was stored")
            #expect(fake.jobs.last?.rows.compactMap { $0["order_id"] as? Int } == Array(1...2_000), "no byte lost or sent twice")
            #expect(fake.requests(.tablesGet).map(\.status) == [403, 200])

            fake.respond(toQueryContaining: "count(*) as n", columns: ["n"], rows: [["2000"]])
            fake.inject(.backendErrorJob, on: .jobsInsert)
            fake.inject(.internalError, on: .getQueryResults)
            fake.inject(.slow(polls: 3), on: .jobsInsert)
            let counted = try await warehouse.query("select count(*) as n from raw.orders", limit: 1, context: Self.context("check:count"))
            #expect(counted.rows == [["2000"]])
            let attempts = fake.jobs.filter { $0.type == "QUERY" }
            #expect(attempts.map(\.errorReason) == ["backendError", nil])
            #expect(attempts[0].id != attempts[1].id && attempts.allSatisfy { $0.id.hasPrefix("sluice_query_") }, "re-run under a new job id")
            let polls = fake.requests(.jobsGet).filter { $0.path.hasSuffix("/" + attempts[1].id) }
            #expect(polls.count == 4 && polls.allSatisfy { $0.query["location"] == "US" }, "RUNNING three times, then DONE")
            #expect(fake.requests(.getQueryResults).map(\.status) == [500, 200])

            fake.respond(toQueryContaining: "max(order_id)", columns: ["m"], rows: [["2000"]])
            fake.inject(.duplicateAfterCreating, on: .jobsInsert)
            let again = try await warehouse.query("select max(order_id) as m from raw.orders", limit: 1, context: Self.context("check:max"))
            #expect(again.rows == [["2000"]])
            let lost = fake.jobs.filter { $0.sql == "select max(order_id) as m from raw.orders" }
            #expect(lost.count == 1)
            #expect(fake.requests(.jobsInsert).map(\.status).suffix(1) == [409])
            #expect(fake.requests(.jobsGet).filter { $0.path.hasSuffix("/" + (lost.first?.id ?? "-")) }.count == 1, "the existing job was fetched")

            fake.inject(.duplicateAfterCreating, on: .uploadMultipart)
            #expect(try await Self.load(warehouse, [Self.order(1, "paid", 1, day: "2026-11-10")], write: .append).rowsLoaded == 1)
            #expect(fake.requests(.uploadMultipart).map(\.status) == [409] && fake.jobs.last?.writeDisposition == "WRITE_APPEND")
            #expect(fake.table("raw", "orders")?.numRows == 2_001, "loaded once")
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
