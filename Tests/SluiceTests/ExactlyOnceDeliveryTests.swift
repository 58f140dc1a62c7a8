import Foundation
import Logging
import SlackAPI
import SlackDelivery
import SluiceCore
import StateStore
import Testing
@testable import Worker

/// A messenger that dies around a post, as a process killed with `kill -9` does: before the post
/// leaves, or after Slack has it but before its answer is back.
private struct DyingMessenger: SlackMessenger {
    enum Moment { case beforePost, afterPost }
    struct Died: Error {}

    let base: SlackWebClient
    let moment: Moment

    func post(channel: String, message: SlackMessage, threadTS: String?, mark: DeliveryMark?) async throws -> SlackPostedMessage {
        if moment == .afterPost { _ = try await base.post(channel: channel, message: message, threadTS: threadTS, mark: mark) }
        throw Died()
    }

    func update(channel: String, ts: String, message: SlackMessage) async throws {
        try await base.update(channel: channel, ts: ts, message: message)
    }

    func respond(to responseURL: String, message: SlackMessage, ephemeral: Bool, replaceOriginal: Bool) async throws {
        try await base.respond(to: responseURL, message: message, ephemeral: ephemeral, replaceOriginal: replaceOriginal)
    }

    func postEphemeral(channel: String, user: String, message: SlackMessage, threadTS: String?) async throws {
        try await base.postEphemeral(channel: channel, user: user, message: message, threadTS: threadTS)
    }

    func findPosted(_ mark: DeliveryMark, channel: String, channelID: String?, threadTS: String?, since: Date) async throws -> SlackPostedMessage? {
        try await base.findPosted(mark, channel: channel, channelID: channelID, threadTS: threadTS, since: since)
    }
}

/// Every post carries its outbox entry in Slack's message metadata; a post whose answer a crash
/// lost is found in the channel's history (or the thread's replies) and adopted, never posted twice.
@Suite("Exactly-once posting across crashes between post and record")
struct ExactlyOnceDeliveryTests {
    @Test func twentyCrashesAroundPostsLeaveEveryMessageInSlackExactlyOnce() async throws {
        try await FakeSlackWebAPI.run { slack in
            let state = try Workspace().stateStore()
            let clock = TestClock()
            let logger = Logger(label: "test")
            let client = SlackWebClient(token: FakeSlackWebAPI.defaultToken, baseURL: slack.baseURL, logger: logger)
            func sender(_ messenger: any SlackMessenger) -> OutboxSender {
                OutboxSender(state: state, messenger: messenger, clock: clock, logger: logger, channelInterval: 0)
            }
            var random = SplitMix64(seed: 20261204)
            let channels = ["#alerts", "#shop", "C0123CHAN9"]
            var parents: [Int64] = []
            var diedAfterPost = 0
            for round in 0..<20 {
                let channel = channels[Int(random.next() % 3)]
                let parent = parents.isEmpty || random.next() % 2 == 0 ? nil : parents[Int(random.next() % UInt64(parents.count))]
                let id = try await state.write { w in
                    let parentChannel = try parent.flatMap { try w.outboxEntry(id: $0)?.channel }
                    return try w.enqueue(
                        channel: parentChannel ?? channel, action: .post(threadOf: parent), message: SlackMessage(text: "message \(round)"),
                        at: clock.now)
                }
                if parent == nil { parents.append(id) }
                // The process dies around the post (half the time after Slack has it)...
                let moment: DyingMessenger.Moment = random.next() % 2 == 0 ? .afterPost : .beforePost
                if moment == .afterPost { diedAfterPost += 1 }
                await #expect(throws: DyingMessenger.Died.self) { try await sender(DyingMessenger(base: client, moment: moment)).deliverDue() }
                #expect(try await state.read { try $0.outboxEntry(id: id)?.sendingSince } != nil)
                // ...and the next process delivers it: adopted when Slack has it, posted when not.
                clock.advance(by: 1)
                #expect(try await sender(client).deliverDue() == 1)
                let entry = try #require(try await state.read { try $0.outboxEntry(id: id) })
                #expect(entry.state == .sent)
                let copies = await slack.calls(method: "chat.postMessage", succeeded: true).filter { $0.body["text"]?.string == "message \(round)" }
                #expect(copies.count == 1, "round \(round) (\(moment)): \(copies.count) copies in Slack")
            }
            // Each message is in Slack once, where the outbox says it is, marked with its entry.
            let entries = try await state.read { try $0.outbox(state: nil, limit: 100) }
            #expect(entries.count == 20 && entries.allSatisfy { $0.state == .sent })
            for entry in entries {
                let channelID = try #require(entry.channelID)
                let ts = try #require(entry.ts)
                let message = try #require(await slack.message(channel: channelID, ts: ts))
                #expect(message.text == entry.message.text)
                #expect(message.metadata?["event_type"]?.string == DeliveryMark.eventType)
            }
            // Each crashed post was looked for once (a channel Slack has never seen has no history to read).
            let lookups = await slack.calls(method: "conversations.history").count + slack.calls(method: "conversations.replies").count
            #expect(lookups >= diedAfterPost && lookups <= 20, "\(lookups) lookups, \(diedAfterPost) crashes after the post")
            #expect(diedAfterPost >= 5, "the seed exercises both moments")
            #expect(await slack.calls(method: "conversations.replies").count >= 1, "and a thread reply found again")
        }
    }

