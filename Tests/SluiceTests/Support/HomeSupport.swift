import Conversation
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Prometheus
import Server
import SlackDelivery
import SluiceApp
import SlackAPI
import SluiceCore
import StateStore
import Testing
import Warehouse
import Worker

/// The composition root wired against a fake Slack, with its App Home publisher on the surface: a
/// scheduled pipeline `mini` whose not-null check fails (an open alert) and whose freshness check
/// passes (its newest `updated_at` is an hour old at the test clock's start).
struct HomeHarness: ApplicationHarness, Sendable {
    static let operatorID = "U0OPERATOR"
    /// The user in `Fixtures/slack/event-app-home-opened.json`.
    static let viewerID = "U0123ABCD"
    static let channel = "#alerts"

    let workspace: Workspace
    let sluice: SluiceApplication
    let client: SlackWebClient
    let publisher: HomePublisher
    let surface: SlackSurface
    let clock: TestClock
    /// Replies to button presses, in the order they were delivered.
    let replies: AsyncStream<CommandReply>


    static func manifestYAML() -> String {
        """
        timezone: Europe/London
        warehouse: { kind: sqlite, path: warehouse }
        slack: { default_channel: "\(channel)" }
        access: { operators: [\(operatorID)] }
        pipelines:
          mini:
            schedule: "0 */2 * * *"
            owners: [\(viewerID)]
            sources:
              orders: { kind: csv, path: data/orders.csv }
            loads:
              - source: orders
                table: raw.orders
                write: truncate
                columns: { id: integer, amount: float, customer: string, updated_at: timestamp }
            models:
              - { name: mart.totals, sql: models/totals.sql, materialized: table }
            checks:
              - { not_null: raw.orders, column: customer }
              - { freshness: raw.orders, loaded_at: updated_at, warn_after: 3h, error_after: 6h }
        """
    }

    init(slack: FakeSlackWebAPI) throws {
        let workspace = try Workspace()
        self.workspace = workspace
        try workspace.write("models/totals.sql", "select count(*) as orders, sum(amount) as revenue from raw.orders")
        try workspace.write(
            "data/orders.csv",
            "id,amount,customer,updated_at\n1,10,,2026-11-18 09:30:00\n2,20,bob,2026-11-18 10:00:00\n")
        try workspace.write("sluice.yml", Self.manifestYAML())
        clock = TestClock()
        sluice = try workspace.application(slack: slack, clock: clock)
        guard let client = sluice.slackClient, let publisher = sluice.home else {
            throw AskSetupError("the harness is not in Slack mode")
        }
        self.client = client
        self.publisher = publisher
        let (replies, continuation) = AsyncStream.makeStream(of: CommandReply.self)
        self.replies = replies
        var surface = sluice.slackSurface()
        surface.replies = RecordingReplyChannel(inner: surface.replies, continuation: continuation)
        self.surface = surface
    }

    /// A second publisher over the same state store, as after a restart.
    func restartedPublisher() -> HomePublisher {
        HomePublisher(manifest: manifest, state: state, client: client, clock: clock, logger: Logger(label: "test"))
    }

    /// The routes as an application, for `app.test(.router)`.
    func application() -> some ApplicationProtocol {
        Application(router: sluice.router(surface: surface))
    }

    /// Runs the pipeline once and delivers what it enqueued.
    @discardableResult
    func runAndDeliver() async throws -> RunRecord {
        let run = try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "test"))
        try await sender.deliverDue()
        return run
    }

    /// Headers Slack would send for `body` at the harness clock's time.
    func signedHeaders(_ body: String, contentType: String) -> HTTPFields {
        SlackSigning.headers(for: body, at: clock.now, secret: SlackHarness.signingSecret, contentType: contentType)
    }

    /// The next reply to a button press, or nil when none arrives within `timeout`.
    func nextReply(timeout: Duration = .seconds(120)) async -> CommandReply? {
        let replies = self.replies
        return await withTaskGroup(of: CommandReply?.self) { group in
            group.addTask {
                var iterator = replies.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// A `block_actions` body for a button pressed in the App Home tab: Slack sends the view, and
    /// neither a channel nor a `response_url`.
    static func homeActionBody(actionID: String, value: String, user: String) -> String {
        let payload: [String: Any] = [
            "type": "block_actions", "user": ["id": user, "username": "viewer", "team_id": "T0001"],
            "api_app_id": "A123456", "token": "9s8d9as89d8as9d8as989", "trigger_id": "12466734323.1395872398",
            "team": ["id": "T0001", "domain": "example"],
            "container": ["type": "view", "view_id": "V0FAKE0001"],
            "view": ["id": "V0FAKE0001", "type": "home", "blocks": [] as [Any]],
            "actions": [["action_id": actionID, "block_id": "home", "value": value, "type": "button",
                         "text": ["type": "plain_text", "text": "Acknowledge"], "action_ts": "1548426417.840180"]],
        ]
        let json = String(decoding: (try? JSONSerialization.data(withJSONObject: payload)) ?? Data(), as: UTF8.self)
        return "payload=" + SlackHarness.formEscape(json)
    }

    /// The fixture `event-app-home-opened.json` as Slack sends it.
    static func appHomeOpenedBody() throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/slack/event-app-home-opened", withExtension: "json"))
        return try String(contentsOf: url, encoding: .utf8)
    }
}

/// Passes replies on to the real channel and also hands them to the test.
struct RecordingReplyChannel: ReplyChannel {
    let inner: any ReplyChannel
    let continuation: AsyncStream<CommandReply>.Continuation

    func respond(_ reply: CommandReply, responseURL: String?, channel: String?, user: String) async {
        await inner.respond(reply, responseURL: responseURL, channel: channel, user: user)
        continuation.yield(reply)
    }

    func replyInThread(_ reply: CommandReply, channel: String, threadTS: String, user: String) async {
        await inner.replyInThread(reply, channel: channel, threadTS: threadTS, user: user)
        continuation.yield(reply)
    }
}

extension FakeSlackWebAPI {
    /// The blocks of the Home view last published for `user`.
    func homeBlocks(user: String) throws -> [Block] {
        let view = try #require(homeView(user: user))
        return try #require(view["blocks"]).decode([Block].self)
    }

    /// How many `views.publish` calls were made for `user` (accepted or not).
    func publishes(user: String) -> Int {
        calls(method: "views.publish").filter { $0.body["user_id"]?.string == user }.count
    }
}

extension Block {
    /// Every text in the block (section text and fields, context lines, header, button labels).
    var allText: String {
        switch self {
        case let .header(text): text
        case let .section(text, fields, accessory): ([text] + fields + [accessory?.text ?? ""]).joined(separator: "\n")
        case let .context(lines): lines.joined(separator: "\n")
        case .divider: ""
        case let .actions(_, buttons): buttons.map(\.text).joined(separator: "\n")
        }
    }

    /// The button beside a section's text, if any.
    var accessoryButton: Button? {
        if case let .section(_, _, accessory) = self { return accessory }
        return nil
    }
}
