import Foundation

/// What an outbox entry does in Slack.
public enum OutboxAction: Sendable, Equatable, Codable {
    /// `chat.postMessage`, in the thread of the entry `threadOf` when set.
    case post(threadOf: Int64?)
    /// `chat.update` of the message that entry `target` posted.
    case update(target: Int64)
}

/// Delivery state of an outbox entry.
public enum OutboxState: String, Sendable, Codable {
    case pending, sent, failed
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
    /// Pending, sent or failed (given up).
    public var state: OutboxState
    /// Delivery attempts so far.
    public var attempts: Int
    /// Not before this time (backoff, rate limits).
    public var notBefore: Date
    /// Slack's `ts` of the posted message, once sent.
    public var ts: String?
    /// The channel id Slack answered with (edits need the id, not a name).
    public var channelID: String?
    /// The last delivery error.
    public var lastError: String?
    /// When it was enqueued.
    public var createdAt: Date

    /// Creates an outbox entry.
    public init(
        id: Int64, channel: String, action: OutboxAction, message: SlackMessage, state: OutboxState = .pending,
        attempts: Int = 0, notBefore: Date, ts: String? = nil, channelID: String? = nil, lastError: String? = nil,
        createdAt: Date
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
        self.createdAt = createdAt
    }
}
