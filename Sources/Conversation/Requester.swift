import Foundation
import SluiceCore

/// Who is asking and from where: a slash command, a button press, a thread reply or the local chat.
public struct Requester: Sendable, Equatable {
    /// Slack user id (`U…`), or `cli` in the local chat.
    public var userID: String
    /// Slack channel id the request came from, when known.
    public var channelID: String?
    /// The thread the request was made in (a reply in it) or on (a button on its top message), when
    /// known; an action whose note lands in this thread needs no other confirmation.
    public var threadTS: String?

    /// Creates a requester.
    public init(userID: String, channelID: String?, threadTS: String? = nil) {
        self.userID = userID
        self.channelID = channelID
        self.threadTS = threadTS
    }
}

/// A reply to a command: ephemeral (only the requester sees it) or posted in the channel.
public struct CommandReply: Sendable, Equatable {
    /// The message.
    public var message: SlackMessage
    /// True when only the requester should see it (errors, refusals, personal answers).
    public var ephemeral: Bool

    /// Creates a reply.
    public init(_ message: SlackMessage, ephemeral: Bool = true) {
        self.message = message
        self.ephemeral = ephemeral
    }

    /// An ephemeral one-line reply.
    public static func note(_ text: String) -> CommandReply {
        CommandReply(StatusMessages.note(text))
    }
}

/// Knows which Slack user groups a user is in, so that `access.operators` may name groups (`S…`).
public protocol OperatorDirectory: Sendable {
    /// The ids among `groups` that have `user` as a member.
    func groups(of user: String, among groups: [String]) async -> Set<String>
}

/// No group lookups (console mode and the local chat): only user ids in `access.operators` count.
public struct NoGroupDirectory: OperatorDirectory {
    /// Creates the directory.
    public init() {}

    /// Always empty.
    public func groups(of user: String, among groups: [String]) async -> Set<String> { [] }
}
