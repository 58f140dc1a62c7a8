import BigQueryAPI
import Foundation
import Logging
import SluiceCore
import Testing
import Warehouse

@Suite("BigQuery warehouse against the fake BigQuery")
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
    static let clock = TestClock(Date(timeIntervalSince1970: 1_795_000_000))
    static let orderColumns = [
        Column(name: "order_id", type: .integer), Column(name: "status", type: .string), Column(name: "total", type: .float),
        Column(name: "order_date", type: .date), Column(name: "updated_at", type: .timestamp),
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

    @Test func truncateAndAppendStreamRowsAsNDJSONThroughBothUploadPaths() async throws {
        try await FakeBigQuery.run { fake in
            let warehouse = Self.warehouse(fake, uploads: UploadOptions(multipartLimit: 64 * 1024, chunkSize: 256 * 1024))
            try await warehouse.prepare(datasets: ["raw"])
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
            let stored = try fake.rows("select id, name, amount, ok, day, at from raw.things order by id")
            #expect(stored == [
                ["-9223372036854775807", tricky, "1.5e-07", "1", "2026-11-18", "2026-11-18 10:15:00"],
                ["2", nil, "inf", "0", nil, "2026-11-18 23:59:59.125000"],
            ])
            #expect(fake.table("raw", "things")?.fields.map(\.type) == ["INT64", "STRING", "FLOAT64", "BOOL", "DATE", "TIMESTAMP"])

            let many = (1...3_000).map { Self.order(Int64($0), "paid", Double($0) / 4, day: "2026-11-1\($0 % 3)") }
            let bulk = try await Self.load(warehouse, many, write: .truncate)
            #expect(bulk.rowsLoaded == 3_000 && bulk.rowsInTable == 3_000)
            #expect(fake.requests(.uploadResumableChunk).count >= 2)
            #expect(fake.table("raw", "orders")?.partitionField == "order_date")
            let appended = try await Self.load(warehouse, [Self.order(5_000, "new", 1, day: "2026-11-12")], write: .append)
            #expect(appended.rowsLoaded == 1 && appended.rowsInTable == 3_001)
            #expect(fake.requests(.uploadMultipart).count == 2)

            let loads = fake.jobs.filter { $0.type == "LOAD" }
            #expect(loads.map(\.destination) == ["raw.things", "raw.orders", "raw.orders"])
            #expect(loads.allSatisfy { $0.labels["sluice_pipeline"] == "shop" && $0.labels["sluice_run"] == "7" && $0.labels.count == 3 })
            #expect(loads.last?.labels["sluice_step"] == "load_raw_orders")
            #expect(loads.allSatisfy { $0.bytesBilled == 0 })

            let broken = await #expect(throws: WarehouseError.self) {
                try await Self.load(warehouse, many, write: .truncate, failAfter: 2_500)
            }
            #expect(broken?.message.contains("too many bad values") == true)
            #expect(try fake.rows("select count(*) from raw.orders") == [["3001"]])
        }
    }

    @Test func mergeLoadsStageThenMergeThenDropTheStagingTable() async throws {
        try await FakeBigQuery.run { fake in
            let warehouse = Self.warehouse(fake)
            try await warehouse.prepare(datasets: ["raw"])
            let first = try await Self.load(warehouse, [
                Self.order(1, "processing", 10, day: "2026-11-10"), Self.order(2, "processing", 20, day: "2026-11-10"),
            ], write: .merge(key: ["order_id"]))
            #expect(first.rowsLoaded == 2 && first.rowsInTable == 2)
            #expect(fake.table("raw", "orders")?.partitionField == "order_date")

            let second = try await Self.load(warehouse, [
                Self.order(2, "shipped", 21, day: "2026-11-10"), Self.order(3, "processing", 30, day: "2026-11-11"),
                Self.order(2, "delivered", 22, day: "2026-11-10"),
            ], write: .merge(key: ["order_id"]))
            #expect(second.rowsLoaded == 2 && second.rowsInTable == 3)
            #expect(second.stats.bytesBilled >= 20 * 1_048_576)
            #expect(try fake.rows("select order_id, status, total from raw.orders order by order_id") == [
                ["1", "processing", "10.0"], ["2", "delivered", "22.0"], ["3", "processing", "30.0"],
            ])
            #expect(fake.table("raw", "_sluice_stage_orders_7") == nil)
            #expect(fake.requests(.tablesDelete).count == 2)
            let nothing = try await Self.load(warehouse, [], write: .merge(key: ["order_id"]))
            #expect(nothing == LoadResult(rowsLoaded: 0, rowsInTable: 3, stats: JobStats(rows: 0)))
            let statements = fake.jobs.compactMap(\.statementType)
            #expect(statements == ["CREATE_TABLE", "MERGE", "MERGE"])
            #expect(fake.requests(.tablesDelete).count == 3)
            let merge = try #require(fake.jobs.last { $0.statementType == "MERGE" })
            #expect(merge.maximumBytesBilled == Self.cap)
            #expect(merge.labels["sluice_step"] == "load_raw_orders")

            await #expect(throws: WarehouseError.self) {
                try await Self.load(warehouse, [Self.order(4, "x", 1, day: "2026-11-12"), Self.order(5, "x", 1, day: "2026-11-12")],
                                    write: .merge(key: ["order_id"]), failAfter: 1)
            }
            #expect(try fake.rows("select count(*) from raw.orders") == [["3"]])
            #expect(fake.table("raw", "_sluice_stage_orders_7") == nil)
        }
    }

    @Test func aBackfillReplacesExactlyTheAskedDays() async throws {
        try await FakeBigQuery.run { fake in
            let warehouse = Self.warehouse(fake)
            try await warehouse.prepare(datasets: ["raw"])
            let days = ["2026-11-10", "2026-11-11", "2026-11-12", "2026-11-13", "2026-11-14"]
            var original: [[Value]] = []
            for (index, day) in days.enumerated() {
                for n in 0..<3 { original.append(Self.order(Int64(index * 10 + n), "old", 1, day: day)) }
            }
            _ = try await Self.load(warehouse, original, write: .truncate)
            fake.clearRecords()

            let fresh = days.enumerated().flatMap { index, day in
                (0..<(index + 1)).map { n in Self.order(Int64(100 + index * 10 + n), "new", 2, day: day) }
            }
            let asked = ["2026-11-11", "2026-11-12", "2026-11-13"]
            let result = try await Self.load(warehouse, fresh.filter { $0[3] != .date("2026-11-13") }, write: .merge(key: ["order_id"]), days: asked)
            #expect(result.rowsLoaded == 2 + 3)
            #expect(result.rowsOutsidePartitions == 1 + 5)
            #expect(result.rowsInTable == 3 + 2 + 3 + 0 + 3)
            let perDay = try fake.rows("select cast(order_date as string), status, count(*) from raw.orders group by 1, 2 order by 1, 2")
            #expect(perDay == [
                ["2026-11-10", "old", "3"], ["2026-11-11", "new", "2"], ["2026-11-12", "new", "3"], ["2026-11-14", "old", "3"],
            ])
            let loads = fake.jobs.filter { $0.type == "LOAD" }
            #expect(loads.map(\.destination) == ["raw.orders$20261111", "raw.orders$20261112", "raw.orders$20261113"])
            #expect(fake.jobs.allSatisfy { $0.type == "LOAD" })
        }
    }

    @Test func modelsBuildAsTablesViewsAndIncrementalMerges() async throws {
        try await FakeBigQuery.run { fake in
            let warehouse = Self.warehouse(fake)
            try await warehouse.prepare(datasets: ["raw", "mart"])
            _ = try await Self.load(warehouse, [
                Self.order(1, "paid", 10, day: "2026-11-10"), Self.order(2, "paid", 20, day: "2026-11-10"),
                Self.order(3, "cancelled", 30, day: "2026-11-11"),
            ], write: .truncate)
            let raw = [try #require(TableName("raw.orders"))]
            let daily = Model(
                name: try #require(TableName("mart.daily")), sqlPath: "models/daily.sql",
                sql: "select order_date as day, countif(status != 'cancelled') as orders, round(sum(if(status != 'cancelled', total, 0)), 2) as revenue\nfrom raw.orders group by order_date\n-- trailing comment",
                materialized: .table, partitionBy: "day", dependencies: raw)
            let stats = try await warehouse.materialize(daily, context: Self.context("model:mart.daily"))
            #expect(stats.rows == 2)
            #expect(stats.bytesBilled == 10 * 1_048_576)
            #expect(try fake.rows("select cast(day as string), orders, revenue from mart.daily order by day") == [
                ["2026-11-10", "2", "30.0"], ["2026-11-11", "0", "0.0"],
            ])
            #expect(fake.table("mart", "daily")?.partitionField == "day")

            let view = Model(
                name: try #require(TableName("mart.paid")), sqlPath: "models/paid.sql",
                sql: "select order_id from `raw.orders` where status = 'paid' -- comment", materialized: .view, dependencies: raw)
            #expect(try await warehouse.materialize(view, context: Self.context("model:mart.paid")).bytesBilled == 0)
            #expect(try fake.rows("select count(*) from mart.paid") == [["2"]])

            let latest = Model(
                name: try #require(TableName("mart.latest")), sqlPath: "models/latest.sql",
                sql: "select order_id, status, total from raw.orders;", materialized: .incremental(uniqueKey: ["order_id"]), dependencies: raw)
            _ = try await warehouse.materialize(latest, context: Self.context("model:mart.latest"))
            _ = try await Self.load(warehouse, [Self.order(3, "refunded", 30, day: "2026-11-11"), Self.order(4, "paid", 40, day: "2026-11-12")], write: .truncate)
            let merged = try await warehouse.materialize(latest, context: Self.context("model:mart.latest"))
            #expect(merged.rows == 2)
            #expect(try fake.rows("select order_id, status from mart.latest where order_id >= 3 order by order_id") == [["3", "refunded"], ["4", "paid"]])
            #expect(try fake.rows("select count(*) from mart.latest") == [["4"]])

            let estimate = try await warehouse.estimateBytes(of: daily)
            #expect(estimate == 10 * 1_048_576)
            #expect(try await warehouse.estimateBytes(of: view) == 0)
            #expect(fake.dryRuns.count == 1 && fake.dryRuns.allSatisfy { $0.bytesBilled == 0 && $0.bytesProcessed > 0 })

            let queries = fake.jobs.filter { $0.type == "QUERY" }
            #expect(queries.map(\.statementType) == ["SELECT", "CREATE_VIEW", "SELECT", "MERGE"])
            #expect(queries.allSatisfy { $0.maximumBytesBilled == Self.cap })
            #expect(queries.map { $0.labels["sluice_step"] } == ["model_mart_daily", "model_mart_paid", "model_mart_latest", "model_mart_latest"])
            #expect(queries.allSatisfy { $0.labels["sluice_pipeline"] == "shop" && $0.labels["sluice_run"] == "7" })
        }
    }

    @Test func checkSQLRunsOnBigQueryAndCountsFailingRows() async throws {
        try await FakeBigQuery.run { fake in
            let warehouse = Self.warehouse(fake)
            try await warehouse.prepare(datasets: ["raw"])
            _ = try await Self.load(warehouse, [
                Self.order(1, "paid", 10, day: "2026-11-10"), Self.order(1, "o'neil", 20, day: "2026-11-10"),
                [.integer(2), .null, .float(-5), .date("2026-11-11"), .null], Self.order(9, "paid", 1, day: "2026-11-11"),
            ], write: .truncate)
            _ = try await Self.load(warehouse, [Self.order(1, "paid", 1, day: "2026-11-10")], write: .truncate, table: "raw.parents")
            let table = try #require(TableName("raw.orders"))
            let checks: [(CheckKind, Int64)] = [
                (.notNull(table, column: "status"), 1),
                (.unique(table, columns: ["order_id"]), 1),
                (.acceptedValues(table, column: "status", values: ["paid", "shipped"]), 1),
                (.relationships(table, column: "order_id", to: try #require(TableName("raw.parents")), field: "order_id"), 2),
                (.sql(query: "select * from raw.orders where total < 0;"), 1),
                (.sql(query: "select order_id from raw.orders where timestamp_diff(current_timestamp(), updated_at, hour) < 0"), 0),
            ]
            for (kind, failing) in checks {
                let check = Check(name: kind.word, kind: kind, severity: .error)
                let sql = try #require(CheckSQL.failingRowsQuery(for: check, dialect: .bigquery))
                let result = try await warehouse.query(sql, limit: 5, context: Self.context("check:\(kind.word)"))
                #expect(result.totalRows == failing, "\(kind.word): \(sql)")
                #expect(result.stats.bytesBilled >= 10 * 1_048_576, "\(kind.word)")
            }
            let invalid = await #expect(throws: WarehouseError.self) {
                try await warehouse.query("select nope from raw.orders", limit: 1, context: Self.context("check:x"))
            }
            #expect(invalid?.reason == "invalidQuery")
            #expect(invalid?.message.contains("Unrecognized name: nope") == true)
            #expect(invalid?.message.contains("(job sluice-test:US.sluice_query_") == true)

            let capped = Self.warehouse(fake, cap: 1_000)
            let refused = await #expect(throws: WarehouseError.self) {
                try await capped.query("select * from raw.orders", limit: 1, context: Self.context("check:y"))
            }
            #expect(refused?.reason == "bytesBilledLimitExceeded")
            #expect(refused?.message.contains("cost.maximum_bytes_billed") == true)
        }
    }

    @Test func freshnessAndVolumeBillNothingByDefault() async throws {
        try await FakeBigQuery.run(now: { Self.clock.now }) { fake in
            let warehouse = Self.warehouse(fake)
            try await warehouse.prepare(datasets: ["raw"])
            let today = Days.string(Self.clock.now, in: TimeZone(identifier: "UTC") ?? .current)
            let days = (0..<10).compactMap { Days.adding(-$0, to: today) }
            _ = try await Self.load(warehouse, days.enumerated().flatMap { index, day in
                (0...index).map { Self.order(Int64(index * 100 + $0), "paid", 1, day: day) }
            }, write: .truncate)
            _ = try await Self.load(warehouse, [Self.order(1, "paid", 1, day: today)], write: .truncate, table: "raw.flat", partitionBy: nil)
            fake.clearRecords()
            let orders = try #require(TableName("raw.orders"))

            let metadataOnly = try await warehouse.freshness(of: orders, loadedAt: nil)
            #expect(metadataOnly.exists && metadataOnly.rowCount == 55)
            #expect(abs((metadataOnly.lastModified ?? .distantPast).timeIntervalSince(Self.clock.now)) < 1)
            let total = try await warehouse.rowsPerDay(of: orders, column: nil, since: nil)
            #expect(total == [DayCount(day: today, rows: 55)])
            let perDay = try await warehouse.rowsPerDay(of: orders, column: "order_date", since: days[4])
            #expect(perDay == (0...4).reversed().map { DayCount(day: days[$0], rows: Int64($0 + 1)) })
            #expect(try await warehouse.freshness(of: try #require(TableName("raw.missing")), loadedAt: nil) == TableFreshness(exists: false))

            #expect(fake.requests(.jobsInsert).count == 1)
            #expect(fake.jobs.count == 1 && fake.jobs.allSatisfy { $0.bytesBilled == 0 && $0.bytesProcessed == 0 })
            #expect(fake.jobs.first?.sql?.contains("INFORMATION_SCHEMA.PARTITIONS") == true)
            #expect(fake.requests(.uploadMultipart).isEmpty && fake.requests(.uploadResumableStart).isEmpty)

            fake.clearRecords()
            let newest = try await warehouse.freshness(of: orders, loadedAt: "updated_at")
            let expected = try #require(BigQueryTestDates.instant("\(today) 10:15:00"))
            #expect(newest.newestLoadedAt == expected)
            let recent = try #require(fake.jobs.first?.sql)
            #expect(recent.contains("WHERE `order_date` >= DATE '\(Days.adding(-7, to: today) ?? "")'"))
            #expect(fake.jobs.count == 1)
            let flat = try await warehouse.rowsPerDay(of: try #require(TableName("raw.flat")), column: "updated_at", since: days[3])
            #expect(flat == [DayCount(day: today, rows: 1)])
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
            #expect(fake.requests(.uploadResumableChunk).map(\.status).contains(500))
            #expect(fake.requests(.tablesGet).map(\.status).prefix(2) == [403, 200])

            fake.inject(.backendErrorJob, on: .jobsInsert)
            fake.inject(.internalError, on: .getQueryResults)
            fake.inject(.slow(polls: 3), on: .jobsInsert)
            let counted = try await warehouse.query("select count(*) as n from raw.orders", limit: 1, context: Self.context("check:count"))
            #expect(counted.rows == [["2000"]])
            let attempts = fake.jobs.filter { $0.sql == "select count(*) as n from raw.orders" }
            #expect(attempts.map(\.errorReason) == ["backendError", nil])

            fake.inject(.duplicateAfterCreating, on: .jobsInsert)
            let again = try await warehouse.query("select max(order_id) as m from raw.orders", limit: 1, context: Self.context("check:max"))
            #expect(again.rows == [["2000"]])
            #expect(fake.jobs.filter { $0.sql == "select max(order_id) as m from raw.orders" }.count == 1)
            #expect(fake.requests(.jobsInsert).map(\.status).suffix(1) == [409])
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
