import BigQueryAPI
import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Warehouse
@testable import Worker

/// The BigQuery warehouse against a real BigQuery-compatible server, for what the fake BigQuery
/// cannot tell (it answers canned results and runs no SQL): that a merge keeps the newest version
/// of each key, that a backfill replaces exactly the asked days, that models and checks compute
/// what they should in GoogleSQL, and that the demo shop's BigQuery models add up.
///
/// Opt-in, because no BigQuery emulator can be installed on CI here: goccy/bigquery-emulator
/// comes as a prebuilt binary or container image, which CI cannot fetch, and PyPI's
/// `local-bigquery` downloads DuckDB extensions at run time (offline, with DuckDB 1.4.4 and the
/// `duckdb-ext-*` packages, it starts but fails on partitioned tables). It runs only when
/// `BIGQUERY_EMULATOR_HOST` names a server, e.g. goccy/bigquery-emulator started with
/// `--project=sluice-test --port=9050`, then
/// `BIGQUERY_EMULATOR_HOST=localhost:9050 swift test --filter BigQueryEmulatorTests`.
/// `BIGQUERY_EMULATOR_PROJECT` names the server's project (default `sluice-test`). Each test
/// works in datasets of its own (`raw_<random>`), so runs and parallel tests do not collide.
@Suite(
    "BigQuery warehouse on a BigQuery emulator (opt-in: BIGQUERY_EMULATOR_HOST)",
    .enabled(if: ProcessInfo.processInfo.environment["BIGQUERY_EMULATOR_HOST"] != nil))
