import Foundation
import Logging
import Synchronization
import Testing
import SluiceCore
import StateStore
import Warehouse
@testable import Worker

@Suite("Pipeline runs on the SQLite warehouse")
struct PipelineRunnerTests {
    static let logger = Logger(label: "test")

    /// A small pipeline: one CSV loaded incrementally, one model, one check on it.
    static func miniManifest(maxBadRecords: Int = 0) -> String {
        """
        timezone: UTC
        warehouse: { kind: sqlite, path: warehouse }
        slack: { default_channel: "#alerts" }
        pipelines:
          mini:
            owners: [U0TEST]
            sources:
              orders: { kind: csv, path: data/orders.csv, cursor: updated_at }
            loads:
              - source: orders
                table: raw.orders
                write: merge
                key: id
                max_bad_records: \(maxBadRecords)
                columns: { id: integer, amount: float, customer: string, updated_at: timestamp }
            models:
              - { name: mart.totals, sql: models/totals.sql, materialized: table }
            checks:
              - { not_null: raw.orders, column: customer }
        """
    }

    static func setUpMini(_ workspace: Workspace, rows: [String]) throws -> Manifest {
        try workspace.write("models/totals.sql", "select count(*) as orders, sum(amount) as revenue from raw.orders")
        try workspace.write("data/orders.csv", (["id,amount,customer,updated_at"] + rows).joined(separator: "\n") + "\n")
        return try workspace.manifest(miniManifest())
    }

    static func count(_ warehouse: any Warehouse, _ sql: String) async throws -> String? {
        let result = try await warehouse.query(sql, limit: 1, context: JobContext(pipeline: "t", runID: 0, stepID: "t"))
        return result.rows.first?.first ?? nil
    }

    @Test func theDemoShopPipelineRunsEndToEndAndIsIdempotent() async throws {
        let workspace = try Workspace()
        try FileManager.default.copyItem(atPath: Workspace.repositoryRoot + "/manifest", toPath: workspace.path("manifest"))
        try? FileManager.default.removeItem(atPath: workspace.path("manifest/demo"))
        let clock = TestClock()
        try DemoData.write(orders: 2_000, to: workspace.path("manifest/demo"), endingAt: clock.now)
        let yaml = try String(contentsOfFile: workspace.path("manifest/sluice.yml"), encoding: .utf8)
        let manifest = try workspace.manifest(yaml)
        let state = try workspace.stateStore()
        let warehouse = try SQLiteWarehouse(directory: manifest.resolve(".sluice/warehouse"))
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: clock, logger: Self.logger)

