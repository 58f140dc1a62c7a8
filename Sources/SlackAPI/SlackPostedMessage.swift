/// Where Slack put a posted message: the channel id (even when posted by name) and the message's `ts`.
public struct SlackPostedMessage: Sendable, Equatable {
    /// The channel id (`C…`); `chat.update` needs it rather than a name.
    public var channel: String
    /// The message's timestamp, its id within the channel.
    public var ts: String

    /// Creates a posted-message reference.
    public init(channel: String, ts: String) {
        self.channel = channel
        self.ts = ts
    }
}