struct BigQueryEmulatorTests: BigQueryWarehouseSuite {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }
    static var project: String { environment["BIGQUERY_EMULATOR_PROJECT"] ?? "sluice-test" }

    static func client() -> BigQueryClient {
        var logger = Logger(label: "bigquery-emulator-test")
        logger.logLevel = .warning
        return BigQueryClient(
            project: project, location: "US", endpoint: BigQueryClient.endpoint(environment: environment), tokens: NoTokenProvider(),
            retry: RetryPolicy(maxAttempts: 3, requestTimeout: .seconds(60), jobTimeout: .seconds(120)), logger: logger)
    }

    static func warehouse(cap: Int64? = 50_000_000_000) -> BigQueryWarehouse {
        BigQueryWarehouse(client: client(), cost: CostConfig(maximumBytesBilled: cap), clock: Self.clock)
    }

    /// A dataset name no other test or run uses.
    static func dataset(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    static func rows(_ warehouse: BigQueryWarehouse, _ sql: String) async throws -> [[String?]] {
        try await warehouse.query(sql, limit: 10_000, context: Self.context("check:emulator")).rows
    }

    @Test func aMergeKeepsTheNewestVersionOfEachKeyAndDropsItsStagingTable() async throws {
        let warehouse = Self.warehouse()
        let raw = Self.dataset("raw")
        try await warehouse.prepare(datasets: [raw])
        let table = "\(raw).orders"
        _ = try await Self.load(warehouse, [
            Self.order(1, "processing", 10, day: "2026-11-10"), Self.order(2, "processing", 20, day: "2026-11-10"),
        ], write: .merge(key: ["order_id"]), table: table)
        let second = try await Self.load(warehouse, [
            Self.order(2, "shipped", 21, day: "2026-11-10"), Self.order(3, "processing", 30, day: "2026-11-11"),
            Self.order(2, "delivered", 22, day: "2026-11-10"),
        ], write: .merge(key: ["order_id"]), table: table)
        #expect(second.rowsLoaded == 2 && second.rowsInTable == 3)
        let stored = try await Self.rows(warehouse, "select order_id, status from `\(table)` order by order_id")
        #expect(stored == [["1", "processing"], ["2", "delivered"], ["3", "processing"]])
        #expect(try await Self.client().table(dataset: raw, table: "_sluice_stage_orders_7") == nil)

        await #expect(throws: WarehouseError.self) {
            try await Self.load(
                warehouse, [Self.order(4, "x", 1, day: "2026-11-12"), Self.order(5, "x", 1, day: "2026-11-12")],
                write: .merge(key: ["order_id"]), table: table, failAfter: 1)
        }
        #expect(try await Self.rows(warehouse, "select count(*) from `\(table)`") == [["3"]])
    }

    @Test func aBackfillReplacesExactlyTheAskedDays() async throws {
        let warehouse = Self.warehouse()
        let raw = Self.dataset("raw")
        try await warehouse.prepare(datasets: [raw])
        let table = "\(raw).orders"
        let days = ["2026-11-10", "2026-11-11", "2026-11-12", "2026-11-13", "2026-11-14"]
        let original = days.enumerated().flatMap { index, day in (0..<3).map { Self.order(Int64(index * 10 + $0), "old", 1, day: day) } }
        _ = try await Self.load(warehouse, original, write: .truncate, table: table)
        let fresh = days.enumerated().flatMap { index, day in
            (0..<(index + 1)).map { n in Self.order(Int64(100 + index * 10 + n), "new", 2, day: day) }
        }
        let result = try await Self.load(
            warehouse, fresh.filter { $0[3] != .date("2026-11-13") }, write: .merge(key: ["order_id"]),
            days: ["2026-11-11", "2026-11-12", "2026-11-13"], table: table)
        #expect(result.rowsLoaded == 5 && result.rowsOutsidePartitions == 6 && result.rowsInTable == 11)
        let perDay = try await Self.rows(
            warehouse, "select cast(order_date as string), status, count(*) from `\(table)` group by 1, 2 order by 1, 2")
        #expect(perDay == [
            ["2026-11-10", "old", "3"], ["2026-11-11", "new", "2"], ["2026-11-12", "new", "3"], ["2026-11-14", "old", "3"],
        ])
    }

    @Test func modelsBuildAsTablesViewsAndIncrementalMerges() async throws {
        let warehouse = Self.warehouse()
        let raw = Self.dataset("raw"), mart = Self.dataset("mart")
        try await warehouse.prepare(datasets: [raw, mart])
        let orders = try #require(TableName("\(raw).orders"))
        _ = try await Self.load(warehouse, [
            Self.order(1, "paid", 10, day: "2026-11-10"), Self.order(2, "paid", 20, day: "2026-11-10"),
            Self.order(3, "cancelled", 30, day: "2026-11-11"),
        ], write: .truncate, table: orders.description)
        let daily = Model(
            name: try #require(TableName("\(mart).daily")), sqlPath: "models/daily.sql",
            sql: "select order_date as day, countif(status != 'cancelled') as orders, round(sum(if(status != 'cancelled', total, 0)), 2) as revenue\nfrom `\(orders)` group by order_date\n-- trailing comment",
            materialized: .table, partitionBy: "day", dependencies: [orders])
        #expect(try await warehouse.materialize(daily, context: Self.context("model:mart.daily")).rows == 2)
        let built = try await Self.rows(warehouse, "select cast(day as string), orders, revenue from `\(mart).daily` order by day")
        #expect(built.map { [$0[0], $0[1], $0[2].flatMap(Double.init).map { String($0) }] } == [["2026-11-10", "2", "30.0"], ["2026-11-11", "0", "0.0"]])

        let view = Model(
            name: try #require(TableName("\(mart).paid")), sqlPath: "models/paid.sql",
            sql: "select order_id from `\(orders)` where status = 'paid' -- comment", materialized: .view, dependencies: [orders])
        _ = try await warehouse.materialize(view, context: Self.context("model:mart.paid"))
        #expect(try await Self.rows(warehouse, "select count(*) from `\(mart).paid`") == [["2"]])

        let latest = Model(
            name: try #require(TableName("\(mart).latest")), sqlPath: "models/latest.sql",
            sql: "select order_id, status, total from `\(orders)`;", materialized: .incremental(uniqueKey: ["order_id"]), dependencies: [orders])
        _ = try await warehouse.materialize(latest, context: Self.context("model:mart.latest"))
        _ = try await Self.load(
            warehouse, [Self.order(3, "refunded", 30, day: "2026-11-11"), Self.order(4, "paid", 40, day: "2026-11-12")], write: .truncate,
            table: orders.description)
        #expect(try await warehouse.materialize(latest, context: Self.context("model:mart.latest")).rows == 2)
        #expect(try await Self.rows(warehouse, "select order_id, status from `\(mart).latest` order by order_id") == [
            ["1", "paid"], ["2", "paid"], ["3", "refunded"], ["4", "paid"],
        ])
        let processed = try await warehouse.estimateBytes(of: daily)
        #expect(processed >= 0 && CostModel.billedEstimate(bytesProcessed: processed, referencedTables: 1) >= 10 * 1_048_576)
    }

    @Test func everyCheckKindCountsItsFailingRowsInGoogleSQL() async throws {
        let warehouse = Self.warehouse()
        let raw = Self.dataset("raw")
        try await warehouse.prepare(datasets: [raw])
        _ = try await Self.load(warehouse, [
            Self.order(1, "paid", 10, day: "2026-11-10"), Self.order(1, "o'neil", 20, day: "2026-11-10"),
            [.integer(2), .null, .float(-5), .date("2026-11-11"), .null], Self.order(9, "paid", 1, day: "2026-11-11"),
        ], write: .truncate, table: "\(raw).orders")
        _ = try await Self.load(warehouse, [Self.order(1, "paid", 1, day: "2026-11-10")], write: .truncate, table: "\(raw).parents")
        let table = try #require(TableName("\(raw).orders"))
        let checks: [(CheckKind, Int64)] = [
            (.notNull(table, column: "status"), 1),
            (.unique(table, columns: ["order_id"]), 1),
            (.acceptedValues(table, column: "status", values: ["paid", "shipped"]), 1),
            (.relationships(table, column: "order_id", to: try #require(TableName("\(raw).parents")), field: "order_id"), 2),
            (.sql(query: "select * from `\(raw).orders` where total < 0;"), 1),
        ]
        for (kind, failing) in checks {
            let sql = try #require(CheckSQL.failingRowsQuery(for: Check(name: kind.word, kind: kind, severity: .error), dialect: .bigquery))
            #expect(try await warehouse.query(sql, limit: 5, context: Self.context("check:\(kind.word)")).totalRows == failing, "\(sql)")
        }
        let invalid = await #expect(throws: WarehouseError.self) {
            try await warehouse.query("select nope from `\(raw).orders`", limit: 1, context: Self.context("check:x"))
        }
        #expect(invalid?.reason == "invalidQuery")
    }

    @Test func theDemoShopsBigQueryModelsAddUp() async throws {
        // The manifest's datasets (raw, staging, mart) are fixed: run this against an emulator of its own.
        let workspace = try Workspace()
        let clock = TestClock()
        let manifest = try BigQueryPipelineTests.shopManifest(workspace, clock: clock, project: Self.project)
        let warehouse = BigQueryWarehouse(client: Self.client(), cost: manifest.cost, clock: clock)
        var logger = Logger(label: "bigquery-emulator-pipeline")
        logger.logLevel = .warning
        let state = try workspace.stateStore()
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: clock, logger: logger)
        let run = try await runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "test", costConfirmed: true))
        let steps = try await state.read { try $0.steps(runID: run.id) }
        // Loads and models must all succeed; checks may depend on what metadata the emulator serves.
        let broken = steps.filter { $0.kind != .check && $0.state != .succeeded }
        #expect(broken.isEmpty, "\(broken.map { "\($0.stepID): \($0.error ?? "")" })")
        let count = { (sql: String) async throws -> Int in Int(try await Self.rows(warehouse, sql).first?.first.flatMap { $0 } ?? "") ?? -1 }
        #expect(try await count("select count(*) from raw.orders") == 2_000)
        let martOrders = try await count("select sum(orders) from mart.daily_sales")
        #expect(martOrders > 0)
        #expect(martOrders == (try await count("select count(*) from staging.stg_orders where status != 'cancelled'")))
        #expect(try await count("select count(*) from mart.orders_by_state") > 0)
    }
}