        let first = try await runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "test"))
        let steps = try await state.read { try $0.steps(runID: first.id) }
        #expect(first.state == .succeeded, "failed steps: \(steps.filter { $0.state != .succeeded }.map { "\($0.stepID): \($0.error ?? "")" })")
        #expect(steps.count >= 4 + 8 + 7)
        #expect(Set(steps.map(\.kind)) == [.load, .model, .check])

        #expect(try await Self.count(warehouse, "select count(*) from raw.orders") == "2000")
        let martOrders = try await Self.count(warehouse, "select sum(orders) from mart.daily_sales")
        let stagingOrders = try await Self.count(warehouse, "select count(*) from staging.stg_orders where status <> 'cancelled'")
        #expect(Int(martOrders ?? "") ?? 0 > 0)
        #expect(martOrders == stagingOrders || Int(martOrders ?? "") == 2000)
        let negative = try await Self.count(warehouse, "select count(*) from mart.daily_sales where revenue < 0")
        #expect(negative == "0")

        let tables = manifest.tables
        var before: [String: String?] = [:]
        for table in tables { before[table.description] = try await Self.count(warehouse, "select count(*) from \(table)") }
        let second = try await runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "test"))
        #expect(second.state == .succeeded)
        for table in tables {
            #expect(try await Self.count(warehouse, "select count(*) from \(table)") == before[table.description] ?? nil, "\(table)")
        }
        let posted = try await state.read { try $0.outbox(state: nil, limit: 100) }
        #expect(posted.contains { $0.message.text == "shop run \(first.id) succeeded" })
        #expect(!posted.contains { $0.message.text.hasPrefix("Error") })
    }

    @Test func aFailedLoadLeavesTheTableAndTheWatermarkAsTheyWere() async throws {
        let workspace = try Workspace()
        let manifest = try Self.setUpMini(workspace, rows: [
            "1,10.5,alice,2026-11-01 10:00:00", "2,20,bob,2026-11-01 11:00:00",
        ])
        let state = try workspace.stateStore()
        let warehouse = try workspace.warehouse()
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: TestClock(), logger: Self.logger)
        #expect(try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t")).state == .succeeded)
        #expect(try await state.read { try $0.watermark(pipeline: "mini", source: "orders") } == "2026-11-01 11:00:00")

        try workspace.write("data/orders.csv", """
            id,amount,customer,updated_at
            1,10.5,alice,2026-11-01 10:00:00
            2,20,bob,2026-11-01 11:00:00
            3,not-a-number,carol,2026-11-02 09:00:00
            4,40,dan,2026-11-02 10:00:00

            """)
        let failed = try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t"))
        #expect(failed.state == .failed)
        let steps = try await state.read { try $0.steps(runID: failed.id) }
        let load = try #require(steps.first { $0.stepID == "load:raw.orders" })
        #expect(load.state == .failed)
        #expect(load.error?.contains("not-a-number") == true)
        #expect(steps.first { $0.stepID == "model:mart.totals" }?.state == .skipped)
        #expect(try await Self.count(warehouse, "select count(*) from raw.orders") == "2")
        #expect(try await state.read { try $0.watermark(pipeline: "mini", source: "orders") } == "2026-11-01 11:00:00")

        let alert = try await state.read { try $0.unresolvedAlert(fingerprint: "mini/load:raw.orders/raw.orders") }
        #expect(alert?.severity == .error)

        try workspace.write("data/orders.csv", """
            id,amount,customer,updated_at
            3,30,carol,2026-11-02 09:00:00
            4,40,dan,2026-11-02 10:00:00

            """)
        let rerun = try await runner.run(RunRequest(pipeline: "mini", trigger: .rerun, requestedBy: "t", rerunOf: failed.id))
        #expect(rerun.state == .succeeded)
        #expect(try await Self.count(warehouse, "select count(*) from raw.orders") == "4")
        #expect(try await state.read { try $0.watermark(pipeline: "mini", source: "orders") } == "2026-11-02 10:00:00")
        let resolved = try await state.read { try $0.alert(id: alert?.id ?? 0) }
        #expect(resolved?.status == .resolved)
    }

    @Test func aRerunWithNothingToRerunIsRefusedAndCreatesNoRun() async throws {
        let workspace = try Workspace()
        let manifest = try Self.setUpMini(workspace, rows: ["1,10.5,alice,2026-11-01 10:00:00"])
        let state = try workspace.stateStore()
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: try workspace.warehouse(), clock: TestClock(), logger: Self.logger)
        let succeeded = try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t"))
        #expect(succeeded.state == .succeeded)

        // `sluice run mini --rerun N` and `/sluice rerun N` both come here: nothing failed, so nothing runs.
        let error = await #expect(throws: RunError.self) {
            try await runner.enqueue(RunRequest(pipeline: "mini", trigger: .rerun, requestedBy: "cli", rerunOf: succeeded.id))
        }
        #expect(error?.message.contains("run \(succeeded.id) of mini has nothing to rerun") == true)
        #expect(error?.message.contains("`rerun \(succeeded.id) --all`") == true)
        #expect(try await state.read { try $0.runs(pipeline: "mini", limit: 10) }.map(\.id) == [succeeded.id])

        // With --all every step runs again.
        let all = try await runner.run(RunRequest(pipeline: "mini", trigger: .rerun, requestedBy: "cli", rerunOf: succeeded.id, rerunAll: true))
        #expect(all.state == .succeeded)
        #expect(try await state.read { try $0.steps(runID: all.id) }.allSatisfy { $0.detail?.hasPrefix("kept from") != true })
    }

    @Test func aFailingCheckOpensOneAlertThreadsRepeatsAndResolves() async throws {
        let workspace = try Workspace()
        let manifest = try Self.setUpMini(workspace, rows: ["1,10,,2026-11-01 10:00:00", "2,20,bob,2026-11-01 11:00:00"])
        let state = try workspace.stateStore()
        let runner = PipelineRunner(
            manifest: manifest, state: state, warehouse: try workspace.warehouse(), clock: TestClock(), logger: Self.logger)

        let first = try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t"))
        #expect(first.state == .failed)
        let fingerprint = "mini/not_null_orders_customer/raw.orders"
        let alert = try #require(try await state.read { try $0.unresolvedAlert(fingerprint: fingerprint) })
        #expect(alert.severity == .error)
        #expect(alert.sample.count == 1)
        let original = try #require(alert.messageOutboxID)

        _ = try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t"))
        let repeated = try #require(try await state.read { try $0.alert(id: alert.id) })
        #expect(repeated.occurrences == 2)
        #expect(repeated.messageOutboxID == original)

        try workspace.write("data/orders.csv", "id,amount,customer,updated_at\n1,10,alice,2026-11-03 10:00:00\n")
        let fixed = try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t"))
        #expect(fixed.state == .succeeded)
        #expect(try await state.read { try $0.alert(id: alert.id) }?.status == .resolved)

        let outbox = try await state.read { try $0.outbox(state: nil, limit: 100) }
        let topLevelAlerts = outbox.filter { $0.action == .post(threadOf: nil) && $0.message.text.hasPrefix("Error") }
        #expect(topLevelAlerts.count == 1)
        #expect(outbox.contains { $0.action == .post(threadOf: original) && $0.message.text.contains("Failed again") })
        #expect(outbox.contains { $0.action == .update(target: original) && $0.message.text.hasPrefix("Resolved") })
        #expect(outbox.contains { $0.action == .post(threadOf: original) && $0.message.text.contains("Resolved") })
        let loud = try #require(outbox.first { $0.message.text == "mini run \(first.id) failed" })
        #expect(loud.message.blocks.description.contains("<@U0TEST>"))
    }

    @Test func aRunLeftActiveByADeadProcessIsInterruptedAndRerunnable() async throws {
        let workspace = try Workspace()
        let manifest = try Self.setUpMini(workspace, rows: ["1,10,alice,2026-11-01 10:00:00"])
        let clock = TestClock()
        do {
            // An earlier good run, then a process that died mid-run: its load had committed, its
            // model was running.
            let state = try workspace.stateStore()
            let earlier = PipelineRunner(
                manifest: manifest, state: state, warehouse: try workspace.warehouse(), clock: clock, logger: Self.logger)
            #expect(try await earlier.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t")).state == .succeeded)
            let plan = RunPlan.steps(for: try #require(manifest.pipeline(named: "mini")))
            try await state.write { writer in
                var steps = plan.map { StepRecord(runID: 0, stepID: $0.id, kind: $0.kind, dependsOn: $0.dependsOn) }
                steps[0].state = .succeeded
                steps[1].state = .running
                var run = try writer.insertRun(pipeline: "mini", trigger: .manual, requestedBy: "t", rerunOf: nil,
                                               backfillDays: nil, steps: steps, at: clock.now)
                run.state = .running
                try writer.updateRun(run)
                try writer.setSetting(RunRecovery.ownerKey(pipeline: "mini"),
                                      value: "\(run.id) \(ProcessInfo.processInfo.hostName) 2147483000 gone")
            }
        }
        let state = try workspace.stateStore()
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: try workspace.warehouse(), clock: clock, logger: Self.logger)
        let blocked = await #expect(throws: StateStoreError.self) {
            try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t"))
        }
        #expect(blocked != nil)

        let interrupted = try await RunRecovery(state: state, manifest: manifest, clock: clock).recover()
        #expect(interrupted.map(\.state) == [.interrupted])
        let run = try #require(interrupted.first)
        let steps = try await state.read { try $0.steps(runID: run.id) }
        #expect(steps.map(\.state) == [.succeeded, .failed, .cancelled])
        #expect(try await RunRecovery(state: state, manifest: manifest, clock: clock).recover().isEmpty)

        let rerun = try await runner.run(RunRequest(pipeline: "mini", trigger: .rerun, requestedBy: "t", rerunOf: run.id))
        let rerunSteps = try await state.read { try $0.steps(runID: rerun.id) }
        #expect(rerun.state == .succeeded, "\(rerunSteps.map { "\($0.stepID) \($0.state) \($0.error ?? "")" })")
        #expect(rerunSteps[0].detail == "kept from run \(run.id)")
        #expect(rerunSteps[1].startedAt != nil)
        #expect(rerunSteps[1].state == .succeeded)
    }

    @Test func independentModelsRunInParallelWithinTheBoundAndAfterTheirInputs() async throws {
        let workspace = try Workspace()
        try workspace.write("data/orders.csv", "id,amount,customer,updated_at\n1,10,alice,2026-11-01 10:00:00\n")
        var models = ""
        for i in 1...6 {
            try workspace.write("models/m\(i).sql", "select id, amount * \(i) as amount from raw.orders")
            models += "      - { name: mart.m\(i), sql: models/m\(i).sql, materialized: table }\n"
        }
        try workspace.write("models/top.sql", "select * from mart.m1 join mart.m2 using (id)")
        let manifest = try workspace.manifest("""
            timezone: UTC
            warehouse: { kind: sqlite, path: warehouse }
            slack: { default_channel: "#alerts" }
            pipelines:
              wide:
                max_parallelism: 2
                sources:
                  orders: { kind: csv, path: data/orders.csv }
                loads:
                  - { source: orders, table: raw.orders, write: truncate }
                models:
                  - { name: mart.top, sql: models/top.sql, materialized: table }
            \(models)
            """)
        let recording = RecordingWarehouse(try workspace.warehouse())
        let runner = PipelineRunner(
            manifest: manifest, state: try workspace.stateStore(), warehouse: recording, clock: TestClock(), logger: Self.logger)
        #expect(try await runner.run(RunRequest(pipeline: "wide", trigger: .manual, requestedBy: "t")).state == .succeeded)
        let events = recording.events
        #expect(recording.maxConcurrent <= 2)
        let topStart = try #require(events.firstIndex(of: "start mart.top"))
        #expect(events.firstIndex(of: "end mart.m1")! < topStart)
        #expect(events.firstIndex(of: "end mart.m2")! < topStart)
        #expect(events.filter { $0.hasPrefix("start") }.count == 7)
    }
}

