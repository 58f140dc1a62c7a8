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
        guard let command = form["command"], !command.isEmpty,
            let userID = form["user_id"], !userID.isEmpty,
            let channelID = form["channel_id"], !channelID.isEmpty
        else { return nil }
        self.init(
            command: command, text: form["text"] ?? "", userID: userID, userName: form["user_name"] ?? "",
            channelID: channelID, channelName: form["channel_name"] ?? "", teamID: form["team_id"] ?? "",
            responseURL: form["response_url"].flatMap { $0.isEmpty ? nil : $0 },
            triggerID: form["trigger_id"].flatMap { $0.isEmpty ? nil : $0 })
    }
}
