import Foundation
import SluiceCore
import StateStore
import Testing

/// An ack, a mute or a resolve already answers in the alert's thread (a note there, and the alert
/// edited). Done from that thread or with a button on the alert, that note is the only answer; typed
/// elsewhere, one short ephemeral confirms it. Refusals and errors are ephemeral. Every test counts
/// the calls the fake Slack received.
@Suite("One confirmation per alert action, over signed HTTP against a fake Slack")
struct AlertConfirmationTests {
    static let form = "application/x-www-form-urlencoded"
    static let json = "application/json"
    static let bot = FakeSlackWebAPI.botUserID

    /// A failed run with its alert posted: the alert and the `ts` of its message (its thread).
    static func postedAlert(_ harness: SlackHarness) async throws -> (alert: AlertRecord, ts: String) {
        try await harness.runAndDeliver()
        let alert = try #require(try await harness.state.read { try $0.alerts(status: [.open], limit: 10) }.first)
        let original = try #require(try await harness.state.read { try $0.outboxEntry(id: alert.messageOutboxID ?? 0) })
        return (alert, try #require(original.ts))
    }

    /// Runs `action` (requests into the routes), delivers the outbox, and returns the Slack calls it
    /// caused, by method, sorted.
    static func calls(_ slack: FakeSlackWebAPI, _ harness: SlackHarness, _ action: () async throws -> Void) async throws -> [String] {
        let before = await slack.calls.count
        try await action()
        try await harness.sender.deliverDue()
        return await slack.calls.dropFirst(before).map(\.method).sorted()
    }

    static func threadReply(_ text: String, in ts: String, id: String, user: String = SlackHarness.operatorID) -> String {
        SlackHarness.threadEventBody(text: "<@\(bot)> \(text)", threadTS: ts, eventID: id, user: user)
    }

    @Test func anAckMuteOrResolveInTheAlertsThreadIsAnsweredByItsThreadNoteAlone() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let (alert, ts) = try await Self.postedAlert(harness)

            let ack = try await Self.calls(slack, harness) {
                try await harness.send("/slack/events", Self.threadReply("ack", in: ts, id: "Ev1"), contentType: Self.json)
            }
            #expect(ack == ["chat.postMessage", "chat.update"])
            var thread = await slack.replies(in: SlackHarness.channel, threadTS: ts)
            #expect(thread.last?.text == ":eyes: <@\(SlackHarness.operatorID)> acknowledged this alert.")
            #expect(try #require(await slack.message(channel: SlackHarness.channel, ts: ts)).blocks.description.contains("acknowledged by"))

            let mute = try await Self.calls(slack, harness) {
                try await harness.send("/slack/events", Self.threadReply("mute 4h deploy", in: ts, id: "Ev2"), contentType: Self.json)
            }
            #expect(mute == ["chat.postMessage"])
            thread = await slack.replies(in: SlackHarness.channel, threadTS: ts)
            #expect(thread.last?.text.hasPrefix(":mute: Muted `mini/not_null_orders_customer` until ") == true)
            #expect(thread.last?.text.contains(": deploy. Repeats are recorded but not posted.") == true)

            let resolve = try await Self.calls(slack, harness) {
                try await harness.send("/slack/events", Self.threadReply("resolve", in: ts, id: "Ev3"), contentType: Self.json)
            }
            #expect(resolve == ["chat.postMessage", "chat.update"])
            thread = await slack.replies(in: SlackHarness.channel, threadTS: ts)
            #expect(thread.last?.text == ":white_check_mark: Resolved by <@\(SlackHarness.operatorID)>.")
            #expect(try await harness.state.read { try $0.alert(id: alert.id) }?.status == .resolved)
            #expect(await slack.ephemerals.isEmpty)
            let audit = try await harness.state.read { try $0.auditLog(limit: 10) }
            #expect(audit.map(\.action).sorted() == ["ack", "mute", "resolve"])
        }
    }

    @Test func buttonsOnTheAlertAreAnsweredByTheThreadNoteAlone() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let (alert, ts) = try await Self.postedAlert(harness)
            for (action, expected) in [
                (ButtonAction.acknowledge(alertID: alert.id), ["chat.postMessage", "chat.update"]),
                (ButtonAction.mute(alertID: alert.id, end: .after(.hours(1))), ["chat.postMessage"]),
            ] {
                let body = SlackHarness.actionBody(
                    actionID: action.actionID, value: action.value, responseURL: slack.responseURL("press"), messageTS: ts)
                let calls = try await Self.calls(slack, harness) {
                    try await harness.send("/slack/interactions", body, contentType: Self.form)
                }
                #expect(calls == expected, "\(action)")
            }
            let thread = await slack.replies(in: SlackHarness.channel, threadTS: ts)
            #expect(thread.suffix(2).map(\.text).first == ":eyes: <@\(SlackHarness.operatorID)> acknowledged this alert.")
            #expect(thread.last?.text.hasPrefix(":mute: Muted `mini/not_null_orders_customer`") == true)
            #expect(await slack.responses("press").isEmpty)
            #expect(try await harness.state.read { try $0.activeMutes(at: harness.clock.now) }.count == 1)
        }
    }

    @Test func anAckTypedElsewhereOrPressedAwayFromTheAlertGetsOneShortEphemeral() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let (alert, ts) = try await Self.postedAlert(harness)

            // `/sluice ack N` in another channel: the thread note, and one ephemeral saying it was done.
            let typed = try await Self.calls(slack, harness) {
                let body = SlackHarness.commandBody("ack \(alert.id)", responseURL: slack.responseURL("ack"))
                try await harness.send("/slack/commands", body, contentType: Self.form)
            }
            #expect(typed == ["chat.postMessage", "chat.update", "response_url"])
            let reply = try #require(await slack.responses("ack").first)
            #expect(reply.body["response_type"]?.string == "ephemeral")
            #expect(reply.body["text"]?.string == ":eyes: Acknowledged alert \(alert.id): \(alert.title)")
            #expect(await slack.replies(in: SlackHarness.channel, threadTS: ts).filter { $0.text.contains("acknowledged this alert") }.count == 1)

            // Mute from the ephemeral `alerts` list (a button not on the alert): confirmed there once.
            let mute = ButtonAction.mute(alertID: alert.id, end: .after(.hours(4)))
            let pressed = try await Self.calls(slack, harness) {
                let body = SlackHarness.actionBody(actionID: mute.actionID, value: mute.value, responseURL: slack.responseURL("list"))
                try await harness.send("/slack/interactions", body, contentType: Self.form)
            }
            #expect(pressed == ["chat.postMessage", "response_url"])
            #expect(await slack.responses("list").first?.body["text"]?.string?.hasPrefix(":mute: Muted `mini/not_null_orders_customer` until ") == true)
        }
    }

    @Test func refusalsAndErrorsStayEphemeral() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let (alert, ts) = try await Self.postedAlert(harness)
            let bystander = SlackHarness.bystanderID

            // A bystander may not mute, in the thread or with the button: refused, only they see it.
            let inThread = try await Self.calls(slack, harness) {
                try await harness.send("/slack/events", Self.threadReply("mute 4h", in: ts, id: "Ev1", user: bystander), contentType: Self.json)
            }
            #expect(inThread == ["chat.postEphemeral"])
            #expect(await slack.ephemerals.last?.text.contains("only operators may mute") == true)
            #expect(await slack.ephemerals.last?.user == bystander)
            let mute = ButtonAction.mute(alertID: alert.id, end: .after(.hours(1)))
            let button = try await Self.calls(slack, harness) {
                let body = SlackHarness.actionBody(
                    actionID: mute.actionID, value: mute.value, user: bystander, responseURL: slack.responseURL("refused"), messageTS: ts)
                try await harness.send("/slack/interactions", body, contentType: Self.form)
            }
            #expect(button == ["response_url"])
            #expect(await slack.responses("refused").first?.body["text"]?.string?.contains("only operators may mute") == true)
            #expect(try await harness.state.read { try $0.activeMutes(at: harness.clock.now) }.isEmpty)

            // Acknowledged by the operator, then `ack` again by someone else: told who did, ephemerally.
            let acknowledged = try await Self.calls(slack, harness) {
                try await harness.send("/slack/events", Self.threadReply("ack", in: ts, id: "Ev2"), contentType: Self.json)
            }
            #expect(acknowledged == ["chat.postMessage", "chat.update"])
            let again = try await Self.calls(slack, harness) {
                try await harness.send("/slack/events", Self.threadReply("ack", in: ts, id: "Ev3", user: bystander), contentType: Self.json)
            }
            #expect(again == ["chat.postEphemeral"])
            #expect(await slack.ephemerals.last?.text == "Alert \(alert.id) was already acknowledged by <@\(SlackHarness.operatorID)>.")

            // Something the bot does not understand: the usage, ephemerally.
            let unknown = try await Self.calls(slack, harness) {
                try await harness.send("/slack/events", Self.threadReply("what now?", in: ts, id: "Ev4"), contentType: Self.json)
            }
            #expect(unknown == ["chat.postEphemeral"])
            #expect(await slack.ephemerals.last?.text == ThreadReply.usage)
        }
    }
}