    @Test func aTimedOutPostIsLookedForBeforeItIsPostedAgain() async throws {
        try await FakeSlackWebAPI.run { slack in
            let state = try Workspace().stateStore()
            let clock = TestClock()
            let logger = Logger(label: "test")
            let client = SlackWebClient(token: FakeSlackWebAPI.defaultToken, baseURL: slack.baseURL, logger: logger)
            let sender = OutboxSender(state: state, messenger: client, clock: clock, logger: logger, channelInterval: 0)
            let id = try await state.write { try $0.enqueue(channel: "#alerts", action: .post(threadOf: nil), message: SlackMessage(text: "slow"), at: clock.now) }
            // Slack posts, then answers 503: the message is there, and its answer is lost.
            await slack.failNext(method: "chat.postMessage", with: .serverErrorAfterEffect)
            #expect(try await sender.deliverDue() == 0)
            #expect(try await state.read { try $0.outboxEntry(id: id)?.sendingSince } != nil, "a 5xx leaves the post in doubt")
            clock.advance(by: 600)
            #expect(try await sender.deliverDue() == 1)
            #expect(await slack.calls(method: "conversations.list").count == 1, "the channel's id was looked up by name")
            #expect(await slack.calls(method: "conversations.history").count == 1)
            #expect(await slack.topLevelMessages(in: "#alerts").map(\.text) == ["slow"])

            // An answer that proves nothing was posted (ratelimited) clears the doubt: no lookup.
            let second = try await state.write { try $0.enqueue(channel: "#alerts", action: .post(threadOf: nil), message: SlackMessage(text: "later"), at: clock.now) }
            await slack.failNext(method: "chat.postMessage", with: .rateLimited(retryAfter: 1))
            #expect(try await sender.deliverDue() == 0)
            #expect(try await state.read { try $0.outboxEntry(id: second)?.sendingSince } == nil)
            clock.advance(by: 1)
            #expect(try await sender.deliverDue() == 1)
            #expect(await slack.calls(method: "conversations.history").count == 1)
        }
    }
}

/// The same, with a real process killed by `kill -9` the moment Slack has its post.
@Suite("Exactly-once posting across kill -9 of sluice serve")
struct KillNineDeliveryTests {
    /// Polls the state store every 20 ms (at most 60 s) until the outbox has nothing pending.
    private static func waitUntilDrained(_ state: SQLiteStateStore) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while try await state.read({ try $0.outboxBacklog().pending }) > 0 {
            guard ContinuousClock.now < deadline else { throw SluiceProcess.NotStarted(description: "the outbox did not drain within 60 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func killedBetweenPostAndRecordTwentyTimesNoMessageIsPostedTwice() async throws {
        try await FakeSlackWebAPI.run { slack in
            let workspace = try SlackHarness.miniWorkspace()
            let environment = [
                "SLUICE_MANIFEST": workspace.path("sluice.yml"), "SLUICE_STATE": workspace.path("state.sqlite"),
                "SLACK_BOT_TOKEN": FakeSlackWebAPI.defaultToken, "SLACK_SIGNING_SECRET": SlackSigning.exampleSecret,
                "SLACK_API_URL": slack.baseURL, "LOG_LEVEL": "notice", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            ]
            let log = workspace.path("serve.log")
            var kills = 0
            for round in 0..<20 {
                let server = try await SluiceProcess.start(environment: environment, directory: workspace.root, log: log)
                let status = try await server.stopping {
                    // The first start posts its start-up run's result; later ones what the last kill left.
                    let state = try SQLiteStateStore(path: workspace.path("state.sqlite"))
                    try await Self.waitUntilDrained(state)
                    await slack.onNextPost { server.kill() }
                    let body = SlackHarness.commandBody("run mini", responseURL: slack.responseURL("run\(round)"))
                    let headers = SlackSigning.headers(for: body, at: Date(), secret: SlackSigning.exampleSecret, contentType: "application/x-www-form-urlencoded")
                    #expect(try await server.post("/slack/commands", body: body, headers: headers.map { ($0.name.rawName, $0.value) }) == 200)
                    return await server.waitForExit()
                }
                #expect(status != 0, "round \(round): killed, not stopped")
                kills += 1
            }
            let server = try await SluiceProcess.start(environment: environment, directory: workspace.root, log: log)
            let state = try SQLiteStateStore(path: workspace.path("state.sqlite"))
            try await server.stopping { try await Self.waitUntilDrained(state) }

            #expect(kills == 20)
            let entries = try await state.read { try $0.outbox(state: nil, limit: 10_000) }
            let posts = entries.filter { if case .post = $0.action { true } else { false } }
            #expect(posts.allSatisfy { $0.state == .sent }, "\(posts.filter { $0.state != .sent })")
            // Every post in Slack carries its outbox entry; none appears twice.
            let marked = await slack.calls(method: "chat.postMessage", succeeded: true).compactMap { call -> Int64? in
                guard let payload = call.body["metadata"]?["event_payload"] else { return nil }
                return payload["outbox_id"]?.int.map { Int64($0) }
            }
            #expect(marked.count == posts.count, "\(marked.count) posts in Slack for \(posts.count) outbox posts")
            #expect(Set(marked).count == marked.count, "a message was posted twice: \(Dictionary(grouping: marked) { $0 }.filter { $0.value.count > 1 }.keys.sorted())")
            #expect(Set(marked) == Set(posts.map(\.id)))
            let adopted = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").components(separatedBy: "left unrecorded; not posting it again").count - 1
            #expect(adopted >= 20, "each killed post was found again (\(adopted))")
        }
    }
}
