import Foundation
import SluiceCore
import StateStore
import Testing

/// Slash commands and buttons over signed HTTP: the text is parsed once and the typed command (or
/// button action) is what runs; `help COMMAND`, `details`, `resolve`, and a rerun with nothing to rerun.
@Suite("Slash commands and buttons as typed values, over signed HTTP against a fake Slack")
struct SlashCommandRouteTests {
    static let form = "application/x-www-form-urlencoded"

    /// The commands of the table in DESIGN.md: each has its own `help COMMAND`.
    static let designCommands = [
        "help", "status", "runs", "run", "rerun", "backfill", "freshness", "volume", "cost", "alerts", "mute", "unmute",
        "mutes", "ack", "digest", "details", "resolve",
    ]

    /// The immediate JSON answer of `/slack/commands`.
    struct ImmediateReply: Decodable {
        let response_type: String
        let text: String
        let blocks: [Block]

        var lines: [String] {
            blocks.flatMap { block -> [String] in
                switch block {
                case let .header(text): [text]
                case let .section(text, _, _): text.components(separatedBy: "\n")
                case let .context(items): items
                default: []
                }
            }
        }
    }

    static func immediate(_ harness: SlackHarness, _ text: String, slack: FakeSlackWebAPI) async throws -> ImmediateReply {
        let body = SlackHarness.commandBody(text, responseURL: slack.responseURL("immediate"))
        let answer = try await harness.send("/slack/commands", body, contentType: Self.form)
        #expect(answer.status == .ok)
        return try JSONDecoder().decode(ImmediateReply.self, from: Data(answer.body.utf8))
    }

    /// Types `/sluice TEXT` as `user` and returns the reply sent to its response URL: its JSON body.
    static func command(
        _ text: String, user: String = SlackHarness.operatorID, _ harness: SlackHarness, _ slack: FakeSlackWebAPI
    ) async throws -> JSON? {
        let id = UUID().uuidString
        try await harness.send("/slack/commands", SlackHarness.commandBody(text, user: user, responseURL: slack.responseURL(id)), contentType: Self.form)
        return await slack.responses(id).first?.body
    }

    @Test func everyCommandOfTheDesignIsOneHelpCanExplain() {
        #expect(Set(CommandSyntax.all.map(\.word)) == Set(Self.designCommands))
    }

