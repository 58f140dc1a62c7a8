import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Server
import SlackAPI
import SlackDelivery
import SluiceCore
import StateStore
import Testing
@testable import Worker

@Suite("Slack delivery across restarts, and hostile input")
struct SlackRobustnessTests {
    @Test func messagesEnqueuedBeforeACrashAreDeliveredExactlyOnceAfterRestart() async throws {
        try await FakeSlackWebAPI.run { slack in
            let workspace = try Workspace()
            let now = Date(timeIntervalSince1970: 1_795_000_000)
            let ids: (Int64, Int64, Int64, Int64) = try await {
                // Process 1 writes its messages and is killed before its sender runs.
                let state = try workspace.stateStore()
                return try await state.write { writer in
                    let alert = try writer.enqueue(channel: "#alerts", action: .post(threadOf: nil), message: SlackMessage(text: "alert"), at: now)
                    let other = try writer.enqueue(channel: "#shop", action: .post(threadOf: nil), message: SlackMessage(text: "run result"), at: now)
                    let reply = try writer.enqueue(channel: "#alerts", action: .post(threadOf: alert), message: SlackMessage(text: "again"), at: now)
                    let edit = try writer.enqueue(channel: "#alerts", action: .update(target: alert), message: SlackMessage(text: "alert (2×)"), at: now)
                    return (alert, other, reply, edit)
                }
            }()

            // Process 2 starts, delivers everything once; a second pass delivers nothing more.
            let state = try workspace.stateStore()
            let logger = Logger(label: "test")
            func sender() -> OutboxSender {
                OutboxSender(
                    state: state, messenger: SlackWebClient(token: FakeSlackWebAPI.defaultToken, baseURL: slack.baseURL, logger: logger),
                    clock: TestClock(now), logger: logger, channelInterval: 0)
            }
            let second = sender()
            #expect(try await second.deliverDue() == 4)
            #expect(try await second.deliverDue() == 0)
            #expect(await slack.calls(method: "chat.postMessage").count == 3)
            #expect(await slack.calls(method: "chat.update").count == 1)
            let alertTS = try #require(try await state.read { try $0.outboxEntry(id: ids.0)?.ts })
            #expect(await slack.replies(in: "#alerts", threadTS: alertTS).map(\.text) == ["again"])
            #expect(await slack.message(channel: "#alerts", ts: alertTS)?.text == "alert (2×)")

            // Process 3 (a fresh client that never posted to #alerts) can still edit: the channel id was stored.
            let late = try await state.write { try $0.enqueue(channel: "#alerts", action: .update(target: ids.0), message: SlackMessage(text: "resolved"), at: now) }
            #expect(try await sender().deliverDue() == 1)
            #expect(await slack.message(channel: "#alerts", ts: alertTS)?.text == "resolved")
            let entries = try await state.read { try $0.outbox(state: nil, limit: 10) }
            #expect(entries.allSatisfy { $0.state == .sent })
            #expect(entries.map(\.id).contains(late))
            #expect(await slack.calls(method: "chat.postMessage").count == 3)
        }
    }

    @Test func ratelimitedDeliveriesWaitForRetryAfterAndKeepChannelOrder() async throws {
        try await FakeSlackWebAPI.run { slack in
            let workspace = try Workspace()
            let state = try workspace.stateStore()
            let clock = TestClock()
            let logger = Logger(label: "test")
            let sender = OutboxSender(
                state: state, messenger: SlackWebClient(token: FakeSlackWebAPI.defaultToken, baseURL: slack.baseURL, logger: logger),
                clock: clock, logger: logger, channelInterval: 1)
            let now = clock.now
            try await state.write { writer in
                for n in 1...3 {
                    _ = try writer.enqueue(channel: "#alerts", action: .post(threadOf: nil), message: SlackMessage(text: "m\(n)"), at: now)
                }
            }
            await slack.failNext(method: "chat.postMessage", with: .rateLimited(retryAfter: 30))
            #expect(try await sender.deliverDue() == 0)
            clock.advance(by: 29)
            #expect(try await sender.deliverDue() == 0)
            clock.advance(by: 1)
            #expect(try await sender.deliverDue() == 1)
            // At most one message per second per channel.
            #expect(try await sender.deliverDue() == 0)
            clock.advance(by: 1)
            #expect(try await sender.deliverDue() == 1)
            clock.advance(by: 1)
            #expect(try await sender.deliverDue() == 1)
            #expect(await slack.topLevelMessages(in: "#alerts").map(\.text) == ["m1", "m2", "m3"])
        }
    }

