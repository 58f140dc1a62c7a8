/// What Slack posts to `/slack/events`: a `url_verification` handshake or an `event_callback`
/// carrying one event. Unknown fields are ignored and fields of an unexpected type read as absent,
/// so only a body that is not a JSON object (or has no string `type`) fails to decode.
public struct SlackEventEnvelope: Sendable, Equatable, Decodable {
    /// `url_verification`, `event_callback`, or another type Sluice does not handle (`app_rate_limited`).
    public var type: String
    /// The value to echo back for `url_verification`.
    public var challenge: String?
    /// Unique per event; Slack's retries repeat it, so it is the dedupe key.
    public var eventID: String?
    /// The workspace (`T…`).
    public var teamID: String?
    /// The bot user the event was delivered for (from `authorizations`), to recognise its own messages.
    public var botUserID: String?
    /// The event itself (for `event_callback`).
    public var event: SlackEvent?

    private enum CodingKeys: String, CodingKey {
        case type, challenge, eventID = "event_id", teamID = "team_id", authorizations, event
    }

    private struct Authorization: Decodable {
        var userID: String?
        var isBot: Bool?

        private enum CodingKeys: String, CodingKey { case userID = "user_id", isBot = "is_bot" }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            userID = try? c.decodeIfPresent(String.self, forKey: .userID)
            isBot = try? c.decodeIfPresent(Bool.self, forKey: .isBot)
        }
    }

    /// Creates an envelope.
    public init(
        type: String, challenge: String? = nil, eventID: String? = nil, teamID: String? = nil,
        botUserID: String? = nil, event: SlackEvent? = nil
    ) {
        self.type = type
        self.challenge = challenge
        self.eventID = eventID
        self.teamID = teamID
        self.botUserID = botUserID
        self.event = event
    }

    /// Decodes Slack's JSON.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(String.self, forKey: .type)
        challenge = try? c.decodeIfPresent(String.self, forKey: .challenge)
        eventID = try? c.decodeIfPresent(String.self, forKey: .eventID)
        teamID = try? c.decodeIfPresent(String.self, forKey: .teamID)
        let authorizations = (try? c.decodeIfPresent([Authorization].self, forKey: .authorizations)) ?? []
        botUserID = authorizations.first(where: { $0.isBot == true })?.userID
        event = try? c.decodeIfPresent(SlackEvent.self, forKey: .event)
    }
}
