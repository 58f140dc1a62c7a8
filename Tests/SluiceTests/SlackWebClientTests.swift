import Foundation
import Logging
import SlackAPI
import SluiceCore
import Synchronization
import Testing

@Suite("Slack Web API client")
struct SlackWebClientTests {
    static let alert = SlackMessage(
        text: "Error: shop · rows_positive on raw.orders",
        blocks: [
            .header("Error: rows_positive"),
            .section(text: "*raw.orders* has 0 rows", fields: ["*Pipeline*\nshop", "*Owner*\n<@U0123ABCD>"]),
            .actions(blockID: "alert_actions", [
                Button(text: "Acknowledge", actionID: "alert.ack", value: "alert-1", style: "primary"),
                Button(text: "Rerun", actionID: "run.rerun", value: "run-1", confirm: Confirmation(title: "Rerun?", text: "Runs *shop* again.")),
            ]),
        ])

    static func client(_ slack: FakeSlackWebAPI, token: String = FakeSlackWebAPI.defaultToken, logs: CapturedLogs? = nil) -> SlackWebClient {
        var logger = Logger(label: "slack-test") { label in
            logs.map { CapturingLogHandler(logs: $0) as any LogHandler } ?? SwiftLogNoOpLogHandler(label)
        }
        logger.logLevel = .trace
        return SlackWebClient(token: token, baseURL: slack.baseURL, timeout: .seconds(5), logger: logger)
    }

    static func deliveryError(_ body: () async throws -> Void) async throws -> SlackDeliveryError {
        do {
            try await body()
        } catch let error as SlackDeliveryError {
            return error
        }
        Issue.record("expected a SlackDeliveryError")
        return SlackDeliveryError(code: "none", message: "", retryable: false)
    }

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

    // MARK: Failures

    @Test func rateLimitingIsRetryableAfterSlacksDelay() async throws {
        try await FakeSlackWebAPI.run { slack in
            await slack.failNext(method: "chat.postMessage", with: .rateLimited(retryAfter: 3))
            let client = Self.client(slack)
            let error = try await Self.deliveryError {
                _ = try await client.post(channel: "C0123CHAN", message: Self.alert, threadTS: nil)
            }
            #expect(error.code == "ratelimited")
            #expect(error.retryable)
            #expect(error.retryAfter == 3)
            #expect(await slack.messages(in: "C0123CHAN").isEmpty)
            _ = try await client.post(channel: "C0123CHAN", message: Self.alert, threadTS: nil)
            #expect(await slack.messages(in: "C0123CHAN").count == 1)
        }
    }

    @Test func serverErrorsAndTemporaryRefusalsAreRetryable() async throws {
        try await FakeSlackWebAPI.run { slack in
            let client = Self.client(slack)
            await slack.failNext(method: "chat.update", with: .serverError)
            let server = try await Self.deliveryError { try await client.update(channel: "C1", ts: "1.1", message: SlackMessage(text: "x")) }
            #expect(server.code == "http_503")
            #expect(server.retryable)

            for code in ["service_unavailable", "fatal_error", "internal_error", "request_timeout"] {
                await slack.failNext(method: "chat.postMessage", with: .error(code))
                let error = try await Self.deliveryError { _ = try await client.post(channel: "C1", message: SlackMessage(text: "x"), threadTS: nil) }
                #expect(error.code == code)
                #expect(error.retryable, "\(code) should be retried")
            }
        }
    }

