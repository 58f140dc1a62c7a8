import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Warehouse
import Worker

/// Full refreshes through the runner on the SQLite warehouse, beyond `FullRefreshTests`: an
/// incremental model is rebuilt from scratch, a rerun of an interrupted full refresh is one too, the
/// result says so, and a full refresh cannot be a backfill.
@Suite("Full refresh runs: incremental models, interrupted runs")
struct FullRefreshRunTests {
    static let manifestYAML = LoadRuleModelTests.manifestYAML + """

            models:
              - { name: mart.amounts, sql: models/amounts.sql, materialized: incremental, unique_key: id }
        """

    struct Fixture {
        let space: Workspace
        let state: SQLiteStateStore
        let warehouse: SQLiteWarehouse
        let runner: PipelineRunner
    }

    static func fixture(modelSQL: String = "select id, amount from raw.sales") throws -> Fixture {
        let space = try Workspace()
        try IncrementalLoadTests.write(space, "2026-01-01", ["1,2026-01-01,10,2026-01-01 09:00:00", "2,2026-01-01,20,2026-01-01 10:00:00"])
        let (state, warehouse) = (try space.stateStore(), try space.warehouse())
        return Fixture(space: space, state: state, warehouse: warehouse, runner: try runner(space, state, warehouse, modelSQL: modelSQL))
    }

    /// A runner over the workspace with the model's SQL as given (the manifest reads it when parsed).
    static func runner(_ space: Workspace, _ state: SQLiteStateStore, _ warehouse: SQLiteWarehouse, modelSQL: String) throws -> PipelineRunner {
        try space.write("models/amounts.sql", modelSQL)
        return PipelineRunner(
            manifest: try space.manifest(manifestYAML), state: state, warehouse: warehouse, clock: TestClock(), logger: Logger(label: "t"))
    }

    static func amounts(_ warehouse: any Warehouse) async throws -> [[String?]] {
        try await warehouse.query(
            "select id, amount from mart.amounts order by id", limit: 100, context: JobContext(pipeline: "sales", runID: 0, stepID: "test")
        ).rows
    }

    @Test func anIncrementalModelIsRebuiltFromScratchOnAFullRefreshOnly() async throws {
        let f = try Self.fixture(modelSQL: "select id, amount from raw.sales where amount >= 15")
        _ = try await f.runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))
        #expect(try await Self.amounts(f.warehouse) == [["2", "20"]])

        // The model's SQL changes: an incremental build only adds to what it built before.
        let runner = try Self.runner(f.space, f.state, f.warehouse, modelSQL: "select id, amount from raw.sales where amount < 15")
        _ = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))
        #expect(try await Self.amounts(f.warehouse) == [["1", "10"], ["2", "20"]])

        // A full refresh replaces it with what the SQL selects now; the next build merges again.
        let refreshed = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t", fullRefresh: true))
        #expect(refreshed.state == .succeeded)
        #expect(try await Self.amounts(f.warehouse) == [["1", "10"]])
        try IncrementalLoadTests.write(f.space, "2026-01-02", ["3,2026-01-02,5,2026-01-02 09:00:00"])
        let next = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))
        #expect(next.state == .succeeded)
        #expect(try await Self.amounts(f.warehouse) == [["1", "10"], ["3", "5"]])
    }

    @Test func aRerunOfAnInterruptedFullRefreshIsAFullRefreshToo() async throws {
        let f = try Self.fixture()
        _ = try await f.runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))
        let queued = try await f.runner.enqueue(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t", fullRefresh: true))
        // The process dies before the run executes: the next start marks it interrupted.
        let interrupted = try await f.state.write { try $0.interruptRun(id: queued.id, at: Date()) }
        #expect(interrupted?.state == .interrupted)
        #expect(interrupted?.fullRefresh == true)

        // What a load of the interrupted run had read is on record; the rerun is a full refresh
        // without forgetting it again.
        try await f.state.write { try $0.setWatermark(pipeline: "sales", source: "exports", value: "2026-01-01 09:00:00") }
        let again = try await f.runner.enqueue(RunRequest(pipeline: "sales", trigger: .rerun, requestedBy: "t", rerunOf: queued.id))
        #expect(again.fullRefresh)
        #expect(try await f.state.read { try $0.watermark(pipeline: "sales", source: "exports") } == "2026-01-01 09:00:00")
        let rerun = try await f.runner.execute(runID: again.id)
        #expect(rerun.state == .succeeded)
        #expect(rerun.fullRefresh)
        #expect(rerun.rerunOf == queued.id)
        let steps = try await f.state.read { try $0.steps(runID: rerun.id) }
        #expect(steps.first { $0.stepID == "load:raw.sales" }?.detail?.hasPrefix("rebuilt from every source row") == true)
        #expect(try await Self.amounts(f.warehouse) == [["1", "10"], ["2", "20"]])
        let result = ConsoleRenderer.body(RunMessages.result(rerun, steps: steps, owners: [])).joined(separator: "\n")
        #expect(result.contains("`sales` run \(rerun.id) succeeded"))
        #expect(result.contains(" · full refresh · "))
    }

    @Test func aFullRefreshCannotBeABackfill() async throws {
        let f = try Self.fixture()
        await #expect(throws: RunError.self) {
            try await f.runner.enqueue(RunRequest(
                pipeline: "sales", trigger: .backfill, requestedBy: "t", backfillDays: ["2026-01-01"], fullRefresh: true))
        }
        #expect(try await f.state.read { try $0.runs(pipeline: nil, limit: 5) }.isEmpty)
    }
}
