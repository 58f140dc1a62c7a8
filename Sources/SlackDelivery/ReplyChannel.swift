import Conversation
import Foundation
import Logging
import SlackAPI
import SluiceCore

/// Delivers replies to interactive requests (slash commands, buttons, thread replies): through
/// Slack's `response_url` or Web API, or to the console.
public protocol ReplyChannel: Sendable {
    /// Answers a slash command or button press.
    func respond(_ reply: CommandReply, responseURL: String?, channel: String?, user: String) async
    /// Answers in a thread (ephemeral replies are shown only to `user`).
    func replyInThread(_ reply: CommandReply, channel: String, threadTS: String, user: String) async
}

/// Replies through Slack: `response_url` when there is one, else `chat.postEphemeral` / `chat.postMessage`.
public struct SlackReplyChannel: ReplyChannel {
    private let client: SlackWebClient
    private let logger: Logger

    /// Creates a reply channel over the Web API client.
    public init(client: SlackWebClient, logger: Logger) {
        self.client = client
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
            logger.error("could not deliver a reply", metadata: ["user": "\(user)", "error": "\(error)"])
        }
    }

    /// Posts in the thread.
    public func replyInThread(_ reply: CommandReply, channel: String, threadTS: String, user: String) async {
        do {
            try await post(reply, channel: channel, threadTS: threadTS, user: user)
        } catch {
            logger.error("could not reply in a thread", metadata: ["channel": "\(channel)", "error": "\(error)"])
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
