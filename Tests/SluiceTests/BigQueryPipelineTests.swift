import BigQueryAPI
import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Warehouse
@testable import Worker

@Suite("The demo shop pipeline on (fake) BigQuery")
struct BigQueryPipelineTests {
    static var logger: Logger {
        var logger = Logger(label: "bigquery-pipeline-test")
        logger.logLevel = .warning
        return logger
    }

    /// The checked-in demo manifest and models in a temporary workspace, with fresh demo data, and
    /// the warehouse block switched to BigQuery — the one change a user makes.
    static func shopManifest(_ workspace: Workspace, clock: TestClock, project: String = "sluice-test") throws -> Manifest {
        try FileManager.default.copyItem(atPath: Workspace.repositoryRoot + "/manifest", toPath: workspace.path("manifest"))
        try? FileManager.default.removeItem(atPath: workspace.path("manifest/demo"))
        try DemoData.write(orders: 2_000, to: workspace.path("manifest/demo"), endingAt: clock.now)
        let yaml = try String(contentsOfFile: workspace.path("manifest/sluice.yml"), encoding: .utf8)
        let sqliteBlock = "warehouse: { kind: sqlite, path: .sluice/warehouse }"
        #expect(yaml.contains(sqliteBlock))
        let manifest = try workspace.manifest(
            yaml.replacingOccurrences(of: sqliteBlock, with: "warehouse: { kind: bigquery, project: \(project), location: US }"))
        #expect(manifest.warehouse == .bigquery(project: project, location: "US"))
        return manifest
    }

    static func warehouse(_ fake: FakeBigQuery, manifest: Manifest, clock: TestClock) -> BigQueryWarehouse {
        guard case let .bigquery(project, location) = manifest.warehouse else {
            return BigQueryWarehouse(client: client(fake, project: fake.project, location: fake.location), cost: manifest.cost, clock: clock)
        }
        return BigQueryWarehouse(client: client(fake, project: project, location: location), cost: manifest.cost, clock: clock)
    }

    static func client(_ fake: FakeBigQuery, project: String, location: String) -> BigQueryClient {
        BigQueryClient(
            project: project, location: location, endpoint: fake.baseURL, tokens: NoTokenProvider(), retry: .immediate,
            uploads: UploadOptions(multipartLimit: 256 * 1024, chunkSize: 256 * 1024), logger: logger)
    }

    static func count(_ fake: FakeBigQuery, _ sql: String) throws -> Int {
        Int(try fake.rows(sql).first?.first.flatMap { $0 } ?? "") ?? -1
    }

