import Synchronization

/// Whether Sluice's bot token has been verified by `auth.test`.
public enum SlackTokenStatus: Sendable, Equatable {
    /// Console mode: there is no token to verify.
    case notConfigured
    /// Not verified yet; `problem` says why the last attempt failed (nil before the first answer).
    case unverified(problem: String?)
    /// Slack accepted the token.
    case verified
}

/// What the process knows about its own Slack identity: the token's status and the bot's user id.
/// Written by the start-up token check, read by the routes (to recognise the bot's own messages
/// and mentions) and by `/readyz`; the server answers requests before it is verified.
public final class SlackIdentity: Sendable {
    private struct Current {
        var status: SlackTokenStatus
        var botUserID: String?
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let current: Mutex<Current>

    /// Creates an identity; `botUserID` may be known ahead of `auth.test` (`SLACK_BOT_USER_ID`).
    public init(status: SlackTokenStatus, botUserID: String? = nil) {
        current = Mutex(Current(status: status, botUserID: botUserID))
    }

    /// Console mode: nothing to verify.
    public static var console: SlackIdentity { SlackIdentity(status: .notConfigured) }

    /// The token's status.
    public var status: SlackTokenStatus { current.withLock { $0.status } }

    /// The bot's user id, once known.
    public var botUserID: String? { current.withLock { $0.botUserID } }

    /// Records that `auth.test` accepted the token for `botUserID`.
    public func verified(botUserID: String) {
        let waiting = current.withLock { current in
            defer { current = Current(status: .verified, botUserID: botUserID) }
            return current.waiting
        }
        for waiter in waiting { waiter.resume() }
    }

    /// Returns once the token is verified (at once when it is). Not cancellable: a process whose
    /// token is refused stops instead.
    public func untilVerified() async {
        await withCheckedContinuation { continuation in
            let done = current.withLock { current in
                if current.status == .verified { return true }
                current.waiting.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Records why the last verification attempt failed (the token stays unverified).
    public func failedToVerify(_ problem: String) {
        current.withLock { $0.status = .unverified(problem: problem) }
    }
}
