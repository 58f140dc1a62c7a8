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

    /// True when Slack says the bot token itself is not valid (revoked, expired, deactivated, absent).
    public var rejectsToken: Bool { SlackErrorGuidance.tokenRejectedCodes.contains(code) }

    /// What the outbox does with the message that met this error.
    public var verdict: DeliveryVerdict {
        if retryable { return .retry(after: retryAfter) }
        if rejectsToken || code == "missing_scope" || code == "invalid_response" || code.hasPrefix("http_") {
            return .waitForOperator
        }
        return .refused
    }
}

/// What to do with a message after a failed delivery.
public enum DeliveryVerdict: Sendable, Equatable {
    /// A passing problem (Slack down, the network, a rate limit): try again, after `after` seconds
    /// when Slack said how long (`Retry-After`, which is not a failed attempt), else with backoff.
    case retry(after: TimeInterval?)
    /// The app's setup is wrong (token, scopes, `SLACK_API_URL`): every message fails alike until an
    /// operator fixes it, so the message waits with backoff instead of being dropped.
    case waitForOperator
    /// Slack refuses this message for good (`channel_not_found`, `not_in_channel`, `invalid_blocks`,
    /// `msg_too_long`, …): trying again cannot help.
    case refused
}
