import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SlackAPI
import SlackDelivery
import SluiceApp
import SluiceCore
import StateStore
import Testing
import Worker

/// Slack down, rate limiting, or refusing: nothing Sluice wrote is lost, posted twice or reordered,
/// and the server keeps answering.
@Suite("Slack outages, rate-limit storms and refusals")
struct SlackOutageTests {
    /// Passes of the sender every `step` seconds of test time until `until` (or until the outbox is
    /// empty, with `untilDrained`), applying `scenario` (the outage script) before each pass.
    private static func drive(
        _ sender: OutboxSender, _ state: SQLiteStateStore, _ clock: TestClock, step: TimeInterval, until: Date,
        untilDrained: Bool = false, scenario: (Date) async -> Void = { _ in }
    ) async throws {
        while clock.now < until {
            await scenario(clock.now)
            try await sender.deliverDue()
            if untilDrained, try await state.read({ try $0.outboxBacklog().pending }) == 0 { return }
            clock.advance(by: step)
        }
    }

    /// A state store, a test clock and a sender over the fake with Slack's one message per second per channel.
    private static func outbox(_ slack: FakeSlackWebAPI) throws -> (state: SQLiteStateStore, clock: TestClock, sender: OutboxSender) {
        let state = try Workspace().stateStore()
        let clock = TestClock()
        let logger = Logger(label: "test")
        let sender = OutboxSender(
            state: state, messenger: SlackWebClient(token: FakeSlackWebAPI.defaultToken, baseURL: slack.baseURL, logger: logger),
            clock: clock, logger: logger, channelInterval: 1, announceChannel: "#alerts")
        return (state, clock, sender)
    }

    @Test func aTenMinuteOutageLosesNothingAndDeliversInOrderOnceWithOneEditPerMessage() async throws {
        try await FakeSlackWebAPI.run { slack in
            let (state, clock, sender) = try Self.outbox(slack)
            let start = clock.now
            await slack.setOutage(.serverError)

            // During the outage a run fails, its alert repeats twice (each repeat edits the alert and
            // replies in its thread), and another channel gets its run results.
            let alert = try await state.write { w in
                let alert = try w.enqueue(channel: "#alerts", action: .post(threadOf: nil), message: SlackMessage(text: "alert"), at: start)
                for n in 1...2 {
                    _ = try w.enqueue(channel: "#alerts", action: .update(target: alert), message: SlackMessage(text: "alert (\(n + 1)×)"), at: start)
                    _ = try w.enqueue(channel: "#alerts", action: .post(threadOf: alert), message: SlackMessage(text: "failed again \(n)"), at: start)
                }
                for n in 1...3 {
                    _ = try w.enqueue(channel: "#shop", action: .post(threadOf: nil), message: SlackMessage(text: "run \(n)"), at: start)
                }
                _ = try w.enqueue(channel: "#alerts", action: .post(threadOf: nil), message: SlackMessage(text: "after"), at: start)
                return alert
            }
            try await Self.drive(sender, state, clock, step: 5, until: start.addingTimeInterval(600))
            // Each try is a post or, once a 503 left a post in doubt, a look for it first.
            #expect(await slack.calls.count >= 2 * 8, "the sender kept trying through the outage")
            #expect(await slack.messages(in: "#alerts").isEmpty)
            #expect(try await state.read { try $0.outbox(state: .failed, limit: 10) }.isEmpty)

            await slack.setOutage(nil)
            // The longest backoff is 5 minutes: everything is delivered within a few of them.
            try await Self.drive(sender, state, clock, step: 5, until: clock.now.addingTimeInterval(900), untilDrained: true)

            #expect(try await state.read { try $0.outboxBacklog() } == OutboxBacklog(pending: 0, oldestPendingSince: nil, failedByReason: [:]))
            let top = await slack.topLevelMessages(in: "#alerts")
            #expect(top.map(\.text) == ["alert (3×)", "after"])
            #expect(await slack.topLevelMessages(in: "#shop").map(\.text) == ["run 1", "run 2", "run 3"])
            let alertTS = try #require(try await state.read { try $0.outboxEntry(id: alert)?.ts })
            #expect(await slack.replies(in: "#alerts", threadTS: alertTS).map(\.text) == ["failed again 1", "failed again 2"])
            // The backlog carried two edits of the alert: only the newest was sent.
            #expect(await slack.calls(method: "chat.update", succeeded: true).count == 1)
            #expect(await slack.calls(method: "chat.postMessage", succeeded: true).count == 7)
        }
    }

