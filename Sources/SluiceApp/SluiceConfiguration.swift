import Foundation

/// Everything a Sluice process is configured with: the environment variables of the README's
/// configuration table, with their defaults, and the directory relative paths resolve against.
/// `SluiceApplication.build` wires a process from one of these; tests build one from a dictionary.
public struct SluiceConfiguration: Sendable, Equatable {
    /// `SLUICE_MANIFEST`, default `manifest/sluice.yml`.
    public var manifestPath: String
    /// `SLUICE_STATE`, default `.sluice/state.sqlite`.
    public var statePath: String
    /// `SLUICE_HOST`, default `127.0.0.1`.
    public var host: String
    /// `SLUICE_PORT`, default 8080.
    public var port: Int
    /// `SLACK_BOT_TOKEN`; nil means console mode.
    public var slackBotToken: String?
    /// `SLACK_SIGNING_SECRET`; required with a bot token.
    public var slackSigningSecret: String?
    /// `SLACK_API_URL`, default `https://slack.com/api/`.
    public var slackAPIURL: String
    /// `SLACK_BOT_USER_ID`: the bot's user id, when known without asking Slack (`auth.test`).
    public var slackBotUserID: String?
    /// `SLUICE_COMMAND`, default `/sluice`.
    public var commandName: String
    /// The directory relative paths (the manifest, the state file, the manifest's own paths) resolve
    /// against: the working directory.
    public var baseDirectory: String
    /// The least time between two messages the outbox delivers to one channel: Slack's ~1 per second
    /// with a bot token, none in console mode.
    public var outboxChannelInterval: TimeInterval
    /// Every environment variable, for the warehouse's credentials (`GOOGLE_*`, `BIGQUERY_*`).
    public var environment: [String: String]

    /// Reads `values` (the process environment by default); a combination that cannot work is a
    /// `ConfigurationError` saying what to set.
    public init(
        environment values: [String: String] = ProcessInfo.processInfo.environment,
        baseDirectory: String = FileManager.default.currentDirectoryPath
    ) throws {
        func value(_ name: String) -> String? {
            guard let text = values[name], !text.isEmpty else { return nil }
            return text
        }
        environment = values
        self.baseDirectory = baseDirectory
        manifestPath = value("SLUICE_MANIFEST") ?? "manifest/sluice.yml"
        statePath = value("SLUICE_STATE") ?? ".sluice/state.sqlite"
        host = value("SLUICE_HOST") ?? "127.0.0.1"
        let portText = value("SLUICE_PORT") ?? "8080"
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw ConfigurationError("SLUICE_PORT must be a port number from 1 to 65535, got '\(portText)'")
        }
        self.port = port
        slackBotToken = value("SLACK_BOT_TOKEN")
        slackSigningSecret = value("SLACK_SIGNING_SECRET")
        slackAPIURL = value("SLACK_API_URL") ?? "https://slack.com/api/"
        slackBotUserID = value("SLACK_BOT_USER_ID")
        commandName = value("SLUICE_COMMAND") ?? "/sluice"
        outboxChannelInterval = slackBotToken == nil ? 0 : 1
        if statePath.hasPrefix("postgres://") || statePath.hasPrefix("postgresql://") {
            throw ConfigurationError("SLUICE_STATE=postgres://… is not supported yet; use a SQLite path such as .sluice/state.sqlite")
        }
        if let token = slackBotToken, !token.hasPrefix("xoxb-") {
            throw ConfigurationError("SLACK_BOT_TOKEN must be a bot token starting with xoxb- (Slack app → OAuth & Permissions → Bot User OAuth Token)")
        }
        if slackBotToken != nil, slackSigningSecret == nil {
            throw ConfigurationError("SLACK_SIGNING_SECRET is required when SLACK_BOT_TOKEN is set (Slack app → Basic Information → Signing Secret)")
        }
        if value("SLACK_APP_TOKEN") != nil {
            throw ConfigurationError("SLACK_APP_TOKEN (Socket Mode) is not supported by this version; unset it and give Slack a public URL (see `sluice slack-manifest`)")
        }
    }

    /// `path` made absolute against `baseDirectory` (absolute paths are kept).
    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : baseDirectory + (baseDirectory.hasSuffix("/") ? "" : "/") + path
    }
}

/// A configuration or start-up failure a user can fix: what happened and what to do, printed as is.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What happened and what to do.
    public var description: String

    /// Creates an error.
    public init(_ description: String) {
        self.description = description
    }
}
