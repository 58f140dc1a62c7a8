/// A slash command invocation (`/sluice status`), from the form Slack posts to `/slack/commands`.
public struct SlashCommandPayload: Sendable, Equatable {
    /// The command as typed, with its slash (`/sluice`).
    public var command: String
    /// Everything after the command (may be empty).
    public var text: String
    /// Who ran it (`U…`).
    public var userID: String
    /// Their handle, for display only (Slack deprecates it; never use it for access decisions).
    public var userName: String
    /// Where it was run (`C…`, `G…`, `D…`).
    public var channelID: String
    /// The channel's name, for display only.
    public var channelName: String
    /// The workspace (`T…`).
    public var teamID: String
    /// Where to send delayed replies (at most 5 uses within 30 minutes).
    public var responseURL: String?
    /// Lets the app open a modal within 3 seconds.
    public var triggerID: String?

    /// Creates a payload (the console REPL builds these without a form).
    public init(
        command: String, text: String, userID: String, userName: String = "", channelID: String,
        channelName: String = "", teamID: String = "", responseURL: String? = nil, triggerID: String? = nil
    ) {
        self.command = command
        self.text = text
        self.userID = userID
        self.userName = userName
        self.channelID = channelID
        self.channelName = channelName
        self.teamID = teamID
        self.responseURL = responseURL
        self.triggerID = triggerID
    }

    /// Reads the decoded form fields; nil when `command`, `user_id` or `channel_id` is missing or empty.
    public init?(form: [String: String]) {
        var fields = Fields()
        for (name, value) in form { fields.take(name) { value } }
        guard let payload = fields.payload else { return nil }
        self = payload
    }

    /// Reads a form body as Slack sends it, unescaping only the fields a payload keeps; nil as `init(form:)`.
    public init?(formBody bytes: UnsafeBufferPointer<UInt8>) {
        var fields = Fields()
        FormURLEncoded.forEachField(in: bytes) { name, value in fields.take(name, value) }
        guard let payload = fields.payload else { return nil }
        self = payload
    }

    /// The fields a payload is made of, as they are read.
    private struct Fields {
        var command = "", text = "", userID = "", userName = "", channelID = "", channelName = "", teamID = ""
        var responseURL = "", triggerID = ""

        mutating func take(_ name: String, _ value: () -> String) {
            switch name {
            case "command": command = value()
            case "text": text = value()
            case "user_id": userID = value()
            case "user_name": userName = value()
            case "channel_id": channelID = value()
            case "channel_name": channelName = value()
            case "team_id": teamID = value()
            case "response_url": responseURL = value()
            case "trigger_id": triggerID = value()
            default: break
            }
        }

        /// The payload; nil when the command, user or channel is missing or empty.
        var payload: SlashCommandPayload? {
            guard !command.isEmpty, !userID.isEmpty, !channelID.isEmpty else { return nil }
            return SlashCommandPayload(
                command: command, text: text, userID: userID, userName: userName, channelID: channelID,
                channelName: channelName, teamID: teamID, responseURL: responseURL.isEmpty ? nil : responseURL,
                triggerID: triggerID.isEmpty ? nil : triggerID)
        }
    }
}