    @Test func anAlertRepeatingThroughAnOutageArrivesAsOneMessageAndOneUpToDateThreadNote() async throws {
        try await FakeSlackWebAPI.run { slack in
            let (state, clock, sender) = try Self.outbox(slack)
            let manifest = try AlertShop.manifest(in: Workspace())
            let recorder = AlertRecorder(manifest: manifest)
            func observe(_ check: String, run: Int64) async throws {
                let now = clock.now
                let observation = AlertObservation(
                    pipeline: "shop", check: check, table: "raw.orders", failing: .error, title: "\(check) fails", runID: run)
                _ = try await state.write { try recorder.record(observation, in: $0, at: now) }
            }
            await slack.setOutage(.serverError)
            // Two alerts open and fail again run after run while Slack is down.
            for run in Int64(1)...6 {
                try await observe("not_null_orders_id", run: run)
                if run <= 2 { try await observe("unique_orders_id", run: run) }
                try await Self.drive(sender, state, clock, step: 5, until: clock.now.addingTimeInterval(60))
            }
            #expect(await slack.messages(in: "#alerts").isEmpty)
            await slack.setOutage(nil)
            try await Self.drive(sender, state, clock, step: 5, until: clock.now.addingTimeInterval(900), untilDrained: true)

            let top = await slack.topLevelMessages(in: "#alerts")
            #expect(top.count == 2, "one message per alert: \(top.map(\.text))")
            let entries = try await state.read { try $0.outbox(state: nil, limit: 100) }
            let superseded = entries.filter { $0.state == .superseded }
            #expect(entries.allSatisfy { $0.state == .sent || $0.state == .superseded })
            let replies = await withTaskGroup(of: [String].self) { group in
                for message in top { group.addTask { await slack.replies(in: "#alerts", threadTS: message.ts).map(\.text) } }
                return await group.reduce(into: [[String]]()) { $0.append($1) }
            }.sorted { $0.count > $1.count }
            // Each alert's thread has its newest "failed again" note only: the five of the first
            // waited behind its unsent alert, and each made the one before it moot.
            #expect(replies == [
                ["Failed again in run 6 (6× so far): not_null_orders_id fails"],
                ["Failed again in run 2 (2× so far): unique_orders_id fails"],
            ])
            #expect(superseded.filter { if case .post = $0.action { true } else { false } }.count == 4)
        }
    }

    @Test func aFiveMinuteRateLimitStormIsWaitedOutWithoutCountingAsAttempts() async throws {
        try await FakeSlackWebAPI.run { slack in
            let (state, clock, sender) = try Self.outbox(slack)
            let start = clock.now
            try await state.write { w in
                for n in 1...21 {
                    _ = try w.enqueue(channel: "#alerts", action: .post(threadOf: nil), message: SlackMessage(text: "m\(n)"), at: start)
                }
            }
            await slack.setOutage(.rateLimited(retryAfter: 30))
            try await Self.drive(sender, state, clock, step: 1, until: start.addingTimeInterval(300))
            #expect(await slack.calls(method: "chat.postMessage").count == 10, "one attempt per Retry-After of 30 s")
            await slack.setOutage(nil)
            try await Self.drive(sender, state, clock, step: 1, until: clock.now.addingTimeInterval(120), untilDrained: true)

            #expect(await slack.topLevelMessages(in: "#alerts").map(\.text) == (1...21).map { "m\($0)" })
            let entries = try await state.read { try $0.outbox(state: nil, limit: 100) }
            #expect(entries.allSatisfy { $0.state == .sent })
            // Ten rate-limit waits, one delivery: only the delivery is an attempt.
            #expect(entries.map(\.attempts) == Array(repeating: 1, count: 21))
        }
    }

    @Test func aMessageSlackRefusesForGoodIsFailedCountedAndAnnouncedOncePerChannelAndReason() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let now = harness.clock.now
            await slack.rejectChannel("#gone", with: "channel_not_found")
            await slack.failNext(method: "chat.postMessage", with: .error("msg_too_long"))
            let ids = try await harness.state.write { w in
                (
                    try w.enqueue(channel: "#shop", action: .post(threadOf: nil), message: SlackMessage(text: "too long"), at: now),
                    try w.enqueue(channel: "#shop", action: .post(threadOf: nil), message: SlackMessage(text: "fine"), at: now),
                    try w.enqueue(channel: "#gone", action: .post(threadOf: nil), message: SlackMessage(text: "first lost"), at: now),
                    try w.enqueue(channel: "#gone", action: .post(threadOf: nil), message: SlackMessage(text: "second lost"), at: now)
                )
            }
            // Each pass delivers at most the head of each channel; a refused head does not block the next.
            for _ in 0..<4 { try await harness.sender.deliverDue() }

            let entries = try await harness.state.read { r in try [ids.0, ids.1, ids.2, ids.3].map { try #require(try r.outboxEntry(id: $0)) } }
            #expect(entries.map(\.state) == [.failed, .sent, .failed, .failed])
            #expect(entries.map(\.failureReason) == ["msg_too_long", nil, "channel_not_found", "channel_not_found"])
            #expect(await slack.topLevelMessages(in: "#shop").map(\.text) == ["fine"])
            let announcements = await slack.topLevelMessages(in: SlackHarness.channel).map(\.text)
            #expect(announcements.count == 2, "\(announcements)")
            #expect(announcements.contains { $0.contains("#shop") && $0.contains("`msg_too_long`") })
            #expect(announcements.contains { $0.contains("#gone") && $0.contains("`channel_not_found`") && $0.contains("invite the app") })

            try await harness.application().test(.router) { client in
                try await client.execute(uri: "/metrics", method: .get) { response in
                    let text = String(buffer: response.body)
                    #expect(text.contains(#"sluice_outbox_failed_messages{reason="channel_not_found"} 2"#), "\(text)")
                    #expect(text.contains(#"sluice_outbox_failed_messages{reason="msg_too_long"} 1"#))
                    #expect(text.contains("sluice_outbox_pending_messages 0"))
                    #expect(text.contains("sluice_outbox_oldest_pending_age_seconds 0"))
                }
            }
        }
    }

    @Test func aRevokedTokenKeepsMessagesWaitingUntilTheAppIsFixed() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let now = harness.clock.now
            await slack.acceptToken("xoxb-rotated")
            _ = try await harness.state.write { w in
                try w.enqueue(channel: "#shop", action: .post(threadOf: nil), message: SlackMessage(text: "kept"), at: now)
            }
            for _ in 0..<3 {
                try await harness.sender.deliverDue()
                harness.clock.advance(by: 300)
            }
            #expect(await slack.calls(method: "chat.postMessage").map(\.error) == ["invalid_auth", "invalid_auth", "invalid_auth"])
            harness.clock.advance(by: 60)
            try await harness.application().test(.router) { client in
                try await client.execute(uri: "/metrics", method: .get) { response in
                    let text = String(buffer: response.body)
                    #expect(text.contains("sluice_outbox_pending_messages 1"))
                    #expect(text.contains("sluice_outbox_oldest_pending_age_seconds 960"), "\(text)")
                }
            }
            await slack.acceptToken(FakeSlackWebAPI.defaultToken)
            try await harness.sender.deliverDue()
            #expect(await slack.topLevelMessages(in: "#shop").map(\.text) == ["kept"])
        }
    }

    @Test func aKeptReplyGoesToItsResponseURLWhileValidThenStraightToTheUser() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let now = harness.clock.now
            let ids = try await harness.state.write { w in
                (
                    try w.enqueue(
                        channel: "C2147483705", action: .reply(InteractiveReply(responseURL: slack.responseURL("fresh"), user: "U1", threadTS: nil, ephemeral: true)),
                        message: SlackMessage(text: "fresh answer"), at: now),
                    try w.enqueue(
                        channel: "C2147483705", action: .reply(InteractiveReply(responseURL: slack.responseURL("old"), user: "U2", threadTS: nil, ephemeral: true)),
                        message: SlackMessage(text: "late answer"), at: now.addingTimeInterval(-31 * 60)),
                    try w.enqueue(
                        channel: "#alerts", action: .reply(InteractiveReply(responseURL: nil, user: "U3", threadTS: "1700000001.000100", ephemeral: false)),
                        message: SlackMessage(text: "thread answer"), at: now)
                )
            }
            for _ in 0..<3 { try await harness.sender.deliverDue() }
            #expect(await slack.responses("fresh").map(\.error) == [nil])
            #expect(await slack.responses("old").isEmpty, "a response_url older than 30 minutes is not used")
            #expect(await slack.ephemerals.map { "\($0.user) \($0.text)" } == ["U2 late answer"])
            #expect(await slack.calls(method: "chat.postMessage", succeeded: true).map { $0.body["thread_ts"]?.string } == ["1700000001.000100"])
            let states = try await harness.state.read { r in try [ids.0, ids.1, ids.2].map { try r.outboxEntry(id: $0)?.state } }
            #expect(states == [.sent, .sent, .sent])
        }
    }

    @Test func theServerListensWhileSlackIsDownAndDeliversOnceSlackAnswers() async throws {
        try await FakeSlackWebAPI.run { slack in
            let workspace = try SlackHarness.miniWorkspace()
            // The pipeline ran before (so the scheduler does not run it at start): the command's run is run 2.
            try await workspace.stateStore().write { w in
                var earlier = try w.insertRun(
                    pipeline: "mini", trigger: .manual, requestedBy: "test", rerunOf: nil, backfillDays: nil, steps: [], at: Date())
                earlier.state = .succeeded
                try w.updateRun(earlier)
            }
            await slack.setOutage(.serverError)
            // The real clock: the token check and the outbox wait as they would in production.
            let sluice = try workspace.application(slack: slack, botUserID: nil, clock: SystemClock())
            let app = sluice.application()
            try await app.test(.live) { client in
                try await client.execute(uri: "/healthz", method: .get) { response in
                    #expect(response.status == .ok)
                }
                try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    let body = String(buffer: response.body)
                    #expect(body.contains(#""slack":"unverified""#), "\(body)")
                    #expect(body.contains(#""state_store":"reachable""#))
                }
                let body = SlackHarness.commandBody("run mini", responseURL: slack.responseURL("run"))
                let headers = SlackSigning.headers(
                    for: body, at: Date(), secret: SlackSigning.exampleSecret, contentType: "application/x-www-form-urlencoded")
                try await client.execute(uri: "/slack/commands", method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .ok)
                }
                await sluice.work.idle()
                let run = try #require(try await sluice.state.read { try $0.runs(pipeline: "mini", limit: 1).first })
                #expect(run.id == 2)
                #expect(run.state == .succeeded)
                let waiting = try await sluice.state.read { try $0.outbox(state: .pending, limit: 100) }
                let posts = waiting.filter { if case .post = $0.action { true } else { false } }
                #expect(!posts.isEmpty, "the run's messages wait in the outbox")

                await slack.setOutage(nil)
                await sluice.identity.untilVerified()
                #expect(sluice.identity.botUserID == FakeSlackWebAPI.botUserID)
                try await client.execute(uri: "/readyz", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains(#""status":"ready""#))
                }
                // Every waiting post is delivered, once (the progress message in the command's channel,
                // the run's details in its thread).
                let delivered = try await slack.waitForCalls(method: "chat.postMessage", count: posts.count, succeeded: true)
                #expect(delivered.count == posts.count)
                let progress = await slack.topLevelMessages(in: "C2147483705")
                #expect(progress.count == 1)
                #expect(progress.first?.text.contains("mini") == true)
                // The command's own answer waited in the outbox too, and reached its response_url once.
                #expect(posts.count + 1 == waiting.filter { if case .post = $0.action { true } else if case .reply = $0.action { true } else { false } }.count)
                while await slack.responses("run").allSatisfy({ $0.error != nil }) {
                    _ = try await slack.waitForCalls(method: "response_url", count: slack.calls(method: "response_url").count + 1)
                }
                let answers = await slack.responses("run")
                #expect(answers.first?.error == "http_503", "the first try met the outage")
                #expect(answers.filter { $0.error == nil }.count == 1)
                #expect(answers.last?.body.description.contains("Started `mini` run 2") == true, "\(answers.last?.body.description ?? "")")
            }
        }
    }

    @Test func aRefusedTokenStopsTheServerWithOneLine() async throws {
        try await FakeSlackWebAPI.run { slack in
            let workspace = try SlackHarness.miniWorkspace()
            await slack.acceptToken("xoxb-some-other-token")
            let sluice = try workspace.application(slack: slack, botUserID: nil, clock: TestClock())
            let check = SlackTokenCheck(client: try #require(sluice.slackClient), identity: sluice.identity, clock: TestClock(), logger: Logger(label: "test"))
            let error = await #expect(throws: SlackTokenRefused.self) { try await check.run() }
            #expect(error?.description == "Slack refused SLACK_BOT_TOKEN (invalid_auth): SLACK_BOT_TOKEN is not valid: reinstall the app and copy the Bot User OAuth Token")
            #expect(!(error?.description.contains("\n") ?? true))
            #expect(sluice.identity.status != .verified)
        }
    }
}