    @Test func helpCommandExplainsThatCommandItsExamplesAndWhoMayUseIt() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            for word in Self.designCommands {
                let syntax = try #require(CommandSyntax.named(word))
                let reply = try await Self.immediate(harness, "help \(word.uppercased())", slack: slack)
                #expect(reply.response_type == "ephemeral")
                #expect(reply.lines.first == "/sluice \(word)")
                #expect(reply.lines.contains("*\(syntax.usage(commandName: "/sluice"))* — \(syntax.summary)"), "\(word)")
                for example in syntax.examples(commandName: "/sluice") {
                    #expect(reply.lines.contains { $0.hasPrefix("Example") && $0.contains(example) }, "\(word): \(example)")
                }
                let who = syntax.operatorsOnly ? "_Only operators (`access.operators` in the manifest) may use it._" : "_Anyone may use it._"
                #expect(reply.lines.last == who, "\(word)")
                #expect(!reply.lines.contains { $0.hasPrefix("• ") }, "\(word) answered with the whole list")
            }
            let backfill = try await Self.immediate(harness, "help backfill", slack: slack)
            #expect(backfill.lines.contains("Example: `/sluice backfill shop 2026-03-01 2026-03-07`"))
            #expect(backfill.lines.contains { $0.contains("`backfill.max_days`") })
            #expect(backfill.lines.last?.contains("Only operators") == true)
            #expect(await slack.calls.isEmpty)
        }
    }

    @Test func helpForAnUnknownTopicSaysSoAndListsTheCommands() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let reply = try await Self.immediate(harness, "help bakfill", slack: slack)
            #expect(reply.response_type == "ephemeral")
            let text = reply.lines.joined(separator: "\n")
            #expect(text.contains("`bakfill` is not a `/sluice` command. Did you mean `/sluice backfill`?"))
            for word in Self.designCommands { #expect(text.contains("`\(word)`"), "\(word)") }
            #expect(text.contains("`/sluice help COMMAND` explains one"))
            let list = try await Self.immediate(harness, "help", slack: slack)
            #expect(list.lines.filter { $0.hasPrefix("• ") }.count == Self.designCommands.count)
        }
    }

    @Test func aRerunOfARunWithNothingToRerunSaysSoAndStartsNothing() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            try harness.workspace.write("data/orders.csv", "id,amount,customer\n1,10,alice\n2,20,bob\n")
            let run = try await harness.runAndDeliver()
            #expect(run.state == .succeeded)

            let reply = try #require(try await Self.command("rerun \(run.id)", harness, slack))
            #expect(reply["response_type"]?.string == "ephemeral")
            let text = try #require(reply["text"]?.string)
            #expect(text.contains("run \(run.id) of mini has nothing to rerun"))
            #expect(text.contains("`rerun \(run.id) --all`"))
            #expect(try await harness.state.read { try $0.runs(pipeline: nil, limit: 10) }.count == 1)
            let audit = try await harness.state.read { try $0.auditLog(limit: 5) }
            #expect(audit.first { $0.action == "rerun" }?.outcome == "failed")

            let all = try await Self.command("rerun \(run.id) --all", harness, slack)
            #expect(all?["text"]?.string?.contains("Rerunning run \(run.id) of `mini` as run 2") == true)
            #expect(try await harness.state.read { try $0.run(id: 2) }?.rerunOf == run.id)
        }
    }

    @Test func rerunButtonsAreTheRerunCommandWithTypedValues() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let failed = try await harness.runAndDeliver()
            let alert = try #require(try await harness.state.read { try $0.alerts(status: [.open], limit: 10) }.first)
            // The Rerun buttons Sluice posted, read back from the fake Slack.
            let result = try #require(await slack.topLevelMessages(in: SlackHarness.channel).first { $0.text.contains("run \(failed.id) failed") })
            let rerunValue = try #require(result.blocks.buttonValue(RunMessages.rerunAction))
            #expect(ButtonAction(actionID: RunMessages.rerunAction, value: rerunValue) == .rerun(runID: failed.id))

            // A bystander's presses are refused, and audited as the command they stand for.
            for action in [ButtonAction.rerun(runID: failed.id), .alertRerun(alertID: alert.id)] {
                let body = SlackHarness.actionBody(
                    actionID: action.actionID, value: action.value, user: SlackHarness.bystanderID, responseURL: slack.responseURL("no"))
                try await harness.send("/slack/interactions", body, contentType: Self.form)
            }
            #expect(await slack.responses("no").count == 2)
            #expect(await slack.responses("no").allSatisfy { $0.body["text"]?.string?.contains("only operators may rerun") == true })
            let refused = try await harness.state.read { try $0.auditLog(limit: 10) }.filter { $0.outcome == "refused" }
            #expect(refused.map(\.target) == ["rerun \(failed.id)", "rerun \(failed.id)"])

            // The operator's press on the alert reruns the alert's run from its failed step.
            let press = ButtonAction.alertRerun(alertID: alert.id)
            let body = SlackHarness.actionBody(actionID: press.actionID, value: press.value, responseURL: slack.responseURL("yes"))
            try await harness.send("/slack/interactions", body, contentType: Self.form)
            #expect(await slack.responses("yes").first?.body["text"]?.string?.contains("Rerunning run \(failed.id) of `mini` as run 2") == true)
            #expect(try await harness.state.read { try $0.run(id: 2) }?.rerunOf == failed.id)
        }
    }

    @Test func detailsAndResolveAreSlashCommandsToo() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            try await harness.runAndDeliver()
            let alert = try #require(try await harness.state.read { try $0.alerts(status: [.open], limit: 10) }.first)
            let ts = try #require(try await harness.state.read { try $0.outboxEntry(id: alert.messageOutboxID ?? 0) }?.ts)

            let details = try #require(try await Self.command("details #\(alert.id)", user: SlackHarness.bystanderID, harness, slack))
            #expect(details["response_type"]?.string == "ephemeral")
            #expect(details["text"]?.string == "Details of alert \(alert.id): \(alert.title)")

            let resolved = try await Self.command("resolve \(alert.id) supplier re-sent the file", harness, slack)
            try await harness.sender.deliverDue()
            #expect(resolved?["text"]?.string == ":white_check_mark: Resolved alert \(alert.id).")
            let thread = await slack.replies(in: SlackHarness.channel, threadTS: ts)
            #expect(thread.last?.text == ":white_check_mark: Resolved by <@\(SlackHarness.operatorID)>: supplier re-sent the file.")
            #expect(try #require(await slack.message(channel: SlackHarness.channel, ts: ts)).text.hasPrefix("Resolved"))
            let audit = try await harness.state.read { try $0.auditLog(limit: 5) }
            #expect(audit.first { $0.action == "resolve" }?.detail.hasSuffix(": supplier re-sent the file") == true)

            let again = try await Self.command("resolve \(alert.id)", harness, slack)
            #expect(again?["text"]?.string?.contains("Alert \(alert.id) is not open") == true)
        }
    }

    @Test func theAuditLogKeepsTheCommandAsTyped() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let typed = "RUN   mini"
            let reply = try await Self.command(typed, user: SlackHarness.bystanderID, harness, slack)
            #expect(reply?["text"]?.string?.contains("only operators may run") == true)
            let audit = try await harness.state.read { try $0.auditLog(limit: 5) }
            #expect(audit.map(\.target) == [typed])
            #expect(audit.first?.action == "run")
            #expect(audit.first?.outcome == "refused")
        }
    }
}
