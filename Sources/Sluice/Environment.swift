import Foundation

/// The process environment Sluice reads (see the README's configuration table), with defaults.
struct SluiceEnvironment: Sendable {
    /// `SLUICE_MANIFEST`, default `manifest/sluice.yml`.
    var manifestPath: String
    /// `SLUICE_STATE`, default `.sluice/state.sqlite`.
    var statePath: String
    /// `SLUICE_HOST`, default `127.0.0.1`.
    var host: String
    /// `SLUICE_PORT`, default 8080.
    var port: Int
    /// `SLACK_BOT_TOKEN`; nil means console mode.
    var slackBotToken: String?
    /// `SLACK_SIGNING_SECRET`; required with a bot token.
    var slackSigningSecret: String?
    /// `SLACK_API_URL`, default `https://slack.com/api/`.
    var slackAPIURL: String
    /// `SLACK_BOT_USER_ID`: the bot's user id, when known without asking Slack.
    var slackBotUserID: String?
    /// `SLUICE_COMMAND`, default `/sluice`.
    var commandName: String

    /// Reads the environment; a combination that cannot work is an error saying what to set.
    init(_ values: [String: String] = ProcessInfo.processInfo.environment) throws {
        func value(_ name: String) -> String? {
            guard let text = values[name], !text.isEmpty else { return nil }
            return text
        }
        manifestPath = value("SLUICE_MANIFEST") ?? "manifest/sluice.yml"
        statePath = value("SLUICE_STATE") ?? ".sluice/state.sqlite"
        host = value("SLUICE_HOST") ?? "127.0.0.1"
        let portText = value("SLUICE_PORT") ?? "8080"
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw CLIError("SLUICE_PORT must be a port number from 1 to 65535, got '\(portText)'")
        }
        self.port = port
        slackBotToken = value("SLACK_BOT_TOKEN")
        slackSigningSecret = value("SLACK_SIGNING_SECRET")
        slackAPIURL = value("SLACK_API_URL") ?? "https://slack.com/api/"
        slackBotUserID = value("SLACK_BOT_USER_ID")
        commandName = value("SLUICE_COMMAND") ?? "/sluice"
        if statePath.hasPrefix("postgres://") || statePath.hasPrefix("postgresql://") {
            throw CLIError("SLUICE_STATE=postgres://… is not supported yet; use a SQLite path such as .sluice/state.sqlite")
        }
        if let token = slackBotToken, !token.hasPrefix("xoxb-") {
            throw CLIError("SLACK_BOT_TOKEN must be a bot token starting with xoxb- (Slack app → OAuth & Permissions → Bot User OAuth Token)")
        }
        if slackBotToken != nil, slackSigningSecret == nil {
            throw CLIError("SLACK_SIGNING_SECRET is required when SLACK_BOT_TOKEN is set (Slack app → Basic Information → Signing Secret)")
        }
        if value("SLACK_APP_TOKEN") != nil {
            throw CLIError("SLACK_APP_TOKEN (Socket Mode) is not supported by this version; unset it and give Slack a public URL (see `sluice slack-manifest`)")
        }
    }
}

/// A user-facing command-line failure: printed as is, exit code 1.
struct CLIError: Error, CustomStringConvertible {
    /// What happened and what to do.
    var description: String

    /// Creates an error.
    init(_ description: String) {
        self.description = description
    }
}
