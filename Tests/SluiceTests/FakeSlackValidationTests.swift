import Foundation
import Logging
import SlackAPI
import SluiceCore
import Synchronization
import Testing

/// The fake Slack rejects what Slack rejects (Block Kit's limits and rules) and lets tests wait for calls.
@Suite("The fake Slack validates like Slack")
struct FakeSlackValidationTests: SlackWebClientSuite {
    @Test func messagesBreakingBlockKitLimitsAreRejected() async throws {
        try await FakeSlackWebAPI.run { slack in
            let client = Self.client(slack)
            let tooMany = SlackMessage(text: "many", blocks: Array(repeating: .divider, count: 51))
            let longSection = SlackMessage(text: "long", blocks: [.section(text: String(repeating: "x", count: 3001))])
            let longHeader = SlackMessage(text: "header", blocks: [.header(String(repeating: "h", count: 151))])
            let longButton = SlackMessage(text: "button", blocks: [.actions(blockID: nil, [Button(text: String(repeating: "b", count: 76), actionID: "a", value: "v")])])
            for message in [tooMany, longSection, longHeader, longButton] {
                let error = try await Self.deliveryError { _ = try await client.post(channel: "C1", message: message, threadTS: nil) }
                #expect(error.code == "invalid_blocks", "\(message.text)")
                #expect(!error.retryable)
            }
            #expect(await slack.calls(method: "chat.postMessage").allSatisfy { $0.error == "invalid_blocks" })
            #expect(await slack.messages(in: "C1").isEmpty)

            let fitted = MessageFitting.split(tooMany)
            for part in fitted { _ = try await client.post(channel: "C1", message: part, threadTS: nil) }
            #expect(await slack.messages(in: "C1").count == 2)
        }
    }

    @Test func aMessageWithNothingToShowIsRejected() async throws {
        try await FakeSlackWebAPI.run { slack in
            let error = try await Self.deliveryError {
                _ = try await Self.client(slack).post(channel: "C1", message: SlackMessage(text: ""), threadTS: nil)
            }
            #expect(error.code == "no_text")
        }
    }

    @Test(arguments: [
        (#"[{"type":"section","text":{"type":"mrkdwn","text":"ok"}}]"#, 50, nil),
        (#"[{"type":"carousel"}]"#, 50, "unknown block type"),
        (#"[{"type":"header","text":{"type":"mrkdwn","text":"Title"}}]"#, 50, "must be plain_text"),
        (#"[{"type":"section","text":{"type":"mrkdwn","text":""}}]"#, 50, "more than 0 characters"),
        (#"[{"type":"section"}]"#, 50, "text or fields"),
        (#"[{"type":"section","fields":[{"type":"mrkdwn","text":"1"},{"type":"mrkdwn","text":"2"},{"type":"mrkdwn","text":"3"},{"type":"mrkdwn","text":"4"},{"type":"mrkdwn","text":"5"},{"type":"mrkdwn","text":"6"},{"type":"mrkdwn","text":"7"},{"type":"mrkdwn","text":"8"},{"type":"mrkdwn","text":"9"},{"type":"mrkdwn","text":"10"},{"type":"mrkdwn","text":"11"}]}]"#, 50, "1 to 10 items"),
        (#"[{"type":"context","elements":[]}]"#, 50, "1 to 10 items"),
        (#"[{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Go"},"action_id":"a"},{"type":"button","text":{"type":"plain_text","text":"Go"},"action_id":"a"}]}]"#, 50, "duplicate action_id"),
        (#"[{"type":"divider","block_id":"x"},{"type":"divider","block_id":"x"}]"#, 50, "duplicate block_id"),
        (#"[{"type":"divider"},{"type":"divider"}]"#, 1, "no more than 1 items allowed"),
        (#"{"type":"divider"}"#, 50, "must be an array"),
        (#"[{"type":"section","text":{"type":"mrkdwn","text":"t","emoji":true}}]"#, 50, "emoji"),
    ] as [(String, Int, String?)])
    func blockKitRules(json: String, limit: Int, problem: String?) throws {
        let blocks = try #require(JSON.parse(Array(json.utf8)))
        let problems = BlockKitRules.problems(blocks: blocks, limit: limit, pointer: "/blocks")
        if let problem {
            #expect(problems.contains { $0.contains(problem) }, "\(problems)")
        } else {
            #expect(problems.isEmpty, "\(problems)")
        }
    }

    @Test func sluicesOwnBlocksPassTheFakesRules() throws {
        let blocks = try JSON.parse(Array(JSONEncoder().encode(Self.alert.blocks)))
        #expect(BlockKitRules.problems(blocks: try #require(blocks), limit: 50, pointer: "/blocks") == [])
    }

    @Test func waitingForCallsReturnsWhenTheyArrive() async throws {
        try await FakeSlackWebAPI.run { slack in
            let client = Self.client(slack)
            async let waited = slack.waitForCalls(method: "chat.postMessage", count: 2)
            _ = try await client.post(channel: "C1", message: SlackMessage(text: "one"), threadTS: nil)
            _ = try await client.post(channel: "C1", message: SlackMessage(text: "two"), threadTS: nil)
            #expect(try await waited.map { $0.body["text"]?.string } == ["one", "two"])
            await #expect(throws: FakeSlackWebAPI.WaitTimedOut.self) {
                _ = try await slack.waitForCalls(method: "chat.update", count: 1, timeout: .milliseconds(50))
            }
        }
    }
}
