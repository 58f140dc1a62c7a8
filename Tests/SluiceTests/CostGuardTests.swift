import Conversation
import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Worker

@Suite("Cost guard before a run starts")
struct CostGuardTests {
    static func setUp(cost: String) throws -> (Workspace, Manifest) {
        let workspace = try Workspace()
        try workspace.write("data/orders.csv", "id,amount\n1,10\n2,20\n")
        try workspace.write("models/a.sql", "select * from raw.orders")
        try workspace.write("models/b.sql", "select a.id from mart.a join raw.orders o on o.id = a.id")
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
                  - { name: mart.a, sql: models/a.sql }
                  - { name: mart.b, sql: models/b.sql }
            """)
        return (workspace, manifest)
    }

    @Test func aRunOverTheBytesCapIsRefusedWithTheFiguresUnlessConfirmed() async throws {
        // Two models reading 1 + 2 tables: at least 30 MB billed (BigQuery's 10 MB minimum per table).
        let (workspace, manifest) = try Self.setUp(cost: "{ maximum_bytes_billed: 20MB }")
        let state = try workspace.stateStore()
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: try workspace.warehouse(), clock: TestClock(), logger: Logger(label: "t"))
        let refusal = await #expect(throws: CostRefusal.self) {
            try await runner.enqueue(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t"))
        }
        let expectedBytes: Int64 = 30 * 1_048_576
        #expect(refusal?.estimate.totalBytes == expectedBytes)
        #expect(refusal?.estimate.models.map(\.table.description) == ["mart.a", "mart.b"])
        #expect(refusal?.reason.contains("over cost.maximum_bytes_billed (19.1 MiB)") == true, "\(refusal?.reason ?? "")")
        #expect(try await state.read { try $0.runs(pipeline: nil, limit: 5) }.isEmpty)
        let confirmed = try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t", costConfirmed: true))
        #expect(confirmed.state == .succeeded)
    }

    @Test func theDailyBudgetCountsWhatWasBilledToday() async throws {
        let (workspace, manifest) = try Self.setUp(cost: "{ price_per_tib: 6.25, daily_budget: 1.00 }")
        let state = try workspace.stateStore()
        let clock = TestClock()
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: try workspace.warehouse(), clock: clock, logger: Logger(label: "t"))
        let first = try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t"))
        #expect(first.state == .succeeded)
        // Plant 0.2 TiB billed today ($1.25): the next run would go over the $1.00 budget.
        try await state.write { writer in
            var step = try #require(try writer.steps(runID: first.id).first)
            step.bytesBilled = 1_099_511_627_776 / 5
            try writer.updateStep(step)
        }
        let refusal = await #expect(throws: CostRefusal.self) {
            try await runner.enqueue(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t"))
        }
        #expect(abs((refusal?.estimate.spentToday ?? 0) - 1.25) < 0.000_001)
        #expect(refusal?.reason.contains("daily_budget") == true)
        // The next day starts from zero.
        clock.advance(by: 86_400)
        #expect(try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "t")).state == .succeeded)
    }

    @Test func slackOffersRunAnywayToOperatorsOnly() async throws {
        let (workspace, manifest) = try Self.setUp(cost: "{ maximum_bytes_billed: 20MB }")
        let state = try workspace.stateStore()
        let clock = TestClock()
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: try workspace.warehouse(), clock: clock, logger: Logger(label: "t"))
        let work = WorkQueue()
        let conversation = Conversation(manifest: manifest, state: state, runner: runner, work: work, clock: clock, logger: Logger(label: "t"))
        let reply = await conversation.handle(try conversation.parse("run mini").get(), text: "run mini", from: Requester(userID: "U0OPS", channelID: "C1"))
        let button = try #require(ConsoleRenderer.buttons(reply.message).first)
        let action = try #require(button.action)
        #expect(action == .confirmCost(pipeline: "mini"))
        #expect(button.actionID == RunMessages.confirmCostAction)
        #expect(reply.message.text.contains("was not started"))
        let bystander = await conversation.handleAction(action, from: Requester(userID: "U0OTHER", channelID: "C1"))
        #expect(bystander?.message.text.contains("only operators") == true)
        #expect(try await state.read { try $0.runs(pipeline: nil, limit: 5) }.isEmpty)
        let started = await conversation.handleAction(action, from: Requester(userID: "U0OPS", channelID: "C1"))
        #expect(started?.message.text.contains("Started `mini` run 1") == true)
        let audit = try await state.read { try $0.auditLog(limit: 10) }
        #expect(audit.map(\.outcome).sorted() == ["done", "refused", "refused"])
    }
}