    @Test func theShopPipelineRunsEndToEndIncludingARetriedJobAndAThreeDayBackfill() async throws {
        let workspace = try Workspace()
        let clock = TestClock()
        let manifest = try Self.shopManifest(workspace, clock: clock)
        try await FakeBigQuery.run(now: { clock.now }) { fake in
            let state = try workspace.stateStore()
            let warehouse = Self.warehouse(fake, manifest: manifest, clock: clock)
            let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: clock, logger: Self.logger)
            fake.inject(.backendErrorJob, on: .jobsInsert)
            fake.inject(.unavailable, on: .tablesGet)
            fake.inject(.tooManyRequests, on: .uploadMultipart)

            // Confirmed: these runs are about the wire; the cost guard's dry runs are covered in CostGuardTests.
            let first = try await runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "test", costConfirmed: true))
            let steps = try await state.read { try $0.steps(runID: first.id) }
            #expect(first.state == .succeeded, "failed steps: \(steps.filter { $0.state != .succeeded }.map { "\($0.stepID): \($0.error ?? "")" })")
            #expect(steps.count == 4 + 8 + 12)
            #expect(fake.datasetNames == ["raw", "staging", "mart"])
            #expect(try Self.count(fake, "select count(*) from raw.orders") == 2_000)
            let martOrders = try Self.count(fake, "select sum(orders) from mart.daily_sales")
            #expect(martOrders > 0)
            #expect(martOrders == (try Self.count(fake, "select count(*) from staging.stg_orders where status != 'cancelled'")))
            #expect(try Self.count(fake, "select count(*) from mart.orders_by_state") > 0)
            #expect(fake.table("raw", "orders")?.partitionField == "order_date")

            let failed = fake.jobs.filter { $0.errorReason != nil }
            #expect(failed.map(\.errorReason) == ["backendError"], "\(fake.jobs.map { "\($0.jobID) \($0.sql ?? "") \($0.errorReason ?? "")" })")
            #expect(fake.jobs.contains { $0.sql == failed.first?.sql && $0.errorReason == nil }, "the failed job was run again")
            #expect(fake.requests(.tablesGet).contains { $0.status == 503 })
            #expect(fake.requests(.uploadMultipart).contains { $0.status == 429 })

            let queries = fake.jobs.filter { $0.type == "QUERY" }
            #expect(queries.allSatisfy { $0.maximumBytesBilled == manifest.cost.maximumBytesBilled })
            let runLabel = String(first.id)
            let stepJobs = queries.filter { $0.labels["sluice_run"] != nil }
            #expect(stepJobs.allSatisfy { $0.labels["sluice_pipeline"] == "shop" && $0.labels["sluice_run"] == runLabel })
            #expect(Set(stepJobs.compactMap { $0.labels["sluice_step"] }).isSuperset(of: ["model_mart_daily_sales", "load_raw_orders", "check_negative_totals"]))
            #expect(queries.filter { $0.labels["sluice_run"] == nil }.allSatisfy { ($0.labels["sluice_step"] ?? "").hasPrefix("freshness_") || ($0.labels["sluice_step"] ?? "").hasPrefix("volume_") })
            let model = try #require(steps.first { $0.stepID == "model:mart.daily_sales" })
            #expect(model.bytesBilled >= 2 * 10 * 1_048_576)
            #expect(fake.jobs.contains { $0.sql?.contains("INFORMATION_SCHEMA.PARTITIONS") == true && $0.bytesBilled == 0 })

            // A three-day backfill replaces exactly those days of raw.orders.
            let days = try fake.rows("select distinct cast(order_date as string) from raw.orders order by 1 desc").compactMap { $0.first ?? nil }
            try #require(days.count >= 6)
            let backfill = Array(days[2...4]).sorted()
            let outside = days[5]
            func perDay() throws -> [String: Int] {
                var counts: [String: Int] = [:]
                for row in try fake.rows("select cast(order_date as string), count(*) from raw.orders group by 1") {
                    if let day = row[0], let text = row[1], let count = Int(text) { counts[day] = count }
                }
                return counts
            }
            let before = try perDay()
            let tamper = JobContext(pipeline: "shop", runID: 0, stepID: "test")
            func outsideTotal() throws -> Double {
                Double(try fake.rows("select sum(total) from raw.orders where order_date = DATE '\(outside)'").first?.first.flatMap { $0 } ?? "") ?? -1
            }
            let untouched = try outsideTotal()
            _ = try await warehouse.query("delete from raw.orders where order_date = DATE '\(backfill[1])'", limit: 0, context: tamper)
            _ = try await warehouse.query("update raw.orders set total = total + 1000 where order_date = DATE '\(outside)'", limit: 0, context: tamper)
            #expect(try perDay()[backfill[1]] == nil)
            fake.clearRecords()
            let refill = try await runner.run(RunRequest(pipeline: "shop", trigger: .backfill, requestedBy: "test", backfillDays: backfill))
            let refillSteps = try await state.read { try $0.steps(runID: refill.id) }
            #expect(refill.state == .succeeded, "failed steps: \(refillSteps.filter { $0.state == .failed }.map { "\($0.stepID): \($0.error ?? "")" })")
            #expect(try perDay() == before, "the backfilled days hold their rows again; no other day changed")
            #expect(abs(try outsideTotal() - (untouched + 1000 * Double(before[outside] ?? 0))) < 0.01, "a day outside the backfill kept its edited rows")
            let decorated = fake.jobs.compactMap(\.destination).filter { $0.hasPrefix("raw.orders") }
            #expect(decorated == backfill.map { "raw.orders$" + $0.replacingOccurrences(of: "-", with: "") })
        }
    }

    @Test func theExampleManifestIsTheShopPipelineWithOnlyTheWarehouseChanged() throws {
        let workspace = try Workspace()
        try FileManager.default.copyItem(atPath: Workspace.repositoryRoot + "/manifest", toPath: workspace.path("manifest"))
        let sqlite = try workspace.manifest(try String(contentsOfFile: workspace.path("manifest/sluice.yml"), encoding: .utf8))
        let bigquery = try workspace.manifest(try String(contentsOfFile: workspace.path("manifest/bigquery.example.yml"), encoding: .utf8))
        #expect(bigquery.warehouse == .bigquery(project: "my-project", location: "US"))
        #expect(bigquery.pipelines == sqlite.pipelines)
        #expect(bigquery.cost == sqlite.cost && bigquery.cost.maximumBytesBilled == 50_000_000_000)
        #expect(bigquery.slack == sqlite.slack && bigquery.access == sqlite.access && bigquery.timeZone == sqlite.timeZone)
    }

    @Test func aMisconfiguredBigQueryFailsTheRunFastWithOneClearMessage() async throws {
        let workspace = try Workspace()
        let clock = TestClock()
        let manifest = try Self.shopManifest(workspace, clock: clock)
        try await FakeBigQuery.run(now: { clock.now }) { fake in
            fake.allowDatasetCreation(false)
            let state = try workspace.stateStore()
            let runner = PipelineRunner(
                manifest: manifest, state: state, warehouse: Self.warehouse(fake, manifest: manifest, clock: clock),
                clock: clock, logger: Self.logger)
            let denied = try await runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "test", costConfirmed: true))
            #expect(denied.state == .failed)
            let message = denied.error ?? ""
            #expect(message.contains("BigQuery could not create dataset mart in project sluice-test (location US): Access Denied"), "\(message)")
            #expect(message.contains("bigquery.datasets.create"))
            #expect(message.contains("grant it roles/bigquery.jobUser and roles/bigquery.dataEditor"))
            #expect(message.hasSuffix("[accessDenied]"))
            // The run-result message in Slack says the same.
            let posted = try await state.read { try $0.outbox(state: nil, limit: 10) }
            let result = try #require(posted.first { $0.message.text == "shop run \(denied.id) failed" })
            #expect(result.message.blocks.description.contains("bigquery.datasets.create"))
            #expect(result.message.blocks.description.contains("[accessDenied]"))
            #expect(fake.requests(.datasetsInsert).count == 1, "no retries, no other dataset tried")
            #expect(fake.jobs.isEmpty, "no step started")
        }

        let elsewhere = try Workspace()
        let typo = try Self.shopManifest(elsewhere, clock: clock, project: "sluice-tset")
        try await FakeBigQuery.run(now: { clock.now }) { fake in
            let runner = PipelineRunner(
                manifest: typo, state: try elsewhere.stateStore(), warehouse: Self.warehouse(fake, manifest: typo, clock: clock),
                clock: clock, logger: Self.logger)
            let missing = try await runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "test", costConfirmed: true))
            #expect(missing.state == .failed)
            let message = missing.error ?? ""
            #expect(message.contains("BigQuery could not create dataset mart in project sluice-tset (location US): Not found: Project sluice-tset"), "\(message)")
            #expect(message.contains("check warehouse.project in the manifest"))
            #expect(message.hasSuffix("[notFound]"))
            #expect(fake.requests(.datasetsInsert).count == 1)
            #expect(fake.jobs.isEmpty)
        }
    }
}
