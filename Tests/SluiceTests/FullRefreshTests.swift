import Foundation
import SluiceCore
import StateStore
import Testing
import Warehouse
import Worker

/// `run PIPELINE --full-refresh`, from Slack (operators, a preview with the estimate, Confirm) and as a
/// run: watermarks and read-file records forgotten, every table rebuilt, a rerun still a full refresh.
@Suite("Full refresh")
struct FullRefreshTests {
    @Test func fromSlackAnOperatorConfirmsAPreviewAndTheRunRebuildsFromEverySourceRow() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try BackfillHarness(slack: slack)
            let routes = harness.routeTask()
            defer { routes.cancel() }
            let first = try await harness.runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "test"))
            #expect(first.state == .succeeded)
            #expect(try await harness.state.read { try $0.watermark(pipeline: "shop", source: "orders") } != nil)

            // Someone who is not an operator is refused, and nothing is previewed.
            try await harness.command("run shop --full-refresh", user: BackfillHarness.bystanderID, responseURL: slack.responseURL("refused"))
            let refused = try #require(try await slack.waitForCallsTo(responseURL: "refused", count: 1).first?.body)
            #expect(refused.description.contains("operator"))
            #expect(refused.buttonValue(RunMessages.confirmFullRefreshAction) == nil)

            try await harness.command("run shop --full-refresh", responseURL: slack.responseURL("preview"))
            let preview = try #require(try await slack.waitForCallsTo(responseURL: "preview", count: 1).first?.body)
            #expect(preview.description.contains("Full refresh of shop"))
            #expect(preview.description.contains("forgets its watermarks and the files it has read"))
            #expect(preview.description.contains("mart.daily_sales"), "the estimate lists the models it rebuilds")
            let value = try #require(preview.buttonValue(RunMessages.confirmFullRefreshAction))
            #expect(value == "shop")
            #expect(try await harness.state.read { try $0.runs(pipeline: "shop", limit: 10) }.count == 1, "nothing runs before Confirm")

            try await harness.press(RunMessages.confirmFullRefreshAction, value: value, responseURL: slack.responseURL("confirm"))
            _ = try await slack.waitForCallsTo(responseURL: "confirm", count: 1)
            try await harness.finish()
            let runs = try await harness.state.read { try $0.runs(pipeline: "shop", limit: 10) }
            let refresh = try #require(runs.first)
            #expect(refresh.id != first.id && refresh.fullRefresh && refresh.state == .succeeded)
            let steps = try await harness.state.read { try $0.steps(runID: refresh.id) }
            let load = try #require(steps.first { $0.stepID == "load:raw.orders" })
            #expect(load.detail?.hasPrefix("rebuilt from every source row") == true)
            #expect(try await harness.dump("select count(*) from raw.orders") == ["2000"])
            let audit = try await harness.state.read { try $0.auditLog(limit: 20) }
            #expect(audit.contains { $0.action == "manual" && $0.detail.hasPrefix("full refresh") })
            #expect(audit.contains { $0.action == "run" && $0.outcome == "refused" })
        }
    }

    @Test func aRerunOfAFullRefreshIsOneTooAndTheStateIsForgottenOnce() async throws {
        let space = try Workspace()
        let manifest = try IncrementalLoadTests.manifest(space)
        let state = try space.stateStore()
        let warehouse = try space.warehouse()
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: TestClock(), logger: .init(label: "t"))
        try IncrementalLoadTests.write(space, "2026-01-01", ["1,2026-01-01,10,2026-01-01 09:00:00"])
        _ = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))
        #expect(try await state.read { try $0.sourceFiles(pipeline: "sales", source: "exports", table: "raw.sales") }.count == 1)

        let refresh = try await runner.enqueue(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t", fullRefresh: true))
        #expect(refresh.fullRefresh)
        // Queued: the watermark and the read files are gone already, in the same transaction.
        #expect(try await state.read { try $0.watermark(pipeline: "sales", source: "exports") } == nil)
        #expect(try await state.read { try $0.sourceFiles(pipeline: "sales", source: "exports", table: "raw.sales") }.isEmpty)
        let done = try await runner.execute(runID: refresh.id)
        #expect(done.state == .succeeded)
        #expect(try await state.read { try $0.watermark(pipeline: "sales", source: "exports") } == "2026-01-01 09:00:00")

        let rerun = try await runner.run(RunRequest(pipeline: "sales", trigger: .rerun, requestedBy: "t", rerunOf: refresh.id, rerunAll: true))
        #expect(rerun.fullRefresh)
        let steps = try await state.read { try $0.steps(runID: rerun.id) }
        #expect(steps.first?.detail?.hasPrefix("rebuilt from every source row, 1 row read") == true)
        #expect(try await LoadRuleModelTests.table(warehouse) == [["1", "2026-01-01", "10", "2026-01-01 09:00:00"]])
    }
}
