import Foundation
import SluiceCore
import StateStore
import Testing

/// The outbox's delivery lifecycle, and Slack events processed once across restarts.
@Suite("SQLiteStateStore: outbox and processed Slack events")
struct SQLiteStateStoreOutboxTests: SQLiteStateStoreSuite {
    @Test func outboxDeliveryLifecycle() async throws {
        try await withTemporaryPath { path in
            let store = try SQLiteStateStore(path: path)
            let t0 = self.t0
            let message = SlackMessage(
                text: "shop failed",
                blocks: [
                    .header("shop failed"),
                    .section(
                        text: "*load:orders* failed", fields: ["*Rows*\n1.2M", "*Cost*\n$0.02"],
                        accessory: Button(
                            text: "Rerun", actionID: "run.rerun", value: "42", style: "danger",
                            confirm: Confirmation(title: "Rerun?", text: "Rerun run *42* from its failed step"))),
                    .section(text: "plain section"),
                    .context(["<@U0123ABCD>", "2h 14m ago"]),
                    .divider,
                    .actions(
                        blockID: "alert:7",
                        [
                            Button(text: "Acknowledge", actionID: "alert.ack", value: "7", style: "primary"),
                            Button(text: "Mute 4h", actionID: "alert.mute.4h", value: "7"),
                        ]),
                    .actions(blockID: nil, [Button(text: "Details", actionID: "alert.details", value: "7")]),
                ])
            let (postID, replyID, editID) = try await store.write { w in
                let post = try w.enqueue(channel: "#shop-data", action: .post(threadOf: nil), message: message, at: t0)
                let reply = try w.enqueue(
                    channel: "#shop-data", action: .post(threadOf: post), message: SlackMessage(text: "details"),
                    at: t0.addingTimeInterval(1))
                let edit = try w.enqueue(
                    channel: "#shop-data", action: .update(target: post), message: SlackMessage(text: "resolved"),
                    at: t0.addingTimeInterval(2))
                return (post, reply, edit)
            }
            #expect(postID < replyID && replyID < editID)

            let post = try #require(try await store.read { r in try r.outboxEntry(id: postID) })
            #expect(post.message == message)
            #expect(post.action == .post(threadOf: nil))
            #expect(post.state == .pending)
            #expect(post.attempts == 0)
            #expect(post.notBefore == t0)
            #expect(post.createdAt == t0)

            let dueAtStart = try await store.read { r in try r.outbox(state: .pending, limit: 10).filter { $0.notBefore <= t0.addingTimeInterval(1) } }
            #expect(dueAtStart.map(\.id) == [postID, replyID])
            #expect(dueAtStart.last?.action == .post(threadOf: postID))

            let retryAt = t0.addingTimeInterval(30)
            try await store.write { w in
                try w.markSent(outboxID: postID, ts: "1700000000.000100", channelID: "C0FAKE0001")
                try w.markRetry(outboxID: replyID, error: "ratelimited", notBefore: retryAt, countsAsAttempt: true, mayHaveBeenPosted: false)
                try w.markFailed(outboxID: editID, reason: "message_not_found", error: "message_not_found: gone")
            }
            let (dueBefore, dueAfter, sent, failed, pending, reply, all) = try await store.read { r in
                (
                    try r.outbox(state: .pending, limit: 10).filter { $0.notBefore <= t0.addingTimeInterval(29) },
                    try r.outbox(state: .pending, limit: 10).filter { $0.notBefore <= retryAt },
                    try r.outbox(state: .sent, limit: 10),
                    try r.outbox(state: .failed, limit: 10),
                    try r.outbox(state: .pending, limit: 10),
                    try r.outboxEntry(id: replyID),
                    try r.outbox(state: nil, limit: 2)
                )
            }
            #expect(dueBefore.isEmpty)
            #expect(dueAfter.map(\.id) == [replyID])
            #expect(sent.map(\.id) == [postID])
            #expect(sent.first?.ts == "1700000000.000100")
            #expect(sent.first?.channelID == "C0FAKE0001")
            #expect(sent.first?.attempts == 1)
            #expect(failed.map(\.id) == [editID])
            #expect(failed.first?.action == .update(target: postID))
            #expect(failed.first?.lastError == "message_not_found: gone")
            #expect(pending.map(\.id) == [replyID])
            #expect(reply?.attempts == 1)
            #expect(reply?.lastError == "ratelimited")
            #expect(reply?.notBefore == retryAt)
            #expect(all.map(\.id) == [postID, replyID])
            #expect(failed.first?.failureReason == "message_not_found")
            #expect(try await store.read { try $0.outboxBacklog() } == OutboxBacklog(
                pending: 1, oldestPendingSince: t0.addingTimeInterval(1), failedByReason: ["message_not_found": 1]))

