import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SluiceApp
import SluiceCore
import StateStore
import Testing
import Worker

/// `/sluice freshness`, the daily digest and App Home read the same state and must show the same
/// verdict per table: one rule (`FreshnessRule.verdict`) behind all three.
@Suite("Freshness agrees on every surface")
struct FreshnessAgreementTests {
    static let viewer = "U0123ABCD"
    /// Ages of each table's newest `updated_at` at the run, and the verdict every surface must show.
    static let tables: [(name: String, hoursOld: Double, severity: String, verdict: FreshnessVerdict)] = [
        ("raw.fresh", 1, "error", .fresh),
        ("raw.late", 4, "error", .warn),
        ("raw.stale", 7, "error", .stale),
        // Past error_after on a warn-severity check: a warning everywhere, never "stale".
        ("raw.tolerated", 7, "warn", .warn),
    ]

    static func manifest() -> String {
        var yaml = """
            timezone: Europe/London
            warehouse: { kind: sqlite, path: warehouse }
            slack: { default_channel: "#data", digest: { at: "09:00", channel: "#digest" } }
            access: { operators: [\(viewer)] }
            pipelines:
              shop:
                owners: [\(viewer)]
                sources:

            """
        for table in tables {
            let name = table.name.replacingOccurrences(of: "raw.", with: "")
            yaml += "      \(name): { kind: csv, path: data/\(name).csv }\n"
        }
        yaml += "    loads:\n"
        for table in tables {
            let name = table.name.replacingOccurrences(of: "raw.", with: "")
            yaml += "      - { source: \(name), table: \(table.name), write: truncate, columns: { id: integer, updated_at: timestamp } }\n"
        }
        yaml += "    checks:\n"
        for table in tables {
            yaml += "      - { freshness: \(table.name), loaded_at: updated_at, warn_after: 3h, error_after: 6h, severity: \(table.severity) }\n"
        }
        return yaml
    }

    @Test func theDigestAppHomeAndSluiceFreshnessShowTheSameVerdicts() async throws {
        try await FakeSlackWebAPI.run { slack in
            let workspace = try Workspace()
            let clock = TestClock()
            let formatter = ISO8601DateFormatter()
            for table in Self.tables {
                let newest = formatter.string(from: clock.now.addingTimeInterval(-table.hoursOld * 3600))
                    .replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
                try workspace.write("data/\(table.name.dropFirst(4)).csv", "id,updated_at\n1,\(newest)\n")
            }
            try workspace.write("sluice.yml", Self.manifest())
            let sluice = try workspace.application(slack: slack, clock: clock)
            let work = Task { await sluice.work.run() }
            defer { work.cancel() }
            let run = try await sluice.runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "test"))
            #expect(run.state == .failed, "raw.stale's error-severity check fails the run")
            let app = Application(router: sluice.router(surface: sluice.slackSurface()))
            func post(_ uri: String, _ body: String, _ contentType: String) async throws {
                let headers = SlackSigning.headers(for: body, at: clock.now, secret: SlackSigning.exampleSecret, contentType: contentType)
                try await app.test(.router) { client in
                    let status = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) { $0.status }
                    #expect(status == .ok)
                }
            }
            let form = "application/x-www-form-urlencoded"

            // /sluice freshness, answered on the command's response_url.
            try await post("/slack/commands", SlackHarness.commandBody("freshness", user: Self.viewer, responseURL: slack.responseURL("fresh")), form)
            let reply = try AskReply(call: try #require(try await slack.waitForCallsTo(responseURL: "fresh", count: 1).first)).content

            // The digest, posted by /sluice digest: the complete list is in its thread.
            try await post("/slack/commands", SlackHarness.commandBody("digest", user: Self.viewer, responseURL: slack.responseURL("digest")), form)
            _ = try await slack.waitForCallsTo(responseURL: "digest", count: 1)
            await sluice.work.idle()
            try await sluice.sender.deliverDue()
            let digest = try await slack.messages(in: "#digest").map { try $0.blocks.decode([Block].self).map(\.allText).joined(separator: "\n") }
                .joined(separator: "\n")

            // App Home, published when the viewer opens it.
            try await post("/slack/events", try HomeHarness.appHomeOpenedBody(), "application/json")
            _ = try await slack.waitForCalls(method: "views.publish", count: 1)
            let home = try await slack.homeBlocks(user: Self.viewer).map(\.allText).joined(separator: "\n")

            for table in Self.tables {
                let shown = "\(table.verdict.icon) `\(table.name)`"
                #expect(reply.contains(shown), "/sluice freshness: \(table.name) should be \(table.verdict)\n\(reply)")
                #expect(digest.contains(shown), "digest: \(table.name) should be \(table.verdict)\n\(digest)")
                #expect(home.contains(shown), "App Home: \(table.name) should be \(table.verdict)\n\(home)")
            }
            #expect(!reply.contains(":red_circle: `raw.tolerated`") && !digest.contains(":red_circle: `raw.tolerated`"))
        }
    }
}
