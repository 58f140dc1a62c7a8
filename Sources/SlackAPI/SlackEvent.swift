/// One Events API event: `app_mention`, `message` (replies in alert threads) or `app_home_opened`.
public struct SlackEvent: Sendable, Equatable, Decodable {
    /// `app_mention`, `message`, `app_home_opened`, …
    public var type: String
    /// For messages: `bot_message`, `message_changed`, … (nil for a plain user message).
    public var subtype: String?
    /// Who wrote it or opened the tab (`U…`).
    public var user: String?
    /// Set when a bot (Sluice itself or another) wrote it.
    public var botID: String?
    /// The message text, mentions as `<@U…>`.
    public var text: String?
    /// The channel (`C…`, or the App Home's `D…`).
    public var channel: String?
    /// The message's own timestamp.
    public var ts: String?
    /// The thread's parent timestamp, when the message is a thread reply.
    public var threadTS: String?
    /// When the event happened.
    public var eventTS: String?
    /// For `app_home_opened`: `home` or `messages`.
    public var tab: String?
    /// For messages: `channel`, `group`, `im`, `mpim`.
    public var channelType: String?

    private enum CodingKeys: String, CodingKey {
        case type, subtype, user, botID = "bot_id", text, channel, ts, threadTS = "thread_ts", eventTS = "event_ts", tab
        case channelType = "channel_type"
    }

    /// Creates an event.
    public init(
        type: String, subtype: String? = nil, user: String? = nil, botID: String? = nil, text: String? = nil,
        channel: String? = nil, ts: String? = nil, threadTS: String? = nil, eventTS: String? = nil,
        tab: String? = nil, channelType: String? = nil
    ) {
        self.type = type
        self.subtype = subtype
        self.user = user
        self.botID = botID
        self.text = text
        self.channel = channel
        self.ts = ts
        self.threadTS = threadTS
        self.eventTS = eventTS
        self.tab = tab
        self.channelType = channelType
    }

    /// Decodes Slack's JSON.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(String.self, forKey: .type)
        subtype = try? c.decodeIfPresent(String.self, forKey: .subtype)
        user = try? c.decodeIfPresent(String.self, forKey: .user)
        botID = try? c.decodeIfPresent(String.self, forKey: .botID)
        text = try? c.decodeIfPresent(String.self, forKey: .text)
        channel = try? c.decodeIfPresent(String.self, forKey: .channel)
        ts = try? c.decodeIfPresent(String.self, forKey: .ts)
        threadTS = try? c.decodeIfPresent(String.self, forKey: .threadTS)
        eventTS = try? c.decodeIfPresent(String.self, forKey: .eventTS)
        tab = try? c.decodeIfPresent(String.self, forKey: .tab)
        channelType = try? c.decodeIfPresent(String.self, forKey: .channelType)
    }
}