            // A rate-limit wait is not an attempt; a superseded edit is neither pending nor failed.
            try await store.write { w in
                try w.markRetry(outboxID: replyID, error: "ratelimited", notBefore: retryAt, countsAsAttempt: false, mayHaveBeenPosted: false)
            }
            #expect(try await store.read { try $0.outboxEntry(id: replyID)?.attempts } == 1)
            let (older, newer) = try await store.write { w in
                (try w.enqueue(channel: "#alerts", action: .update(target: postID), message: message, at: t0),
                 try w.enqueue(channel: "#alerts", action: .update(target: postID), message: message, at: t0))
            }
            try await store.write { w in try w.markSuperseded(outboxID: older, by: newer) }
            #expect(try await store.read { try $0.outboxEntry(id: older)?.state } == .superseded)
            #expect(try await store.read { try $0.outboxBacklog().pending } == 2)
            await #expect(throws: StateStoreError.notFound("pending outbox entry \(older)")) {
                try await store.write { w in try w.markSuperseded(outboxID: older, by: newer) }
            }

            await #expect(throws: StateStoreError.notFound("outbox entry 999")) {
                try await store.write { w in try w.markSent(outboxID: 999, ts: "1.2", channelID: nil) }
            }
        }
    }

    @Test func aLaterMessageOfTheSameKeySupersedesEarlierOnesNotYetTriedOnly() async throws {
        try await withTemporaryPath { path in
            let store = try SQLiteStateStore(path: path)
            let t0 = self.t0
            func note(_ text: String, key: String?) -> @Sendable (any StateWriter) throws -> Int64 {
                { try $0.enqueue(channel: "#a", action: .post(threadOf: nil), message: SlackMessage(text: text), at: t0, collapsing: key) }
            }
            let tried = try await store.write(note("1", key: "k"))
            try await store.write { try $0.markSending(outboxID: tried, at: t0) }
            let second = try await store.write(note("2", key: "k"))
            let other = try await store.write(note("other", key: "j"))
            let plain = try await store.write(note("plain", key: nil))
            let third = try await store.write(note("3", key: "k"))
            let states = try await store.read { r in try [tried, second, other, plain, third].map { try r.outboxEntry(id: $0)?.state } }
            // The one already tried may be in Slack: it stays; the untried "2" is moot after "3".
            #expect(states == [.pending, .superseded, .pending, .pending, .pending])
            #expect(try await store.read { try $0.outboxEntry(id: second)?.lastError } == "replaced by the later message \(third)")
        }
    }

    @Test func processedSlackEventsSurviveRestart() async throws {
        try await withTemporaryPath { path in
            let t0 = self.t0
            do {
                let store = try SQLiteStateStore(path: path)
                #expect(try await store.write { w in try w.markEventProcessed("Ev0123", at: t0) })
                #expect(try await store.write { w in try w.markEventProcessed("Ev0123", at: t0) } == false)
                #expect(try await store.write { w in try w.markEventProcessed("Ev0456", at: t0) })
            }
            let reopened = try SQLiteStateStore(path: path)
            #expect(try await reopened.write { w in try w.markEventProcessed("Ev0123", at: t0) } == false)
        }
    }
}
