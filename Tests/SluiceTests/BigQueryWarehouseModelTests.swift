import BigQueryAPI
import Foundation
import Logging
import SluiceCore
import Testing
import Warehouse

/// Models and queries against the fake BigQuery: destination queries, views and incremental merges;
/// limits, row counts and BigQuery's reasons.
@Suite("BigQuery warehouse on the wire: models and queries")
struct BigQueryWarehouseModelTests: BigQueryWarehouseSuite {
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

            #expect(try await warehouse.estimateBytes(of: daily) == 120, "the dry run's bytes processed; JobEstimate applies the minimum")
            #expect(try await warehouse.estimateBytes(of: view) == 0)
            #expect(fake.dryRuns.map(\.sql) == [dailySQL])
            #expect(fake.dryRuns.first?.labels == ["sluice_step": "estimate_mart_daily"])

            let queries = fake.jobs
            #expect(queries.count == 4)
            #expect(queries.allSatisfy { $0.maximumBytesBilled == Self.cap })
            #expect(queries.map(\.labels) == ["model_mart_daily", "model_mart_paid", "model_mart_latest", "model_mart_latest"].map { Self.labels(step: $0) })
        }
    }

    @Test func aModelWhoseTableIsMissingAfterItsJobIsNotReportedBuilt() async throws {
        try await FakeBigQuery.run { fake in
            let warehouse = Self.warehouse(fake)
            try await warehouse.prepare(datasets: ["mart"])
            let model = Model(
                name: try #require(TableName("mart.daily")), sqlPath: "models/daily.sql", sql: "select 1 as n", materialized: .table,
                dependencies: [])
            fake.inject(.loseDestination, on: .jobsInsert)
            let error = await #expect(throws: WarehouseError.self) {
                try await warehouse.materialize(model, context: Self.context("model:mart.daily"))
            }
            #expect(error?.message.contains("reported the job that builds mart.daily done, but mart.daily does not exist afterwards") == true,
                    "\(error?.message ?? "")")
            // Built again, it is there and reported built.
            #expect(try await warehouse.materialize(model, context: Self.context("model:mart.daily")).rows == 0)
            #expect(fake.table("mart", "daily") != nil)
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
}
