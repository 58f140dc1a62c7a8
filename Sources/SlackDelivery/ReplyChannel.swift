import Conversation
import Foundation
import Logging
import SlackAPI
import SluiceCore
import StateStore

/// Delivers replies to interactive requests (slash commands, buttons, thread replies): through
/// Slack's `response_url` or Web API, or to the console.
public protocol ReplyChannel: Sendable {
    /// Answers a slash command or button press.
    func respond(_ reply: CommandReply, responseURL: String?, channel: String?, user: String) async
    /// Answers in a thread (ephemeral replies are shown only to `user`).
    func replyInThread(_ reply: CommandReply, channel: String, threadTS: String, user: String) async
}

/// Replies through Slack: `response_url` when there is one, else `chat.postEphemeral` / `chat.postMessage`.
/// A reply Slack could not take now (unreachable, rate limiting, failing, the app's token not
/// accepted yet) waits in the outbox and is delivered when Slack answers; one Slack refuses for good
/// is logged.
public struct SlackReplyChannel: ReplyChannel {
    private let client: SlackWebClient
    private let state: any StateStore
    private let clock: any WallClock
    private let logger: Logger

    /// Creates a reply channel over the Web API client, keeping undeliverable replies in `state`'s outbox.
    public init(client: SlackWebClient, state: any StateStore, clock: any WallClock, logger: Logger) {
        self.client = client
        self.state = state
        self.clock = clock
        self.logger = logger
    }

    /// Posts to `response_url` (falling back to the channel).
    public func respond(_ reply: CommandReply, responseURL: String?, channel: String?, user: String) async {
        do {
            if let responseURL {
                try await client.respond(to: responseURL, message: reply.message, ephemeral: reply.ephemeral, replaceOriginal: false)
            } else if let channel {
                try await post(reply, channel: channel, threadTS: nil, user: user)
            }
        } catch {
            await keep(
                reply, InteractiveReply(responseURL: responseURL, user: user, threadTS: nil, ephemeral: reply.ephemeral),
                channel: channel ?? user, after: error)
        }
    }

    /// Posts in the thread.
    public func replyInThread(_ reply: CommandReply, channel: String, threadTS: String, user: String) async {
        do {
            try await post(reply, channel: channel, threadTS: threadTS, user: user)
        } catch {
            await keep(reply, InteractiveReply(responseURL: nil, user: user, threadTS: threadTS, ephemeral: reply.ephemeral), channel: channel, after: error)
        }
    }

    /// Puts a reply that failed for a passing reason in the outbox; logs one Slack refused.
    private func keep(_ reply: CommandReply, _ destination: InteractiveReply, channel: String, after error: any Error) async {
        guard let failure = error as? SlackDeliveryError, failure.verdict != .refused else {
            logger.error("could not deliver a reply", metadata: ["user": "\(destination.user)", "channel": "\(channel)", "error": "\(error)"])
            return
        }
        let now = clock.now
        do {
            let id = try await state.write { try $0.enqueue(channel: channel, action: .reply(destination), message: reply.message, at: now) }
            logger.warning("Slack did not take a reply now; it waits in the outbox", metadata: [
                "outbox": "\(id)", "user": "\(destination.user)", "error": "\(failure)",
            ])
        } catch {
            logger.error("could not keep a reply for later", metadata: ["user": "\(destination.user)", "error": "\(error)"])
        }
    }

    /// `chat.postEphemeral` for an ephemeral reply (only `user` sees it), else `chat.postMessage`.
    private func post(_ reply: CommandReply, channel: String, threadTS: String?, user: String) async throws {
        if reply.ephemeral {
            try await client.postEphemeral(channel: channel, user: user, message: reply.message, threadTS: threadTS)
        } else {
            _ = try await client.post(channel: channel, message: reply.message, threadTS: threadTS)
        }
    }
}

/// Console mode: replies are printed like every other message.
public struct ConsoleReplyChannel: ReplyChannel {
    private let write: @Sendable (String) -> Void

    /// Creates a console reply channel writing through `write`.
    public init(write: @escaping @Sendable (String) -> Void = { ConsoleMessenger.standardOutput($0) }) {
        self.write = write
    }

    /// Prints the reply, marked ephemeral when it is.
    public func respond(_ reply: CommandReply, responseURL: String?, channel: String?, user: String) async {
        let place = reply.ephemeral ? "only you (\(user))" : (channel ?? "reply")
        write(ConsoleRenderer.render(reply.message, channel: place) + "\n")
    }

    /// Prints the reply as a thread message.
    public func replyInThread(_ reply: CommandReply, channel: String, threadTS: String, user: String) async {
        write(ConsoleRenderer.render(reply.message, channel: channel, thread: true) + "\n")
    }
}
