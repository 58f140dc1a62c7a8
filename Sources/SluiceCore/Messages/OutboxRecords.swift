import Foundation

/// What an outbox entry does in Slack.
public enum OutboxAction: Sendable, Equatable, Codable {
    /// `chat.postMessage`, in the thread of the entry `threadOf` when set.
    case post(threadOf: Int64?)
    /// `chat.update` of the message that entry `target` posted.
    case update(target: Int64)
    /// The answer to a slash command, a button or a thread reply that could not be delivered when it
    /// was made (Slack unreachable): kept until Slack answers.
    case reply(InteractiveReply)
}

/// Where an interactive answer goes: the request's `response_url` while it is valid (30 minutes,
/// 5 uses), else straight to the user: `chat.postEphemeral` when only they should see it, or
/// `chat.postMessage` in the channel (in the thread `threadTS`).
public struct InteractiveReply: Sendable, Equatable, Codable {
    /// How long Slack honours a `response_url`.
    public static let responseURLLifetime: TimeInterval = 30 * 60

    /// The request's `response_url`, if it had one.
    public var responseURL: String?
    /// Who asked.
    public var user: String
    /// The thread it was asked in.
    public var threadTS: String?
    /// Only the user sees it.
    public var ephemeral: Bool

    /// Creates a destination.
    public init(responseURL: String?, user: String, threadTS: String?, ephemeral: Bool) {
        self.responseURL = responseURL
        self.user = user
        self.threadTS = threadTS
        self.ephemeral = ephemeral
    }
}

/// Delivery state of an outbox entry.
public enum OutboxState: String, Sendable, Codable {
    /// Waiting for delivery (possibly for a retry).
    case pending
    /// Delivered; `ts` says where.
    case sent
    /// Refused for good by Slack (`failureReason` says why); never tried again.
    case failed
    /// An edit that a later edit of the same message replaced before it was delivered.
    case superseded
}

/// The outbox at a glance, for `/metrics`.
public struct OutboxBacklog: Sendable, Equatable {
    /// Entries waiting for delivery.
    public var pending: Int
    /// When the oldest waiting entry was written.
    public var oldestPendingSince: Date?
    /// Entries refused for good, by Slack's reason (`channel_not_found`, …).
    public var failedByReason: [String: Int]

    /// Creates a backlog summary.
    public init(pending: Int, oldestPendingSince: Date?, failedByReason: [String: Int]) {
        self.pending = pending
        self.oldestPendingSince = oldestPendingSince
        self.failedByReason = failedByReason
    }
}

/// A message waiting to be (or already) delivered to Slack. Written in the same transaction as the
/// state change that causes it; delivered in order per channel; marked sent with Slack's `ts`.
public struct OutboxEntry: Sendable, Equatable, Identifiable {
    /// Sequential id; delivery order within a channel.
    public var id: Int64
    /// Channel name or id.
    public var channel: String
    /// Post or update.
    public var action: OutboxAction
    /// The message.
    public var message: SlackMessage
    /// Pending, sent, failed or superseded.
    public var state: OutboxState
    /// Delivery attempts so far (a rate-limit wait is not an attempt).
    public var attempts: Int
    /// Not before this time (backoff, rate limits).
    public var notBefore: Date
    /// Slack's `ts` of the posted message, once sent.
    public var ts: String?
    /// The channel id Slack answered with (edits need the id, not a name).
    public var channelID: String?
    /// The last delivery error.
    public var lastError: String?
    /// Slack's reason for refusing it for good (its error name), when failed.
    public var failureReason: String?
    /// Set while a post may have reached Slack without its answer being recorded (a crash, a
    /// timeout): when the first such attempt began. The next attempt looks for it in Slack first.
    public var sendingSince: Date?
    /// When it was enqueued.
    public var createdAt: Date

    /// Creates an outbox entry.
    public init(
        id: Int64, channel: String, action: OutboxAction, message: SlackMessage, state: OutboxState = .pending,
        attempts: Int = 0, notBefore: Date, ts: String? = nil, channelID: String? = nil, lastError: String? = nil,
        failureReason: String? = nil, sendingSince: Date? = nil, createdAt: Date
    ) {
        self.id = id
        self.channel = channel
        self.action = action
        self.message = message
        self.state = state
        self.attempts = attempts
        self.notBefore = notBefore
        self.ts = ts
        self.channelID = channelID
        self.lastError = lastError
        self.failureReason = failureReason
        self.sendingSince = sendingSince
        self.createdAt = createdAt
    }
}
