import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SluiceCore
import StateStore
import Testing

@Suite("Slack surface over HTTP, against a fake Slack Web API")
struct SlackSurfaceTests {
    static let form = "application/x-www-form-urlencoded"

    @Test func theAlertLifecycleHappensInOneThread() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let workTask = Task { await harness.work.run() }
            defer { workTask.cancel() }
            let fingerprint = "mini/not_null_orders_customer/raw.orders"

            // 1. The check fails: one alert posted at the top level, owners mentioned.
            try await harness.runAndDeliver()
            let alert = try #require(try await harness.state.read { try $0.unresolvedAlert(fingerprint: fingerprint) })
            let original = try #require(try await harness.state.read { try $0.outboxEntry(id: alert.messageOutboxID ?? 0) })
            let alertTS = try #require(original.ts)
            var posted = try #require(await slack.message(channel: SlackHarness.channel, ts: alertTS))
            #expect(posted.text.hasPrefix("Error"))
            #expect(posted.blocks.description.contains("<@U0OWNER>"))
            let topLevelAfterFirst = await slack.topLevelMessages(in: SlackHarness.channel).count

            // 2. It fails again: the repeat goes into the thread and the original's counter is bumped.
            try await harness.runAndDeliver()
            posted = try #require(await slack.message(channel: SlackHarness.channel, ts: alertTS))
            #expect(posted.edits == 1)
            #expect(posted.blocks.description.contains("seen 2×"))
            var thread = await slack.replies(in: SlackHarness.channel, threadTS: alertTS)
            #expect(thread.contains { $0.text.contains("Failed again") })
            // Only the run result is new at the top level, not a second alert.
            #expect(await slack.topLevelMessages(in: SlackHarness.channel).count == topLevelAfterFirst + 1)

            // 3. Acknowledge button on the alert: the original is edited to say who acknowledged it and
            // the thread says so; that is the whole answer (no ephemeral repeating it).
            let body = SlackHarness.actionBody(
                actionID: ButtonAction.acknowledge(alertID: alert.id).actionID, value: String(alert.id),
                responseURL: slack.responseURL("ack"), messageTS: alertTS)
            #expect(try await harness.send("/slack/interactions", body, contentType: Self.form).status == .ok)
            try await harness.sender.deliverDue()
            posted = try #require(await slack.message(channel: SlackHarness.channel, ts: alertTS))
            #expect(posted.blocks.description.contains("acknowledged by <@\(SlackHarness.operatorID)>"))
            #expect(try await harness.state.read { try $0.alert(id: alert.id) }?.status == .acknowledged)
            thread = await slack.replies(in: SlackHarness.channel, threadTS: alertTS)
            #expect(thread.filter { $0.text.contains("acknowledged this alert") }.count == 1)
            #expect(await slack.responses("ack").isEmpty)

            // 4. `@Sluice mute 4h flaky upstream` in the thread; Slack's retry of the event changes nothing.
            let event = SlackHarness.threadEventBody(
                text: "<@\(FakeSlackWebAPI.botUserID)> mute 4h flaky upstream", threadTS: alertTS, eventID: "Ev0MUTE")
            for retry in 0..<2 {
                let status = try await harness.send("/slack/events", event, contentType: "application/json", retry: retry > 0 ? retry : nil).status
                #expect(status == .ok)
            }
            try await harness.sender.deliverDue()
            thread = await slack.replies(in: SlackHarness.channel, threadTS: alertTS)
            #expect(thread.filter { $0.text.contains(":mute: Muted `mini/not_null_orders_customer`") }.count == 1)
            #expect(await slack.calls(method: "chat.postEphemeral").isEmpty)
            let mutes = try await harness.state.read { try $0.activeMutes(at: harness.clock.now) }
            #expect(mutes.count == 1)
            #expect(mutes.first?.target == "mini/not_null_orders_customer")
            #expect(mutes.first?.reason == "flaky upstream")
            let mutedFor = try #require(mutes.first.map { $0.endsAt.timeIntervalSince($0.createdAt) })
            #expect(abs(mutedFor - 4 * 3600) < 0.01)

            // 5. While muted, a failing run posts nothing about the alert.
            let threadBefore = await slack.replies(in: SlackHarness.channel, threadTS: alertTS).count
            let editsBefore = try #require(await slack.message(channel: SlackHarness.channel, ts: alertTS)).edits
            try await harness.runAndDeliver()
            #expect(await slack.replies(in: SlackHarness.channel, threadTS: alertTS).count == threadBefore)
            #expect(try #require(await slack.message(channel: SlackHarness.channel, ts: alertTS)).edits == editsBefore)
            #expect(try await harness.state.read { try $0.alert(id: alert.id) }?.occurrences == 3)