    @Test func notInChannelIsFinalAndSaysWhatToDo() async throws {
        try await FakeSlackWebAPI.run { slack in
            await slack.rejectChannel("#private-team", with: "not_in_channel")
            let error = try await Self.deliveryError {
                _ = try await Self.client(slack).post(channel: "#private-team", message: Self.alert, threadTS: nil)
            }
            #expect(error == SlackDeliveryError(
                code: "not_in_channel", message: "invite @Sluice to the channel, or add the chat:write.public scope", retryable: false))
        }
    }

    @Test(arguments: [
        ("channel_not_found", "invite the app"),
        ("is_archived", "archived"),
        ("msg_too_long", "40,000"),
        ("cant_update_message", "bot user"),
        ("invalid_blocks", "report this as a bug"),
        ("some_new_error", "https://api.slack.com/methods/chat.postMessage#errors"),
    ])
    func slacksErrorsAreNamedWithGuidance(code: String, guidance: String) async throws {
        try await FakeSlackWebAPI.run { slack in
            await slack.failNext(method: "chat.postMessage", with: .error(code))
            let error = try await Self.deliveryError {
                _ = try await Self.client(slack).post(channel: "C1", message: SlackMessage(text: "x"), threadTS: nil)
            }
            #expect(error.code == code)
            #expect(!error.retryable)
            #expect(error.message.contains(guidance))
        }
    }

    @Test func aMissingScopeIsNamed() async throws {
        try await FakeSlackWebAPI.run { slack in
            await slack.failNext(method: "chat.postMessage", with: .missingScope(needed: "chat:write.public"))
            let error = try await Self.deliveryError {
                _ = try await Self.client(slack).post(channel: "#data", message: SlackMessage(text: "x"), threadTS: nil)
            }
            #expect(error.code == "missing_scope")
            #expect(error.message.contains("`chat:write.public`"))
            #expect(error.message.contains("reinstall"))
        }
    }

    @Test func aBadTokenIsExplainedAndNeverRepeated() async throws {
        let token = "xoxb-999999999-888888888-NotTheRightTokenAtAll"
        let logs = CapturedLogs()
        try await FakeSlackWebAPI.run { slack in
            let client = Self.client(slack, token: token, logs: logs)
            let error = try await Self.deliveryError {
                _ = try await client.post(channel: "C1", message: SlackMessage(text: "x"), threadTS: nil)
            }
            #expect(error.code == "invalid_auth")
            #expect(!error.retryable)
            #expect(error.message == "SLACK_BOT_TOKEN is not valid: reinstall the app and copy the Bot User OAuth Token")
            for text in [error.description, error.message, String(reflecting: error), "\(client)", String(reflecting: client)] {
                #expect(!text.contains("NotTheRightToken"))
            }
            var dumped = ""
            dump(client, to: &dumped)
            #expect(!dumped.contains("NotTheRightToken"))

            await slack.acceptToken(token)
            await slack.failNext(method: "chat.postMessage", with: .error("token_revoked"))
            let revoked = try await Self.deliveryError { _ = try await client.post(channel: "C1", message: SlackMessage(text: "x"), threadTS: nil) }
            #expect(revoked.message.contains("SLACK_BOT_TOKEN is not valid"))
        }
        #expect(!logs.lines.withLock { $0 }.isEmpty)
        #expect(logs.lines.withLock { $0 }.allSatisfy { !$0.contains("NotTheRightToken") })
    }

    @Test func aMissingTokenIsNotAuthed() async throws {
        try await FakeSlackWebAPI.run { slack in
            let error = try await Self.deliveryError {
                _ = try await Self.client(slack, token: "").post(channel: "C1", message: SlackMessage(text: "x"), threadTS: nil)
            }
            #expect(error.code == "not_authed")
            #expect(error.message.contains("SLACK_BOT_TOKEN"))
        }
    }

    @Test func anUnreachableSlackIsRetryable() async throws {
        let baseURL = try await FakeSlackWebAPI.run { slack in slack.baseURL }
        let client = SlackWebClient(token: FakeSlackWebAPI.defaultToken, baseURL: baseURL, timeout: .milliseconds(300), logger: Logger(label: "test"))
        let error = try await Self.deliveryError {
            _ = try await client.post(channel: "C1", message: SlackMessage(text: "x"), threadTS: nil)
        }
        #expect(["unreachable", "timeout"].contains(error.code), "\(error)")
        #expect(error.retryable)
        #expect(error.message.contains("127.0.0.1"))
    }

    // MARK: The fake validates like Slack

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

    // MARK: Secrets

    @Test(arguments: [
        ("token xoxb-1234-5678-abcdEFGH in text", "token [redacted] in text"),
        ("xoxp-1-2-3 and xoxa-2-x and xoxe-1-abc", "[redacted] and [redacted] and [redacted]"),
        ("app xapp-1-A012-345-abcdef", "app [redacted]"),
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer [redacted]"),
        (#"{"authorization":"bearer ya29.a0AfH6SMB"}"#, #"{"authorization":"Bearer [redacted]"}"#),
        ("access ya29.A0ARrdaM-xyz_123 used", "access [redacted] used"),
        ("k=-----BEGIN PRIVATE KEY-----\nMIIEvQ\nabc\n-----END PRIVATE KEY-----\n!", "k=[redacted]\n!"),
        (#"{"private_key":"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n"}"#, #"{"private_key":"[redacted]\n"}"#),
        ("cut -----BEGIN PRIVATE KEY-----\nMIIE", "cut [redacted]"),
        ("nothing secret: xox, xoxb, bearer", "nothing secret: xox, xoxb, bearer"),
    ])
    func secretsAreRedacted(input: String, expected: String) {
        #expect(Secrets.redact(input) == expected)
    }
}

/// Log lines captured by `CapturingLogHandler`.
final class CapturedLogs: Sendable {
    let lines = Mutex<[String]>([])
}

/// A log handler that keeps every line (message and metadata) for assertions.
struct CapturingLogHandler: LogHandler {
    let logs: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let line = "\(event.level) \(event.message) \(event.metadata ?? [:]) \(metadata)"
        logs.lines.withLock { $0.append(line) }
    }
}
