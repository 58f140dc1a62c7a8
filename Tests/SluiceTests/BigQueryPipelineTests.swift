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

    /// `YYYYMMDD` of a day.
    static func compact(_ day: String) -> String { day.replacingOccurrences(of: "-", with: "") }

    /// Where the first job matching `predicate` is among `jobs` (-1: nowhere).
    static func position(_ jobs: [FakeJob], _ predicate: (FakeJob) -> Bool) -> Int {
        jobs.firstIndex(where: predicate) ?? -1
    }

    /// The `order_date`s of a load's rows, each with its number of rows.
    static func ordersPerDay(_ job: FakeJob) -> [String: Int] {
        job.rows.reduce(into: [:]) { counts, row in counts[row["order_date"] as? String ?? "", default: 0] += 1 }
    }

    /// What the first run sent: datasets, retries, the jobs in their order, labels, byte caps and
    /// bytes billed. Returns the staged orders per day.
    static func expectTheWire(
        of first: RunRecord, steps: [StepRecord], fake: FakeBigQuery, manifest: Manifest, workspace: Workspace
    ) throws -> [String: Int] {
        #expect(steps.count == 4 + 8 + 12)
        #expect(fake.datasetNames == ["raw", "staging", "mart"])
        #expect(fake.requests(.datasetsInsert).map(\.status) == [200, 409, 200], "mart and staging created, raw already there")

        // Retries: the failed job ran again under a new id; 503 and 429 were retried.
        let failed = fake.jobs.filter { $0.errorReason != nil }
        #expect(failed.map(\.errorReason) == ["backendError"])
        #expect(fake.jobs.contains { $0.sql == failed.first?.sql && $0.errorReason == nil && $0.id != failed.first?.id }, "the failed job was run again")
        #expect(fake.requests(.tablesGet).contains { $0.status == 503 })
        #expect(fake.requests(.uploadMultipart).contains { $0.status == 429 })

        // The jobs, in an order that respects what each step reads.
        let done = fake.jobs.filter { $0.errorReason == nil }
        let staging = "raw._sluice_stage_orders_\(first.id)"
        let loads = done.filter { $0.type == "LOAD" }
        #expect(Set(loads.compactMap(\.destination)) == ["raw.customers", "raw.products", "raw.order_items", staging])
        let staged = try #require(loads.first { $0.destination == staging })
        #expect(staged.outputRows == 2_000 && staged.writeDisposition == "WRITE_TRUNCATE")
        let merges = done.filter { $0.sql?.hasPrefix("MERGE `raw.orders` AS T") == true }
        #expect(merges.count == 1 && merges.first?.sql?.contains("FROM `\(staging)`") == true)
        #expect(!done.contains { $0.sql?.hasPrefix("CREATE TABLE") == true }, "raw.orders exists: no CREATE")
        #expect(fake.requests(.tablesDelete).map { "\($0.path) \($0.status)" } == ["/bigquery/v2/projects/sluice-test/datasets/raw/tables/_sluice_stage_orders_\(first.id) 204"])
        let merge = Self.position(done) { $0.sql?.hasPrefix("MERGE `raw.orders`") == true }
        #expect(Self.position(done) { $0.destination == staging } < merge)
        #expect(merge < Self.position(done) { $0.destination == "staging.stg_orders" })
        #expect(Self.position(done) { $0.destination == "staging.stg_orders" } < Self.position(done) { $0.destination == "mart.daily_sales" })
        #expect(Self.position(done) { $0.destination == "staging.stg_orders" } < Self.position(done) { $0.labels["sluice_step"] == "check_not_null_stg_orders_order_id" })
        let models = done.filter { $0.type == "QUERY" && $0.destination != nil }
        #expect(Set(models.compactMap(\.destination)) == Set(manifest.pipelines.flatMap(\.models).map(\.name.description)))
        #expect(models.count == 8 && models.allSatisfy { $0.writeDisposition == "WRITE_TRUNCATE" && $0.createDisposition == "CREATE_IF_NEEDED" })
        let stgOrders = try String(contentsOfFile: workspace.path("manifest/models/staging/stg_orders.sql"), encoding: .utf8)
        #expect(models.first { $0.destination == "staging.stg_orders" }?.sql == stgOrders.trimmingCharacters(in: .whitespacesAndNewlines))

        // Labels and the byte cap on every job; bytes billed recorded on the steps.
        let queries = fake.jobs.filter { $0.type == "QUERY" }
        #expect(queries.allSatisfy { $0.maximumBytesBilled == manifest.cost.maximumBytesBilled })
        let runJobs = fake.jobs.filter { $0.labels["sluice_run"] != nil }
        #expect(runJobs.allSatisfy { $0.labels["sluice_pipeline"] == "shop" && $0.labels["sluice_run"] == String(first.id) && $0.labels.count == 3 })
        #expect(Set(runJobs.compactMap { $0.labels["sluice_step"] }).isSuperset(of: ["model_mart_daily_sales", "load_raw_orders", "check_negative_totals"]))
        #expect(runJobs.count == fake.jobs.count, "the checks' freshness and volume queries belong to the run too")
        #expect(fake.jobs.contains { $0.labels["sluice_step"] == "check_volume_orders" && $0.sql?.contains("INFORMATION_SCHEMA.PARTITIONS") == true })
        #expect(fake.jobs.contains { $0.labels["sluice_step"] == "check_freshness_orders" && $0.sql?.hasPrefix("SELECT MAX(`updated_at`)") == true })
        let billed = Dictionary(steps.map { ($0.stepID, $0.bytesBilled) }, uniquingKeysWith: { first, _ in first })
        let minimum: Int64 = 10 * 1_048_576
        #expect(billed["model:mart.daily_sales"] == minimum)
        #expect(billed["load:raw.orders"] == minimum, "the MERGE is billed, the load is not")
        #expect(billed["load:raw.customers"] == 0)
        #expect(billed["check:freshness_orders"] == minimum && billed["check:volume_orders"] == minimum, "metadata queries are billed")
        #expect(billed["check:not_null_stg_orders_order_id"] == minimum)

        return ordersPerDay(staged)
    }

    /// What the backfill sent: one WRITE_TRUNCATE load per asked day into its partition.
    static func expectTheBackfillWire(of refill: RunRecord, days backfill: [String], fake: FakeBigQuery, ordersPerDay byDay: [String: Int]) {
        let decorated = fake.jobs.filter { $0.destination?.hasPrefix("raw.orders") == true }
        #expect(decorated.map(\.destination) == backfill.map { "raw.orders$" + compact($0) })
        #expect(decorated.allSatisfy { $0.writeDisposition == "WRITE_TRUNCATE" && $0.partitionField == "order_date" })
        #expect(decorated.allSatisfy { $0.labels["sluice_run"] == String(refill.id) })
        #expect(decorated.map(ordersPerDay) == backfill.map { [$0: byDay[$0] ?? -1] }, "each day's orders, all of them, and no other day's")
        #expect(!fake.jobs.contains { $0.sql?.hasPrefix("MERGE `raw.orders`") == true } && fake.requests(.tablesDelete).isEmpty, "no staging, no merge")
        #expect(fake.jobs.contains { $0.destination == "mart.daily_sales" }, "what reads raw.orders is rebuilt")
    }

    @Test func theShopPipelineRunsEndToEndIncludingARetriedJobAndAThreeDayBackfill() async throws {
        let workspace = try Workspace()
        let clock = TestClock()
        let manifest = try Self.shopManifest(workspace, clock: clock)
        try await FakeBigQuery.run(now: { clock.now }) { fake in
            let state = try workspace.stateStore()
            let warehouse = Self.warehouse(fake, manifest: manifest, clock: clock)
            let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: clock, logger: Self.logger)
            // What the fake is told: every query processes a little (so it bills BigQuery's 10 MiB
            // minimum), raw.orders exists day-partitioned (freshness and volume read its metadata),
            // and its newest updated_at is an hour old. Everything else answers no rows.
            fake.respond { _ in FakeAnswer(bytesProcessed: 1) }
            fake.setTable("raw", "orders", fields: [
                FakeField(name: "order_id", type: "INT64"), FakeField(name: "order_date", type: "DATE"), FakeField(name: "updated_at", type: "TIMESTAMP"),
            ], partitionField: "order_date", numRows: 2_000)
            fake.respond(toQueryContaining: "SELECT MAX(`updated_at`)", with: FakeAnswer(
                fields: [FakeField(name: "newest", type: "TIMESTAMP")], rows: [[FakeAnswer.micros(clock.now.addingTimeInterval(-3_600))]], bytesProcessed: 1))
            fake.inject(.backendErrorJob, on: .jobsInsert)
            fake.inject(.unavailable, on: .tablesGet)
            fake.inject(.tooManyRequests, on: .uploadMultipart)

            // Confirmed: these runs are about the wire; the cost guard's dry runs are covered in CostGuardTests.
            let first = try await runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "test", costConfirmed: true))
            let steps = try await state.read { try $0.steps(runID: first.id) }
            #expect(first.state == .succeeded, "failed steps: \(steps.filter { $0.state != .succeeded }.map { "\($0.stepID): \($0.error ?? "")" })")
            let byDay = try Self.expectTheWire(of: first, steps: steps, fake: fake, manifest: manifest, workspace: workspace)

            // A three-day backfill loads exactly those days into their partitions.
            let days = byDay.keys.sorted(by: >)
            try #require(days.count >= 6)
            let backfill = Array(days[2...4]).sorted()
            fake.clearRecords()
            let refill = try await runner.run(RunRequest(pipeline: "shop", trigger: .backfill, requestedBy: "test", backfillDays: backfill))
            let refillSteps = try await state.read { try $0.steps(runID: refill.id) }
            #expect(refill.state == .succeeded, "failed steps: \(refillSteps.filter { $0.state == .failed }.map { "\($0.stepID): \($0.error ?? "")" })")
            Self.expectTheBackfillWire(of: refill, days: backfill, fake: fake, ordersPerDay: byDay)
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
