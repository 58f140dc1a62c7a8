import Foundation
import Logging
import SlackAPI
import SluiceCore
import Synchronization
import Testing

/// Failures: what is retryable, what is final, and what each says to do.
@Suite("Slack Web API client: failures")
struct SlackWebClientFailureTests: SlackWebClientSuite {
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
}