    @Test func randomAndMalformedInputNeverCrashesNeverFailsAndNeverActs() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let workTask = Task { await harness.work.run() }
            defer { workTask.cancel() }
            let snippets = [
                "run mini", "run mini; drop table raw.orders", "' or 1=1 --", "mute raw.orders 4h <!channel>", "rerun 1 --all",
                "backfill mini 2026-01-01 2026-12-31", "ack 99999999999999999999", "{\"type\":", "payload=%7B%22type", "%ZZ%",
                "event_callback", "\u{0}\u{1}", "😀", String(repeating: "x", count: 5000), "text=run+mini&user_id=U0OPERATOR",
            ]
            try await harness.application().test(.router) { client in
                var random = SplitMix64(seed: 20261121)
                for round in 0..<300 {
                    let route = ["/slack/commands", "/slack/events", "/slack/interactions"][round % 3]
                    let body: String
                    switch random.next() % 4 {
                    case 0: body = String((0..<Int(random.next() % 400)).map { _ in Character(UnicodeScalar(UInt8(random.next() % 128))) })
                    case 1: body = SlackHarness.commandBody(snippets[Int(random.next() % UInt64(snippets.count))], user: SlackHarness.bystanderID, responseURL: slack.responseURL("fuzz"))
                    case 2: body = "payload=" + SlackHarness.formEscape("{\"type\":\"block_actions\",\"user\":{\"id\":\"\(SlackHarness.bystanderID)\"},\"actions\":[{\"action_id\":\"alert.mute.4h\",\"value\":\"\(snippets[Int(random.next() % UInt64(snippets.count))])\"}]}")
                    default: body = "{\"type\":\"event_callback\",\"event_id\":\"Ev\(round)\",\"event\":{\"type\":\"app_mention\",\"user\":\"\(SlackHarness.bystanderID)\",\"text\":\"\(snippets[Int(random.next() % 10)])\",\"thread_ts\":\"1.2\",\"channel\":\"C1\"}}"
                    }
                    let signed = random.next() % 5 != 0
                    var headers = signed ? harness.signedHeaders(body, contentType: "application/x-www-form-urlencoded") : HTTPFields()
                    if random.next() % 7 == 0 { headers[HTTPField.Name("X-Slack-Signature")!] = "v0=zz" }
                    let status = try await client.execute(uri: route, method: .post, headers: headers, body: ByteBuffer(string: body)) { $0.status }
                    #expect(status.code < 500, "\(route) answered \(status) to \(body.prefix(80))")
                    #expect([200, 400, 401].contains(status.code), "\(route) answered \(status)")
                }
            }
            let (runs, mutes, audit) = try await harness.state.read {
                (try $0.runs(pipeline: nil, limit: 10), try $0.activeMutes(at: harness.clock.now), try $0.auditLog(limit: 1000))
            }
            #expect(runs.isEmpty)
            #expect(mutes.isEmpty)
            #expect(audit.allSatisfy { $0.outcome == "refused" })
        }
    }

    @Test func aPayloadWithHundredsOfActionsActsOnTheFirstOnly() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let one = SlackHarness.actionBody(actionID: "alert.details", value: "7", responseURL: slack.responseURL("flood"))
            let json = try #require(one.dropFirst("payload=".count).removingPercentEncoding?.replacingOccurrences(of: "+", with: " "))
            var payload = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let action = try #require((payload["actions"] as? [[String: Any]])?.first)
            payload["actions"] = Array(repeating: action, count: 800)  // as many as fit in the 256 KiB body limit
            let body = "payload=" + SlackHarness.formEscape(String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self))
            let answer = try await harness.send("/slack/interactions", body, contentType: "application/x-www-form-urlencoded")
            #expect(answer.status == .ok)
            #expect(await slack.responses("flood").count == 1)
        }
    }
}
