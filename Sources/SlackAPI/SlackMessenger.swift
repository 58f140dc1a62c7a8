import Foundation
import SluiceCore

/// Delivers messages to Slack (or to the console): the outbox sender's only view of Slack.
public protocol SlackMessenger: Sendable {
    /// Posts a message (`chat.postMessage`), in a thread when `threadTS` is set, carrying `mark` (as
    /// message metadata) so that it can be found again; returns where it landed.
    func post(channel: String, message: SlackMessage, threadTS: String?, mark: DeliveryMark?) async throws -> SlackPostedMessage
    /// The message carrying `mark` posted to `channel` (in the thread `threadTS`) since `since`, if
    /// Slack has it: how a post whose answer was lost (a crash, a timeout) is found instead of
    /// posted twice. `channelID` is the channel's id when known.
    func findPosted(
        _ mark: DeliveryMark, channel: String, channelID: String?, threadTS: String?, since: Date
    ) async throws -> SlackPostedMessage?
    /// Replaces a posted message (`chat.update`).
    func update(channel: String, ts: String, message: SlackMessage) async throws
    /// Answers through an interaction's `response_url`.
    func respond(to responseURL: String, message: SlackMessage, ephemeral: Bool, replaceOriginal: Bool) async throws
    /// A message only `user` sees (`chat.postEphemeral`), in the thread `threadTS` when set.
    func postEphemeral(channel: String, user: String, message: SlackMessage, threadTS: String?) async throws
}

/// What a posted message carries to say which outbox entry of which state store it is (Slack's
/// message `metadata`: `event_type` `sluice_outbox_entry`, `event_payload` `{store, outbox_id}`).
public struct DeliveryMark: Sendable, Equatable {
    /// The metadata's `event_type`.
    public static let eventType = "sluice_outbox_entry"

    /// The state store's own id (several Sluice installations may post to one channel).
    public var store: String
    /// The outbox entry.
    public var outboxID: Int64

    /// Creates a mark.
    public init(store: String, outboxID: Int64) {
        self.store = store
        self.outboxID = outboxID
    }
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
    /// The HTTP status, when the failure is one (not Slack's `ok:false` answer, not a transport failure).
    public var httpStatus: Int?
    /// True when Slack was not reached, or its answer did not arrive (connection refused or cut, timeout).
    public var transportFailed: Bool

    /// Creates a delivery error.
    public init(
        code: String, message: String, retryable: Bool, retryAfter: TimeInterval? = nil, httpStatus: Int? = nil,
        transportFailed: Bool = false
    ) {
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retryAfter = retryAfter
        self.httpStatus = httpStatus
        self.transportFailed = transportFailed
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    /// True when the call may have taken effect although no answer says so: the connection failed or
    /// timed out after the request may have been sent, or Slack failed (5xx) while handling it. Any
    /// other error is Slack's answer that it did nothing.
    public var mayHaveTakenEffect: Bool {
        transportFailed || (httpStatus ?? 0) >= 500
    }

    /// True when Slack says the bot token itself is not valid (revoked, expired, deactivated, absent).
    public var rejectsToken: Bool { SlackErrorGuidance.tokenRejectedCodes.contains(code) }

    /// What the outbox does with the message that met this error.
    public var verdict: DeliveryVerdict {
        if retryable { return .retry(after: retryAfter) }
        if rejectsToken || code == "missing_scope" || code == "invalid_response" || httpStatus != nil {
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
