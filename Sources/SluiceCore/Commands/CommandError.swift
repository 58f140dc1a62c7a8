import Foundation

/// Why a command text was not understood, as an ephemeral mrkdwn reply that says what would work
/// (the nearest command or name, the usage line and an example).
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reply, mrkdwn, possibly several lines.
    public var message: String

    /// Creates an error with its message.
    public init(message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
