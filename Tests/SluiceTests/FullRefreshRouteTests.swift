import Conversation
import Foundation
import SluiceCore
import StateStore
import Testing
import Worker

/// The full-refresh preview's buttons, beyond `FullRefreshTests`: Cancel and a bystander's Confirm
/// change nothing (over signed HTTP against a fake Slack), and `sluice chat` previews and confirms
/// by button number.
@Suite("Full refresh from Slack: Cancel, refusals, sluice chat")
struct FullRefreshRouteTests {
    static let form = SlashCommandRouteTests.form

    /// What `mini` has read, on record before the full refresh.
    static func plantReadState(_ state: SQLiteStateStore) async throws {
        try await state.write { writer in
            try writer.setWatermark(pipeline: "mini", source: "orders", value: "2026-01-01 00:00:00")
            try writer.recordSourceFiles(
                [SourceFileRecord(path: "data/orders.csv", size: 40, modifiedNanoseconds: 1, digest: "abc")],
                pipeline: "mini", source: "orders", table: "raw.orders")
        }
    }

    /// The watermark and the number of read files of `mini`'s source.
    static func readState(_ state: SQLiteStateStore) async throws -> [String] {
        try await state.read { reader in
            [try reader.watermark(pipeline: "mini", source: "orders") ?? "no watermark",
             "\(try reader.sourceFiles(pipeline: "mini", source: "orders", table: "raw.orders").count) files"]
        }
    }

    @Test func cancelAndABystandersConfirmChangeNothingAndTheOperatorsConfirmForgets() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            try await Self.plantReadState(harness.state)
            let preview = try #require(try await SlashCommandRouteTests.command("run mini --full-refresh", harness, slack))
            #expect(preview["response_type"]?.string == "ephemeral")
            let value = try #require(preview.buttonValue(RunMessages.confirmFullRefreshAction))
            #expect(preview.buttonValue(RunMessages.discardFullRefreshAction) == value)

            func press(_ actionID: String, as user: String, _ id: String) async throws {
                let body = SlackHarness.actionBody(actionID: actionID, value: value, user: user, responseURL: slack.responseURL(id))
                try await harness.send("/slack/interactions", body, contentType: Self.form)
            }
            try await press(RunMessages.discardFullRefreshAction, as: SlackHarness.operatorID, "cancel")
            #expect(await slack.responses("cancel").first?.body["text"]?.string == "Full refresh of `mini` cancelled; nothing was changed.")
            try await press(RunMessages.confirmFullRefreshAction, as: SlackHarness.bystanderID, "bystander")
            #expect(await slack.responses("bystander").first?.body["text"]?.string?.contains("only operators may run") == true)
            #expect(try await harness.state.read { try $0.runs(pipeline: nil, limit: 5) }.isEmpty)
            #expect(try await Self.readState(harness.state) == ["2026-01-01 00:00:00", "1 files"])

            try await press(RunMessages.confirmFullRefreshAction, as: SlackHarness.operatorID, "confirm")
            #expect(await slack.responses("confirm").first?.body["text"]?.string?.contains("Started `mini` full refresh 1") == true)
            #expect(try await harness.state.read { try $0.run(id: 1) }?.fullRefresh == true)
            #expect(try await Self.readState(harness.state) == ["no watermark", "0 files"])

            let audit = try await harness.state.read { try $0.auditLog(limit: 20) }
            #expect(audit.contains { $0.action == "full-refresh.discard" && $0.actor == SlackHarness.operatorID })
            #expect(audit.contains {
                $0.action == "run" && $0.actor == SlackHarness.bystanderID && $0.outcome == "refused" && $0.detail == "full refresh"
            })
            #expect(audit.contains { $0.action == "manual" && $0.actor == SlackHarness.operatorID && $0.detail == "full refresh, run 1" })
        }
    }

    @Test func theConsoleChatPreviewsAndConfirmsAFullRefreshByButtonNumber() async throws {
        let workspace = try Workspace()
        try workspace.write("models/totals.sql", "select count(*) as orders, sum(amount) as revenue from raw.orders")
        try workspace.write("data/orders.csv", "id,amount,customer\n1,10,ann\n2,20,bob\n")
        try workspace.write("sluice.yml", SlackHarness.miniManifest())
        let sluice = try workspace.application(slack: nil, clock: TestClock())
        try await Self.plantReadState(sluice.state)
        let me = Requester(userID: SlackHarness.operatorID, channelID: "local")

        // What `sluice chat` does with a typed line: parse once, handle, render, number the buttons.
        let typed = "/sluice run mini --full-refresh"
        let parsed = try sluice.conversation.parse(typed).get()
        #expect(parsed == .fullRefresh(pipeline: "mini"))
        let preview = await sluice.conversation.handle(parsed, text: typed, from: me)
        #expect(ConsoleRenderer.render(preview.message, channel: "only you").contains("FULL REFRESH OF MINI"))
        let buttons = ConsoleRenderer.buttons(preview.message)
        #expect(buttons.map(\.action) == [.confirmFullRefresh(pipeline: "mini"), .discardFullRefresh(pipeline: "mini")])
        #expect(try await sluice.state.read { try $0.runs(pipeline: nil, limit: 5) }.isEmpty)

        let confirm = try #require(buttons.first?.action)
        let reply = try #require(await sluice.conversation.handleAction(confirm, from: me))
        #expect(reply.message.text.contains("Started `mini` full refresh 1"))
        #expect(try await sluice.state.read { try $0.run(id: 1) }?.fullRefresh == true)
        #expect(try await Self.readState(sluice.state) == ["no watermark", "0 files"])
    }
}
