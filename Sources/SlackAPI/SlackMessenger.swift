import Foundation
import SluiceCore

/// Delivers messages to Slack (or to the console): the outbox sender's only view of Slack.
public protocol SlackMessenger: Sendable {
    /// Posts a message (`chat.postMessage`), in a thread when `threadTS` is set; returns where it landed.
    func post(channel: String, message: SlackMessage, threadTS: String?) async throws -> SlackPostedMessage
    /// Replaces a posted message (`chat.update`).
    func update(channel: String, ts: String, message: SlackMessage) async throws
}

/// A delivery failure, with whether trying again can help and how long to wait.
public struct SlackDeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Slack's error name (`channel_not_found`, `ratelimited`, …) or a transport description.
    public var code: String
    /// What it means and what to do.
    public var message: String
    /// True when a later attempt may succeed.
    public var retryable: Bool
    /// Slack's `Retry-After`, when it gave one.
    public var retryAfter: TimeInterval?

    /// Creates a delivery error.
    public init(code: String, message: String, retryable: Bool, retryAfter: TimeInterval? = nil) {
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retryAfter = retryAfter
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}