/// Wraps the real SQLite warehouse and records the order and overlap of model builds.
final class RecordingWarehouse: Warehouse {
    private struct Log {
        var events: [String] = []
        var concurrent = 0
        var maxConcurrent = 0
    }

    private let inner: SQLiteWarehouse
    private let log = Mutex(Log())

    init(_ inner: SQLiteWarehouse) { self.inner = inner }

    var events: [String] { log.withLock { $0.events } }
    var maxConcurrent: Int { log.withLock { $0.maxConcurrent } }
    var dialect: SQLDialect { .sqlite }

    func prepare(datasets: Set<String>) async throws { try await inner.prepare(datasets: datasets) }

    func load(_ request: LoadRequest, rows: any RowSource) async throws -> LoadResult {
        try await inner.load(request, rows: rows)
    }

    func materialize(_ model: Model, context: JobContext) async throws -> JobStats {
        log.withLock { log in
            log.concurrent += 1
            log.maxConcurrent = max(log.maxConcurrent, log.concurrent)
            log.events.append("start \(model.name)")
        }
        defer {
            log.withLock { log in
                log.concurrent -= 1
                log.events.append("end \(model.name)")
            }
        }
        return try await inner.materialize(model, context: context)
    }

    func query(_ sql: String, limit: Int, context: JobContext) async throws -> QueryResult {
        try await inner.query(sql, limit: limit, context: context)
    }

    func freshness(of table: TableName, loadedAt column: String?, context: JobContext?) async throws -> TableFreshness {
        try await inner.freshness(of: table, loadedAt: column, context: context)
    }

    func rowsPerDay(of table: TableName, column: String?, since: String?, context: JobContext?) async throws -> DailyRowCounts {
        try await inner.rowsPerDay(of: table, column: column, since: since, context: context)
    }

    func estimateBytes(of query: PlannedQuery) async throws -> Int64 { try await inner.estimateBytes(of: query) }

    func columns(of table: TableName) async throws -> [String]? { try await inner.columns(of: table) }

    func compile(_ sql: String) async throws -> SQLCompileProblem? { try await inner.compile(sql) }
}
