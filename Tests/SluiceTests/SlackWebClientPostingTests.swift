import Foundation
import Logging
import SlackAPI
import SluiceCore
import Synchronization
import Testing

/// Posting, editing, ephemeral replies, App Home and user groups; replies through a `response_url`.
@Suite("Slack Web API client: posting, editing and response_url")
struct SlackWebClientPostingTests: SlackWebClientSuite {
    // MARK: Posting and editing

    @Test func postReturnsTheTSAndSendsJSONWithTheBearerToken() async throws {
        try await FakeSlackWebAPI.run { slack in
            let client = Self.client(slack)
            let ts = try await client.post(channel: "C0123CHAN", message: Self.alert, threadTS: nil).ts
            let second = try await client.post(channel: "C0123CHAN", message: SlackMessage(text: "second"), threadTS: nil).ts
            #expect(ts.range(of: #"^\d{10}\.\d{6}$"#, options: .regularExpression) != nil)
            #expect(second > ts)

            let call = try #require(await slack.calls(method: "chat.postMessage").first)
            #expect(call.headers["authorization"] == "Bearer " + FakeSlackWebAPI.defaultToken)
            #expect(call.headers["content-type"] == "application/json; charset=utf-8")
            #expect(call.body["channel"]?.string == "C0123CHAN")
            #expect(call.body["text"]?.string == Self.alert.text)
            #expect(call.body["thread_ts"] == nil)
            #expect(try call.body["blocks"]?.decode([Block].self) == Self.alert.blocks)
            #expect(call.error == nil)

            let stored = try #require(await slack.message(channel: "C0123CHAN", ts: ts))
            #expect(stored.text == Self.alert.text)
            #expect(stored.threadTS == nil)
            #expect(await slack.calls(method: "chat.postMessage")[1].body["blocks"] == nil)
        }
    }

    @Test func aThreadReplyCarriesThreadTS() async throws {
        try await FakeSlackWebAPI.run { slack in
            let client = Self.client(slack)
            let parent = try await client.post(channel: "C0123CHAN", message: Self.alert, threadTS: nil).ts
            let reply = try await client.post(channel: "C0123CHAN", message: SlackMessage(text: "Seen again (2×)"), threadTS: parent).ts
            #expect(await slack.calls(method: "chat.postMessage").last?.body["thread_ts"]?.string == parent)
            #expect(await slack.replies(in: "C0123CHAN", threadTS: parent).map(\.ts) == [reply])
            #expect(await slack.topLevelMessages(in: "C0123CHAN").map(\.ts) == [parent])
        }
    }

    @Test func updateEditsTheMessageInPlaceEvenWhenPostedByName() async throws {
        try await FakeSlackWebAPI.run { slack in
            let client = Self.client(slack)
            let posted = try await client.post(channel: "#data-alerts", message: Self.alert, threadTS: nil)
            #expect(posted.channel == (await slack.channelID(for: "#data-alerts")))
            #expect(posted.channel.hasPrefix("C"))

            let resolved = SlackMessage(text: "Resolved: rows_positive on raw.orders", blocks: [.section(text: ":white_check_mark: Resolved")])
            try await client.update(channel: "#data-alerts", ts: posted.ts, message: resolved)

            let update = try #require(await slack.calls(method: "chat.update").first)
            #expect(update.body["channel"]?.string == posted.channel)
            #expect(update.body["ts"]?.string == posted.ts)
            let message = try #require(await slack.message(channel: "#data-alerts", ts: posted.ts))
            #expect(message.edits == 1)
            #expect(message.text == resolved.text)
            #expect(try message.blocks.decode([Block].self) == resolved.blocks)
            #expect(message.textHistory == [Self.alert.text, resolved.text])
            #expect(await slack.messages(in: "#data-alerts").count == 1)
        }
    }

    @Test func updateWithoutBlocksClearsTheOldBlocks() async throws {
        try await FakeSlackWebAPI.run { slack in
            let client = Self.client(slack)
            let ts = try await client.post(channel: "C0123CHAN", message: Self.alert, threadTS: nil).ts
            try await client.update(channel: "C0123CHAN", ts: ts, message: SlackMessage(text: "plain now"))
            #expect(await slack.calls(method: "chat.update").first?.body["blocks"] == .array([]))
            #expect(await slack.message(channel: "C0123CHAN", ts: ts)?.blocks == .array([]))
        }
    }

    @Test func editingAnUnknownMessageSaysSo() async throws {
        try await FakeSlackWebAPI.run { slack in
            let client = Self.client(slack)
            let error = try await Self.deliveryError {
                try await client.update(channel: "C0123CHAN", ts: "1690000000.000100", message: SlackMessage(text: "x"))
            }
            #expect(error.code == "message_not_found")
            #expect(!error.retryable)
            #expect(error.message.contains("no longer exists"))
        }
    }

    @Test func aChannelNameIsNotAnIDForSlacksUpdate() async throws {
        try await FakeSlackWebAPI.run { slack in
            let posted = try await Self.client(slack).post(channel: "#data-alerts", message: Self.alert, threadTS: nil)
            let freshClient = Self.client(slack)
            let error = try await Self.deliveryError {
                try await freshClient.update(channel: "#data-alerts", ts: posted.ts, message: SlackMessage(text: "x"))
            }
            #expect(error.code == "channel_not_found")
            try await freshClient.update(channel: posted.channel, ts: posted.ts, message: SlackMessage(text: "by id"))
            #expect(await slack.message(channel: posted.channel, ts: posted.ts)?.text == "by id")
        }
    }

