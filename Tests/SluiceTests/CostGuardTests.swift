import Conversation
import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Worker

@Suite("Cost guard before a run starts")
struct CostGuardTests {
    static let mib: Int64 = 1_048_576
    /// A price at which one MiB billed costs exactly one dollar, so budget sums are exact.
    static let dollarPerMiB = "1048576"

    /// `mini`: one load and models `mart.a` (reads raw.orders: 10 MiB at BigQuery's minimum),
    /// `mart.b` (reads mart.a and raw.orders: 20 MiB) and, with `third`, `mart.c` (reads raw.orders: 10 MiB).
    static func setUp(cost: String, models: [String] = ["a", "b"]) throws -> (Workspace, Manifest) {
        let workspace = try Workspace()
        try workspace.write("data/orders.csv", "id,amount\n1,10\n2,20\n")
        try workspace.write("models/a.sql", "select * from raw.orders")
        try workspace.write("models/b.sql", "select a.id from mart.a join raw.orders o on o.id = a.id")
        try workspace.write("models/c.sql", "select id from raw.orders where amount > 0")
        let manifest = try workspace.manifest("""
            timezone: UTC
            warehouse: { kind: sqlite, path: warehouse }
            cost: \(cost)
            slack: { default_channel: "#alerts" }
            access: { operators: [U0OPS] }
            pipelines:
              mini:
                sources:
                  orders: { kind: csv, path: data/orders.csv }
                loads:
                  - { source: orders, table: raw.orders, write: truncate, columns: { id: integer, amount: float } }
                models:
            \(models.map { "      - { name: mart.\($0), sql: models/\($0).sql }" }.joined(separator: "\n"))
            """)
        return (workspace, manifest)
    }

    static func runner(_ workspace: Workspace, _ manifest: Manifest, clock: TestClock = TestClock()) throws -> PipelineRunner {
        PipelineRunner(manifest: manifest, state: try workspace.stateStore(), warehouse: try workspace.warehouse(), clock: clock, logger: Logger(label: "t"))
    }

    @Test func twoJobsUnderTheCapPerJobRunEvenThoughTheirSumIsOverIt() async throws {
        let (workspace, manifest) = try Self.setUp(cost: "{ maximum_bytes_billed: 15MiB }", models: ["a", "c"])
        let runner = try Self.runner(workspace, manifest)
        let pipeline = try #require(manifest.pipeline(named: "mini"))
        let estimate = try await CostGuard(manifest: manifest, warehouse: runner.warehouse, state: runner.state, clock: runner.clock).check(pipeline)
        #expect(estimate.jobs.map(\.bytesBilled) == [10 * Self.mib, 10 * Self.mib])
        #expect(estimate.totalBytes == 20 * Self.mib, "the sum is over the 15 MiB cap, which is per job")
        let run = try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t"))
        #expect(run.state == .succeeded)
    }

    @Test func aJobOverTheCapIsRefusedNamingItAndBothFiguresUnlessConfirmed() async throws {
        let (workspace, manifest) = try Self.setUp(cost: "{ maximum_bytes_billed: 15MiB }")
        let runner = try Self.runner(workspace, manifest)
        let refusal = await #expect(throws: CostRefusal.self) {
            try await runner.enqueue(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t"))
        }
        #expect(refusal?.estimate.totalBytes == 30 * Self.mib)
        #expect(refusal?.estimate.jobs.map(\.name) == ["mart.a", "mart.b"])
        #expect(refusal?.estimate.jobs.map(\.bytesBilled) == [10 * Self.mib, 20 * Self.mib])
        let reason = refusal?.reason ?? ""
        #expect(reason.contains("the estimate of model mart.b (20 MiB) is over cost.maximum_bytes_billed (15 MiB), the cap on each job"), "\(reason)")
        #expect(!reason.contains("mart.a"), "mart.a fits under the cap")
        #expect(refusal?.description.contains("sluice run mini --confirm-cost") == true)
        #expect(try await runner.state.read { try $0.runs(pipeline: nil, limit: 5) }.isEmpty)
        let message = RunMessages.costRefused(pipeline: "mini", reason: reason, jobs: refusal?.estimate.jobs ?? [])
        let lines = AskReply(message: message, ephemeral: true).lines
        #expect(lines.contains("`mart.b` · model · 20 MiB") && lines.contains("`mart.a` · model · 10 MiB"), "\(lines)")
        let confirmed = try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t", costConfirmed: true))
        #expect(confirmed.state == .succeeded)
    }