            // 6. The data is fixed: the original is edited to resolved and the thread says so.
            try harness.workspace.write("data/orders.csv", "id,amount,customer\n1,10,alice\n2,20,bob\n")
            try await harness.runAndDeliver()
            posted = try #require(await slack.message(channel: SlackHarness.channel, ts: alertTS))
            #expect(posted.text.hasPrefix("Resolved"))
            thread = await slack.replies(in: SlackHarness.channel, threadTS: alertTS)
            #expect(thread.last?.text.contains("Resolved") == true)
            #expect(try await harness.state.read { try $0.alert(id: alert.id) }?.status == .resolved)

            let audit = try await harness.state.read { try $0.auditLog(limit: 10) }
            #expect(Set(audit.map(\.action)) == ["ack", "mute"])
            #expect(audit.allSatisfy { $0.actor == SlackHarness.operatorID })
        }
    }

    @Test func unsignedStaleAndTamperedRequestsAreRefusedAndExecuteNothing() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let body = SlackHarness.commandBody("run mini", responseURL: slack.responseURL("r"))
            try await harness.application().test(.router) { client in
                var cases: [(String, HTTPFields, String)] = []
                var unsigned = HTTPFields()
                unsigned[.contentType] = Self.form
                cases.append(("unsigned", unsigned, body))
                cases.append(("stale", harness.signedHeaders(body, timestamp: harness.clock.now - 301, contentType: Self.form), body))
                cases.append(("future", harness.signedHeaders(body, timestamp: harness.clock.now + 301, contentType: Self.form), body))
                cases.append(("wrong secret", harness.signedHeaders(body, secret: "not-the-secret", contentType: Self.form), body))
                cases.append(("tampered", harness.signedHeaders(body, contentType: Self.form), body.replacingOccurrences(of: "mini", with: "mIni")))
                for (name, headers, sent) in cases {
                    for uri in ["/slack/commands", "/slack/events", "/slack/interactions"] {
                        let status = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: sent)) { $0.status }
                        #expect(status == .unauthorized, "\(name) \(uri)")
                    }
                }
                let huge = String(repeating: "a", count: 300_000)
                let status = try await client.execute(
                    uri: "/slack/commands", method: .post, headers: harness.signedHeaders(huge, contentType: Self.form),
                    body: ByteBuffer(string: huge)) { $0.status }
                #expect(status == .unauthorized)
            }
            let (runs, audit) = try await harness.state.read { (try $0.runs(pipeline: nil, limit: 10), try $0.auditLog(limit: 10)) }
            #expect(runs.isEmpty)
            #expect(audit.isEmpty)
            #expect(await slack.calls.isEmpty)
        }
    }

    @Test func commandsAnswerAtOnceOrThroughTheResponseURL() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let workTask = Task { await harness.work.run() }
            defer { workTask.cancel() }
            try await harness.application().test(.router) { client in
                // help and bad input are answered in the HTTP response itself.
                for (text, expected) in [("help", "Sluice commands"), ("freshnes raw.orders", "freshness"), ("volume raw.ordrs", "raw.orders")] {
                    let body = SlackHarness.commandBody(text, responseURL: slack.responseURL("immediate"))
                    let reply = try await client.execute(
                        uri: "/slack/commands", method: .post, headers: harness.signedHeaders(body, contentType: Self.form),
                        body: ByteBuffer(string: body)) { String(buffer: $0.body) }
                    #expect(reply.contains(#""response_type":"ephemeral""#), "\(text)")
                    #expect(reply.contains(expected), "\(text): \(reply)")
                }
                // run by a non-operator: refused politely and audited.
                var body = SlackHarness.commandBody("run mini", user: SlackHarness.bystanderID, responseURL: slack.responseURL("refused"))
                _ = try await client.execute(
                    uri: "/slack/commands", method: .post, headers: harness.signedHeaders(body, contentType: Self.form),
                    body: ByteBuffer(string: body)) { $0.status }
                // run by an operator: acknowledged, started, answered in the channel.
                body = SlackHarness.commandBody("run mini", responseURL: slack.responseURL("run"))
                let status = try await client.execute(
                    uri: "/slack/commands", method: .post, headers: harness.signedHeaders(body, contentType: Self.form),
                    body: ByteBuffer(string: body)) { $0.status }
                #expect(status == .ok)
            }
            let refused = try await slack.waitForCallsTo(responseURL: "refused", count: 1)
            #expect(refused.first?.body.description.contains("only operators") == true)
            let started = try await slack.waitForCallsTo(responseURL: "run", count: 1)
            #expect(started.first?.body.description.contains("in_channel") == true)
            let audit = try await harness.state.read { try $0.auditLog(limit: 10) }
            #expect(audit.contains { $0.actor == SlackHarness.bystanderID && $0.outcome == "refused" && $0.action == "run" })
            #expect(audit.contains { $0.actor == SlackHarness.operatorID && $0.outcome == "done" && $0.channel == "C2147483705" })
        }
    }
}

extension FakeSlackWebAPI {
    /// Waits for `count` calls to one `response_url`.
    func waitForCallsTo(responseURL id: String, count: Int) async throws -> [Call] {
        while responses(id).count < count {
            _ = try await waitForCalls(method: "response_url", count: calls(method: "response_url").count + 1)
        }
        return responses(id)
    }
}
