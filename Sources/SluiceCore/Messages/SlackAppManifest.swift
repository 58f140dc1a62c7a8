import Foundation

/// The Slack app manifest (YAML) for a Sluice deployment: slash command, bot scopes, event
/// subscriptions, interactivity and the App Home tab, all pointing at `baseURL`.
public enum SlackAppManifest {
    /// The bot scopes Sluice needs, and why.
    public static let botScopes: [(scope: String, why: String)] = [
        ("commands", "the slash command"),
        ("chat:write", "post results and alerts, edit them, reply in threads"),
        ("chat:write.public", "post to public channels without being invited"),
        ("app_mentions:read", "`@Sluice ack` in alert threads"),
        ("channels:history", "plain replies in alert threads of public channels; finding a message a crash left unrecorded"),
        ("groups:history", "plain replies in alert threads of private channels; finding a message a crash left unrecorded"),
        ("channels:read", "a public channel's id from its name, to look in its history after a crash"),
        ("groups:read", "a private channel's id from its name, to look in its history after a crash"),
        ("usergroups:read", "operators named by user group in `access.operators`"),
    ]

    /// The manifest as YAML.
    public static func yaml(baseURL: String, commandName: String = "/sluice") -> String {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        let scopes = botScopes.map { "      - \($0.scope)   # \($0.why)" }.joined(separator: "\n")
        return """
            # Slack app manifest for Sluice. Create the app at https://api.slack.com/apps → "From an app manifest",
            # paste this, install it to the workspace, then set SLACK_BOT_TOKEN (Bot User OAuth Token) and
            # SLACK_SIGNING_SECRET (Basic Information → Signing Secret) for `sluice serve`.
            display_information:
              name: Sluice
              description: Runs and watches your ELT pipelines; alerts you can act on.
              background_color: "#1d4e89"
            features:
              app_home:
                home_tab_enabled: true
                messages_tab_enabled: false
                messages_tab_read_only_enabled: true
              bot_user:
                display_name: Sluice
                always_online: true
              slash_commands:
                - command: \(commandName)
                  url: \(base)/slack/commands
                  description: Ask about and act on your data pipelines
                  usage_hint: "help | status | runs | run PIPELINE | alerts | ack ID | mute TARGET 4h"
                  should_escape: false
            oauth_config:
              scopes:
                bot:
            \(scopes)
            settings:
              event_subscriptions:
                request_url: \(base)/slack/events
                bot_events:
                  - app_mention
                  - app_home_opened
                  - message.channels
                  - message.groups
              interactivity:
                is_enabled: true
                request_url: \(base)/slack/interactions
              org_deploy_enabled: false
              socket_mode_enabled: false
              token_rotation_enabled: false

            """
    }
}
