import Foundation
import Logging
import SlackAPI
import SluiceCore

/// Verifies `SLACK_BOT_TOKEN` with `auth.test` in the background while the server already answers:
/// retried with capped backoff (logged each time, with what to check) until Slack answers, then the
/// bot's user id is recorded in `identity`. Only an answer that says the token itself is not valid
/// stops it, with `SlackTokenRefused`; everything else (Slack or the network down, a wrong
/// `SLACK_API_URL`) is tried again, and `/readyz` says why Sluice is not ready meanwhile.
public struct SlackTokenCheck: Sendable {
    private let client: SlackWebClient
    private let identity: SlackIdentity
    private let clock: any WallClock
    private let logger: Logger
    private let backoff: RetryBackoff

    /// Creates the check.
    public init(
        client: SlackWebClient, identity: SlackIdentity, clock: any WallClock, logger: Logger, backoff: RetryBackoff = .tokenCheck
    ) {
        self.client = client
        self.identity = identity
        self.clock = clock
        self.logger = logger
        self.backoff = backoff
    }

    /// Tries until the token is verified (returns), refused (throws `SlackTokenRefused`) or the task
    /// is cancelled (returns).
    public func run() async throws {
        var attempt = 0
        while !Task.isCancelled {
            do {
                let user = try await client.botUserID()
                if let expected = identity.botUserID, expected != user {
                    logger.warning("SLACK_BOT_USER_ID differs from the token's bot user; using the token's", metadata: [
                        "SLACK_BOT_USER_ID": "\(expected)", "auth.test": "\(user)",
                    ])
                }
                identity.verified(botUserID: user)
                logger.info("Slack accepted SLACK_BOT_TOKEN", metadata: ["bot_user": "\(user)"])
                return
            } catch let error as SlackDeliveryError where error.rejectsToken {
                identity.failedToVerify(error.description)
                throw SlackTokenRefused(error: error)
            } catch is CancellationError {
                return
            } catch {
                attempt += 1
                let wait = backoff.delay(afterAttempt: attempt, unitRandom: Double.random(in: 0...1))
                let problem = "\(error)"
                identity.failedToVerify(problem)
                logger.warning("Slack has not verified SLACK_BOT_TOKEN yet; Sluice answers meanwhile and keeps its messages in the outbox", metadata: [
                    "error": "\(problem)", "attempt": "\(attempt)", "next_try_in": "\(Int(wait.rounded(.up)))s",
                ])
                do {
                    try await clock.sleep(until: clock.now.addingTimeInterval(wait))
                } catch {
                    return
                }
            }
        }
    }
}

/// Slack said the bot token is not valid: the server cannot work and stops.
public struct SlackTokenRefused: Error, Sendable, CustomStringConvertible {
    /// Slack's answer.
    public var error: SlackDeliveryError

    /// Creates the error.
    public init(error: SlackDeliveryError) {
        self.error = error
    }

    /// One line: what Slack said and what to do.
    public var description: String {
        "Slack refused SLACK_BOT_TOKEN (\(error.code)): \(error.message)"
    }
}
