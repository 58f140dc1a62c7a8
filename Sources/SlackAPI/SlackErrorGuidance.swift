import Foundation
import SluiceCore

/// Turns Slack's answers into `SlackDeliveryError`s that say what happened and what to do.
enum SlackErrorGuidance {
    /// Slack's `ok:false` error names that a later attempt may cure.
    static let retryableCodes: Set<String> = [
        "ratelimited", "service_unavailable", "fatal_error", "internal_error", "request_timeout",
    ]

    /// Slack's error names for a bot token that will never work.
    static let tokenRejectedCodes: Set<String> = ["invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"]

    /// The error for Slack's `ok:false` answer to `method`. `needed` is the scope Slack names for
    /// `missing_scope`; `details` are Slack's own explanations (`errors`, `response_metadata.messages`).
    static func error(method: String, code: String, needed: String?, details: [String], retryAfter: TimeInterval?) -> SlackDeliveryError {
        let detail = details.isEmpty ? "" : " (Slack says: " + Secrets.redact(details.prefix(3).joined(separator: "; ")) + ")"
        let message: String
        switch code {
        case "channel_not_found":
            message = "the channel does not exist or the app cannot see it: check the manifest's channel and invite the app"
        case "not_in_channel":
            message = "invite @Sluice to the channel, or add the chat:write.public scope"
        case "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive":
            message = "SLACK_BOT_TOKEN is not valid: reinstall the app and copy the Bot User OAuth Token"
        case "missing_scope":
            let scope = needed.map { "`\($0)`" } ?? "a required"
            message = "the app lacks the \(scope) scope for \(method): add it under OAuth & Permissions (or in the app manifest) and reinstall the app"
        case "invalid_blocks", "invalid_blocks_format":
            message = "Slack rejected the message's blocks\(detail): Sluice builds blocks within Slack's limits, so please report this as a bug"
        case "invalid_arguments":
            message = "Slack rejected the arguments of \(method)\(detail): please report this as a bug"
        case "no_text":
            message = "the message has neither text nor blocks: please report this as a bug"
        case "msg_too_long":
            message = "the message text is longer than Slack accepts (40,000 characters): please report this as a bug"
        case "message_not_found":
            message = "the message to edit no longer exists (it may have been deleted): nothing to update"
        case "cant_update_message":
            message = "the message was not posted by Sluice's bot user, so it cannot be edited"
        case "edit_window_closed":
            message = "the workspace no longer allows editing this message"
        case "is_archived":
            message = "the channel is archived: unarchive it or point the manifest at another channel"
        case "user_not_in_channel":
            message = "the user is not a member of the channel, so an ephemeral reply cannot be shown there"
        case "user_not_found":
            message = "Slack does not know that user"
        case "no_such_subteam", "subteam_not_found":
            message = "the user group does not exist in this workspace: check access.operators in the manifest"
        case "restricted_action", "restricted_action_read_only_channel", "restricted_action_thread_only_channel",
            "restricted_action_non_threadable_channel":
            message = "the workspace's settings do not let the app post there: ask a Slack admin, or choose another channel"
        case "ratelimited":
            message = "Slack is rate limiting \(method): waiting and trying again"
        case "service_unavailable", "fatal_error", "internal_error", "request_timeout":
            message = "Slack had a temporary problem with \(method): trying again"
        case "used_url", "expired_url":
            message = "the response_url was already used 5 times or is older than 30 minutes: reply with chat.postMessage instead"
        default:
            message = "Slack answered `\(code)` to \(method)\(detail): see https://api.slack.com/methods/\(method)#errors"
        }
        return SlackDeliveryError(
            code: code, message: message, retryable: retryableCodes.contains(code), retryAfter: retryAfter)
    }

    /// The error for an HTTP status that is not Slack's usual `200` (or a JSON `ok:false` answer).
    static func httpError(method: String, status: Int, retryAfter: TimeInterval?) -> SlackDeliveryError {
        if status == 429 {
            return error(method: method, code: "ratelimited", needed: nil, details: [], retryAfter: retryAfter)
        }
        if status >= 500 {
            return SlackDeliveryError(
                code: "http_\(status)", message: "Slack answered HTTP \(status) to \(method): trying again",
                retryable: true, retryAfter: retryAfter, httpStatus: status)
        }
        return SlackDeliveryError(
            code: "http_\(status)",
            message: "Slack answered HTTP \(status) to \(method): check SLACK_API_URL (it should end in /api/)",
            retryable: false, httpStatus: status)
    }

    /// The error for a failure to talk to Slack at all (connection refused, DNS, TLS, timeout).
    static func transportError(method: String, host: String, error: any Error, timedOut: Bool) -> SlackDeliveryError {
        let what = Secrets.redact(String(describing: error))
        if timedOut {
            return SlackDeliveryError(
                code: "timeout", message: "\(host) did not answer \(method) in time (\(what)): trying again", retryable: true,
                transportFailed: true)
        }
        return SlackDeliveryError(
            code: "unreachable",
            message: "could not reach \(host) for \(method) (\(what)): check the network and SLACK_API_URL; trying again",
            retryable: true, transportFailed: true)
    }

    /// The error for a `200` whose body is not Slack's JSON.
    static func unreadableReply(method: String, host: String) -> SlackDeliveryError {
        SlackDeliveryError(
            code: "invalid_response",
            message: "\(host) did not answer \(method) like Slack's Web API: check SLACK_API_URL", retryable: false)
    }
}