    @Test func anEphemeralReplyGoesToOneUser() async throws {
        try await FakeSlackWebAPI.run { slack in
            let client = Self.client(slack)
            try await client.postEphemeral(channel: "C0123CHAN", user: "U0123ABCD", message: SlackMessage(text: "Only you can see this"), threadTS: "1700000001.000100")
            let call = try #require(await slack.calls(method: "chat.postEphemeral").first)
            #expect(call.body["user"]?.string == "U0123ABCD")
            #expect(call.body["thread_ts"]?.string == "1700000001.000100")
            #expect(await slack.ephemerals.map(\.text) == ["Only you can see this"])
            #expect(await slack.messages(in: "C0123CHAN").isEmpty)
        }
    }

    @Test func theAppHomeIsPublished() async throws {
        try await FakeSlackWebAPI.run { slack in
            let client = Self.client(slack)
            let blocks: [Block] = [.header("Sluice"), .section(text: "3 pipelines, 1 open alert"), .divider]
            try await client.publishHome(user: "U0123ABCD", blocks: blocks)
            let call = try #require(await slack.calls(method: "views.publish").first)
            #expect(call.body["user_id"]?.string == "U0123ABCD")
            let view = try #require(await slack.homeView(user: "U0123ABCD"))
            #expect(view["type"]?.string == "home")
            #expect(try view["blocks"]?.decode([Block].self) == blocks)
        }
    }

    @Test func anAppHomeOverSlacksLimitIsRejected() async throws {
        try await FakeSlackWebAPI.run { slack in
            let client = Self.client(slack)
            try await client.publishHome(user: "U1", blocks: Array(repeating: .divider, count: 100))
            let error = try await Self.deliveryError {
                try await client.publishHome(user: "U1", blocks: Array(repeating: .divider, count: 101))
            }
            #expect(error.code == "invalid_arguments")
            #expect(error.message.contains("no more than 100 items allowed [json-pointer:/view/blocks]"))
        }
    }

    @Test func userGroupMembersAreListed() async throws {
        try await FakeSlackWebAPI.run { slack in
            await slack.setUserGroup("S0456EFGH", members: ["U1", "U2"])
            let client = Self.client(slack)
            #expect(try await client.userGroupMembers("S0456EFGH") == ["U1", "U2"])
            let call = try #require(await slack.calls(method: "usergroups.users.list").first)
            #expect(call.body["usergroup"]?.string == "S0456EFGH")
            let error = try await Self.deliveryError { _ = try await client.userGroupMembers("S0000NONE") }
            #expect(error.code == "no_such_subteam")
            #expect(error.message.contains("access.operators"))
        }
    }

    // MARK: response_url

    @Test func respondingThroughAResponseURLReplacesTheOriginal() async throws {
        try await FakeSlackWebAPI.run { slack in
            let client = Self.client(slack)
            let ts = try await client.post(channel: "C0123CHAN", message: Self.alert, threadTS: nil).ts
            await slack.linkResponseURL("r1", toMessageIn: "C0123CHAN", ts: ts)
            let acked = SlackMessage(text: "Acknowledged by <@U0123ABCD>", blocks: [.context(["Acknowledged by <@U0123ABCD>"])])
            try await client.respond(to: slack.responseURL("r1"), message: acked, ephemeral: false, replaceOriginal: true)

            let call = try #require(await slack.responses("r1").first)
            #expect(call.body["response_type"]?.string == "in_channel")
            #expect(call.body["replace_original"]?.bool == true)
            #expect(call.body["text"]?.string == acked.text)
            #expect(call.headers["authorization"] == nil)
            #expect(await slack.message(channel: "C0123CHAN", ts: ts)?.text == acked.text)
            #expect(await slack.message(channel: "C0123CHAN", ts: ts)?.edits == 1)
        }
    }

    @Test func aResponseURLWorksFiveTimes() async throws {
        try await FakeSlackWebAPI.run { slack in
            let client = Self.client(slack)
            let url = slack.responseURL("r2")
            for i in 1...5 {
                try await client.respond(to: url, message: SlackMessage(text: "reply \(i)"), ephemeral: true, replaceOriginal: false)
            }
            #expect(await slack.responses("r2").first?.body["response_type"]?.string == "ephemeral")
            let error = try await Self.deliveryError {
                try await client.respond(to: url, message: SlackMessage(text: "sixth"), ephemeral: true, replaceOriginal: false)
            }
            #expect(error.code == "used_url")
            #expect(!error.retryable)
            #expect(error.message.contains("chat.postMessage"))

            await slack.expireResponseURL("r3")
            let expired = try await Self.deliveryError {
                try await client.respond(to: slack.responseURL("r3"), message: SlackMessage(text: "late"), ephemeral: true, replaceOriginal: false)
            }
            #expect(expired.code == "expired_url")
        }
    }

    @Test func aResponseURLThatIsNotAURLIsRefusedLocally() async throws {
        try await FakeSlackWebAPI.run { slack in
            let error = try await Self.deliveryError {
                try await Self.client(slack).respond(to: "javascript:alert(1)", message: SlackMessage(text: "x"), ephemeral: true, replaceOriginal: false)
            }
            #expect(error.code == "invalid_response_url")
            #expect(await slack.calls.isEmpty)
        }
    }
}
