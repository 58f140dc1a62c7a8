import Conversation
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Prometheus
import Server
import SlackDelivery
import SluiceApp
import SlackAPI
import SluiceCore
import StateStore
import Warehouse
import Worker

/// The composition root wired against a fake Slack (`Workspace.application`): state store, SQLite
/// warehouse, runner, outbox sender over `SlackWebClient`, the conversation and the `/slack/*` routes.
struct SlackHarness: ApplicationHarness, Sendable {
    static let signingSecret = SlackSigning.exampleSecret
    static let operatorID = "U0OPERATOR"
    static let bystanderID = "U0BYSTANDER"
    static let channel = "#alerts"

    let workspace: Workspace
    let sluice: SluiceApplication
    let surface: SlackSurface
    let clock: TestClock


    /// A pipeline `mini`: one CSV (`customer` may be empty → the not_null check fails) and one model.
    static func miniManifest() -> String {
        """
        timezone: Europe/London
        warehouse: { kind: sqlite, path: warehouse }
        slack: { default_channel: "\(channel)", escalate_after: 30m }
        access: { operators: [\(operatorID)] }
        pipelines:
          mini:
            owners: [U0OWNER]
            sources:
              orders: { kind: csv, path: data/orders.csv }
            loads:
              - source: orders
                table: raw.orders
                write: truncate
                columns: { id: integer, amount: float, customer: string }
            models:
              - { name: mart.totals, sql: models/totals.sql, materialized: table }
            checks:
              - { not_null: raw.orders, column: customer }
        """
    }

    /// A workspace with the `mini` pipeline, its data (every customer set) and its model.
    static func miniWorkspace() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.write("models/totals.sql", "select count(*) as orders, sum(amount) as revenue from raw.orders")
        try workspace.write("data/orders.csv", "id,amount,customer\n1,10,ann\n2,20,bob\n")
        try workspace.write("sluice.yml", miniManifest())
        return workspace
    }

    init(slack: FakeSlackWebAPI) throws {
        let workspace = try Workspace()
        self.workspace = workspace
        try workspace.write("models/totals.sql", "select count(*) as orders, sum(amount) as revenue from raw.orders")
        try workspace.write("data/orders.csv", "id,amount,customer\n1,10,\n2,20,bob\n")
        try workspace.write("sluice.yml", Self.miniManifest())
        clock = TestClock()
        sluice = try workspace.application(slack: slack, clock: clock)
        surface = sluice.slackSurface()
    }

    /// The routes as an application, for `app.test(.router)`.
    func application() -> some ApplicationProtocol {
        Application(router: sluice.router(surface: surface))
    }

    /// Sends one signed request to the routes and returns its answer once everything the request
    /// started in the background (the command, button press or thread reply, and the replies they
    /// send) is done: each request gets its own route work queue, drained to the end. Runs started
    /// from Slack still go to `work`.
    @discardableResult
    func send(_ uri: String, _ body: String, contentType: String, retry: Int? = nil) async throws -> (status: HTTPResponse.Status, body: String) {
        let routeWork = WorkQueue()
        var surface = self.surface
        surface.work = routeWork
        let router = sluice.router(surface: surface)
        var signed = signedHeaders(body, contentType: contentType)
        if let retry { signed[HTTPField.Name("X-Slack-Retry-Num")!] = String(retry) }
        let headers = signed
        let answer = try await Application(router: router).test(.router) { client in
            try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) {
                ($0.status, String(buffer: $0.body))
            }
        }
        routeWork.finish()
        await routeWork.run()
        return answer
    }

    /// Runs the pipeline once and delivers what it enqueued.
    @discardableResult
    func runAndDeliver() async throws -> RunRecord {
        let run = try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "test"))
        try await sender.deliverDue()
        return run
    }

    /// Headers Slack would send for `body` at the harness clock's time, signed with `secret`.
    func signedHeaders(_ body: String, secret: String = signingSecret, timestamp: Date? = nil, contentType: String) -> HTTPFields {
        SlackSigning.headers(for: body, at: timestamp ?? clock.now, secret: secret, contentType: contentType)
    }

    /// A slash-command form body in Slack's shape.
    static func commandBody(_ text: String, user: String = operatorID, responseURL: String) -> String {
        let fields = [
            ("token", "gIkuvaNzQIHg97ATvDxqgjtO"), ("team_id", "T0001"), ("team_domain", "example"),
            ("channel_id", "C2147483705"), ("channel_name", "alerts"), ("user_id", user), ("user_name", "someone"),
            ("command", "/sluice"), ("text", text), ("api_app_id", "A123456"), ("response_url", responseURL),
            ("trigger_id", "13345224609.738474920.8088930838d88f008e0"),
        ]
        return fields.map { "\($0.0)=\(formEscape($0.1))" }.joined(separator: "&")
    }

    /// A `block_actions` interaction form body pressing one button; `messageTS` is the message the
    /// button is on (nil: an ephemeral message, which Slack sends without `message`).
    static func actionBody(
        actionID: String, value: String, user: String = operatorID, responseURL: String, messageTS: String? = nil
    ) -> String {
        var payload: [String: Any] = [
            "type": "block_actions", "user": ["id": user, "username": "someone", "team_id": "T0001"],
            "api_app_id": "A123456", "token": "9s8d9as89d8as9d8as989", "trigger_id": "12466734323.1395872398",
            "team": ["id": "T0001", "domain": "example"], "channel": ["id": "C0FAKE0001", "name": "alerts"],
            "response_url": responseURL,
            "container": ["type": "message", "message_ts": messageTS ?? "1548426400.000100", "channel_id": "C0FAKE0001",
                          "is_ephemeral": messageTS == nil],
            "actions": [["action_id": actionID, "block_id": "alert", "value": value, "type": "button",
                         "text": ["type": "plain_text", "text": "Button"], "action_ts": "1548426417.840180"]],
        ]
        if let messageTS { payload["message"] = ["type": "message", "ts": messageTS, "text": "alert"] }
        let json = String(decoding: (try? JSONSerialization.data(withJSONObject: payload)) ?? Data(), as: UTF8.self)
        return "payload=" + formEscape(json)
    }

    /// An `event_callback` JSON body for a message in a thread.
    static func threadEventBody(type: String = "app_mention", text: String, threadTS: String, eventID: String, user: String = operatorID) -> String {
        let event: [String: Any] = [
            "type": type, "user": user, "text": text, "ts": "1700000999.000200", "channel": "C0FAKE0001",
            "event_ts": "1700000999.000200", "thread_ts": threadTS,
        ]
        let envelope: [String: Any] = [
            "token": "XXYYZZ", "team_id": "T0001", "api_app_id": "A123456", "event": event, "type": "event_callback",
            "event_id": eventID, "event_time": 1_700_000_999,
        ]
        return String(decoding: (try? JSONSerialization.data(withJSONObject: envelope)) ?? Data(), as: UTF8.self)
    }

    static func formEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: "%20", with: "+")
    }
}
