import Foundation
import Testing
import Yams
@testable import SluiceCore

@Suite("Slack app manifest")
struct SlackAppManifestTests {
    @Test func itIsValidYAMLPointingEveryURLAtTheDeployment() throws {
        let yaml = SlackAppManifest.yaml(baseURL: "https://sluice.example.org/", commandName: "/data")
        let root = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        let features = try #require(root["features"] as? [String: Any])
        let commands = try #require(features["slash_commands"] as? [[String: Any]])
        #expect(commands.first?["command"] as? String == "/data")
        #expect(commands.first?["url"] as? String == "https://sluice.example.org/slack/commands")
        #expect((features["app_home"] as? [String: Any])?["home_tab_enabled"] as? Bool == true)
        let settings = try #require(root["settings"] as? [String: Any])
        let events = try #require(settings["event_subscriptions"] as? [String: Any])
        #expect(events["request_url"] as? String == "https://sluice.example.org/slack/events")
        #expect(Set(events["bot_events"] as? [String] ?? []) == ["app_mention", "app_home_opened", "message.channels", "message.groups"])
        #expect((settings["interactivity"] as? [String: Any])?["request_url"] as? String == "https://sluice.example.org/slack/interactions")
        let scopes = ((root["oauth_config"] as? [String: Any])?["scopes"] as? [String: Any])?["bot"] as? [String] ?? []
        #expect(Set(["commands", "chat:write", "chat:write.public", "app_mentions:read", "channels:history", "usergroups:read"]).isSubset(of: Set(scopes)))
    }

    @Test func theCheckedInManifestIsTheCommandsOutput() throws {
        let checkedIn = try String(contentsOfFile: Workspace.repositoryRoot + "/manifest/slack-app.yml", encoding: .utf8)
        #expect(checkedIn == SlackAppManifest.yaml(baseURL: "https://sluice.example.com"))
    }
}
