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
import SluiceApp
import SlackAPI
import SluiceCore
import StateStore
import Testing
import Warehouse
import Worker

/// The demo `shop` pipeline (the checked-in manifest and models, generated CSVs) wired like the
/// server against a fake Slack: state store, SQLite warehouse on the test clock, runner, the
/// conversation and the `/slack/*` routes. For the question commands: freshness, volume, cost.
struct AskHarness: ApplicationHarness, Sendable {
    static let signingSecret = SlackSigning.exampleSecret
    static let askerID = "U0ASKER"
    static let form = "application/x-www-form-urlencoded"

    let workspace: Workspace
    let sluice: SluiceApplication
    let surface: SlackSurface
    let clock: TestClock


    init(slack: FakeSlackWebAPI, orders: Int = 2_000) throws {
        let workspace = try Workspace()
        self.workspace = workspace
        clock = TestClock()
        try workspace.copyDemoShop(orders: orders, endingAt: clock.now)
        sluice = try workspace.application(manifestPath: "manifest/sluice.yml", slack: slack, clock: clock)
        guard case .sqlite = sluice.manifest.warehouse else { throw AskSetupError("the demo manifest is not on SQLite") }
        surface = sluice.slackSurface()
    }

    /// The same on the fake BigQuery `fake`: the demo manifest with its warehouse block switched to
    /// BigQuery, the one change a user makes.
    init(slack: FakeSlackWebAPI, bigQuery fake: FakeBigQuery, orders: Int = 2_000) throws {
        let workspace = try Workspace()
        self.workspace = workspace
        clock = TestClock()
        try workspace.copyDemoShop(orders: orders, endingAt: clock.now)
        let manifestPath = workspace.path("manifest/sluice.yml")
        let sqliteBlock = "warehouse: { kind: sqlite, path: .sluice/warehouse }"
        let yaml = try String(contentsOfFile: manifestPath, encoding: .utf8)
        guard yaml.contains(sqliteBlock) else { throw AskSetupError("the demo manifest has no `\(sqliteBlock)` line") }
        try yaml.replacingOccurrences(of: sqliteBlock, with: "warehouse: { kind: bigquery, project: \(fake.project), location: \(fake.location) }")
            .write(toFile: manifestPath, atomically: true, encoding: .utf8)
        sluice = try workspace.application(
            manifestPath: "manifest/sluice.yml", slack: slack, clock: clock,
            warehouse: { manifest, _, clock, _ in
                BigQueryWarehouse(
                    client: BigQueryPipelineTests.client(fake, project: fake.project, location: fake.location), cost: manifest.cost,
                    clock: clock)
            })
        surface = sluice.slackSurface()
    }

    /// Runs `shop` once; fails the test unless it succeeded.
    @discardableResult
    func runShop() async throws -> RunRecord {
        let run = try await runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "test"))
        let steps = try await state.read { try $0.steps(runID: run.id) }
        #expect(run.state == .succeeded, "failed steps: \(steps.filter { $0.state != .succeeded }.map { "\($0.stepID): \($0.error ?? "")" })")
        return run
    }

    /// Sends `/sluice <text>` as a signed slash-command request and returns the reply Slack
    /// received on the command's `response_url` (the fake refuses replies beyond Block Kit's limits).
    func ask(_ text: String, slack: FakeSlackWebAPI) async throws -> AskReply {
        let id = "ask-\(UUID().uuidString)"
        let body = SlackHarness.commandBody(text, user: Self.askerID, responseURL: slack.responseURL(id))
        let status = try await Application(router: sluice.router(surface: surface)).test(.router) { client in
            try await client.execute(
                uri: "/slack/commands", method: .post, headers: signedHeaders(body), body: ByteBuffer(string: body)) { $0.status }
        }
        #expect(status == .ok, "\(text)")
        let call = try #require(try await slack.waitForCallsTo(responseURL: id, count: 1).first)
        return try AskReply(call: call)
    }

    /// Headers Slack would send for `body` now, signed with the signing secret.
    func signedHeaders(_ body: String) -> HTTPFields {
        SlackSigning.headers(for: body, at: clock.now, secret: Self.signingSecret, contentType: Self.form)
    }

    /// The first value of a one-row, one-column query.
    func scalar(_ sql: String) async throws -> String? {
        let result = try await warehouse.query(sql, limit: 1, context: JobContext(pipeline: "test", runID: 0, stepID: "test"))
        return result.rows.first?.first ?? nil
    }

    /// Every row of a query, as text.
    func rows(_ sql: String) async throws -> [[String?]] {
        try await warehouse.query(sql, limit: 100_000, context: JobContext(pipeline: "test", runID: 0, stepID: "test")).rows
    }
}

/// A reply as Slack received it on a `response_url`.
struct AskReply: Sendable {
    /// The fallback text.
    let text: String
    /// The blocks, decoded.
    let blocks: [Block]
    /// `ephemeral` or `in_channel`.
    let responseType: String?
    /// The error the fake answered with (nil when Slack would have accepted it).
    let error: String?

    init(call: FakeSlackWebAPI.Call) throws {
        text = call.body["text"]?.string ?? ""
        blocks = try call.body["blocks"]?.decode([Block].self) ?? []
        responseType = call.body["response_type"]?.string
        error = call.error
    }

    init(message: SlackMessage, ephemeral: Bool) {
        text = message.text
        blocks = message.blocks
        responseType = ephemeral ? "ephemeral" : "in_channel"
        error = nil
    }

    /// Every text of every block, one block per paragraph.
    var content: String { AskReply.text(of: blocks) }

    /// Every line of every block's text.
    var lines: [String] { content.split(separator: "\n").map(String.init) }

    /// Every text of `blocks`: headers, section texts and fields, context lines, button labels.
    static func text(of blocks: [Block]) -> String {
        blocks.map { block in
            switch block {
            case let .header(text): text
            case let .section(text, fields, accessory): ([text] + fields + [accessory?.text].compactMap { $0 }).joined(separator: "\n")
            case let .context(lines): lines.joined(separator: "\n")
            case .divider: ""
            case let .actions(_, buttons): buttons.map(\.text).joined(separator: "\n")
            }
        }.joined(separator: "\n")
    }
}

/// The harness could not be set up.
struct AskSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Slack's Block Kit rules (as the fake Slack checks them) broken by a message.
func blockKitProblems(_ message: SlackMessage, limit: Int = BlockLimits.messageBlocks) throws -> [String] {
    let encoded = try JSONEncoder().encode(message.blocks)
    let json = try #require(JSON.parse(Array(encoded)))
    return BlockKitRules.problems(blocks: json, limit: limit, pointer: "/blocks")
}