    @Test func theRunsTotalIsComparedWithWhatIsLeftOfTodaysBudget() async throws {
        // $1 per MiB: the run's estimate (10 + 20 MiB) is $30; the budget is $100.
        let (workspace, manifest) = try Self.setUp(cost: "{ price_per_tib: \(Self.dollarPerMiB), daily_budget: 100 }")
        let clock = TestClock()
        let runner = try Self.runner(workspace, manifest, clock: clock)
        let costGuard = CostGuard(manifest: manifest, warehouse: runner.warehouse, state: runner.state, clock: clock)
        let pipeline = try #require(manifest.pipeline(named: "mini"))
        let first = try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t"))
        #expect(first.state == .succeeded)
        func spend(_ mebibytes: Int64) async throws {
            try await runner.state.write { writer in
                var step = try #require(try writer.steps(runID: first.id).first)
                step.bytesBilled = mebibytes * Self.mib
                try writer.updateStep(step)
            }
        }

        // $70 spent today + $30 = the budget exactly: allowed.
        try await spend(70)
        let exact = try await costGuard.check(pipeline)
        #expect(exact.spentToday == 70 && exact.dollars == 30)

        // $71 + $30 is over: refused, saying what is left.
        try await spend(71)
        let refusal = await #expect(throws: CostRefusal.self) { try await costGuard.check(pipeline) }
        #expect(refusal?.estimate.spentToday == 71)
        #expect(refusal?.reason == "its estimate of $30.00 is over what is left of cost.daily_budget today: $29.00 of $100.00, $71.00 spent so far")
        await #expect(throws: CostRefusal.self) { try await runner.enqueue(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t")) }

        // The next day starts from zero.
        clock.advance(by: 86_400)
        #expect(try await costGuard.check(pipeline).spentToday == 0)
        #expect(try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t")).state == .succeeded)
    }

    @Test func theEstimateListsMergesModelsAndChecksAtBigQuerysMinimums() async throws {
        let workspace = try Workspace()
        try workspace.write("data/orders.csv", "id,amount,updated_at\n1,10,2026-11-18 09:00:00\n2,20,2026-11-18 10:00:00\n")
        try workspace.write("models/a.sql", "select * from raw.orders")
        try workspace.write("models/v.sql", "select id from mart.a")
        let manifest = try workspace.manifest("""
            timezone: UTC
            warehouse: { kind: sqlite, path: warehouse }
            cost: { maximum_bytes_billed: 1GB }
            slack: { default_channel: "#alerts" }
            pipelines:
              mini:
                sources:
                  orders: { kind: csv, path: data/orders.csv, cursor: updated_at }
                loads:
                  - { source: orders, table: raw.orders, write: merge, key: id, columns: { id: integer, amount: float, updated_at: timestamp } }
                models:
                  - { name: mart.a, sql: models/a.sql }
                  - { name: mart.v, sql: models/v.sql, materialized: view }
                checks:
                  - { not_null: mart.a, column: id }
                  - { relationships: mart.a, column: id, to: raw.orders, field: id }
                  - { freshness: raw.orders, loaded_at: updated_at, warn_after: 3h }
                  - { freshness: mart.a, warn_after: 3h }
                  - { volume: raw.orders }
            """)
        let runner = try Self.runner(workspace, manifest)
        let pipeline = try #require(manifest.pipeline(named: "mini"))
        let estimate = try await CostGuard(manifest: manifest, warehouse: runner.warehouse, state: runner.state, clock: runner.clock).check(pipeline)
        // The view, the metadata-only freshness check and the volume of recorded totals bill nothing.
        #expect(estimate.jobs.map { "\($0.kind.rawValue) \($0.name)" } == [
            "merge raw.orders", "model mart.a", "check not_null_a_id", "check relationships_a_id",
            "check freshness_orders",
        ])
        #expect(estimate.jobs.map(\.referencedTables) == [2, 1, 1, 2, 1])
        #expect(estimate.jobs.map(\.bytesBilled) == [20, 10, 10, 20, 10].map { $0 * Self.mib }, "10 MiB per table referenced, and per query")
        #expect(estimate.jobs.allSatisfy { $0.bytesProcessed == 0 && $0.raisedToMinimum && $0.problem == nil },
                "nothing exists yet: 0 bytes, billed at the minimum")
        #expect(estimate.totalBytes == 70 * Self.mib)
    }
}
