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
import Synchronization
import Testing
import Warehouse
import Worker

/// A clock that moves forward by `tick` each time it is read, so that time passes while a backfill
/// runs and the throttled progress edits happen, deterministically; `sleep(until:)` jumps at once.
final class TickingClock: WallClock {
    private let current: Mutex<Date>
    let tick: TimeInterval

    init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000), tick: TimeInterval = 0.25) {
        current = Mutex(start)
        self.tick = tick
    }

    var now: Date {
        current.withLock { date in
            date += tick
            return date
        }
    }

    func sleep(until date: Date) async throws {
        try Task.checkCancellation()
        current.withLock { $0 = max($0, date) }
    }
}

/// Holds the load of one backfill day until the test opens the gate, so a test can act (press
/// Cancel) at an exact point of a backfill running in the background. It holds once.
final class DayGate: Sendable {
    private let held = Mutex<String?>(nil)
    private let arrivals: AsyncStream<String>
    private let arrivalSink: AsyncStream<String>.Continuation
    private let releases: AsyncStream<Void>
    private let releaseSink: AsyncStream<Void>.Continuation

    /// The gate never arrived within the time allowed.
    struct NotReached: Error, CustomStringConvertible {
        let day: String
        var description: String { "no backfill reached \(day)" }
    }

    init() {
        (arrivals, arrivalSink) = AsyncStream.makeStream(of: String.self)
        (releases, releaseSink) = AsyncStream.makeStream(of: Void.self)
    }

    /// Holds the next load that replaces exactly `day`.
    func hold(_ day: String) {
        held.withLock { $0 = day }
    }

    /// Called by the warehouse before a load; suspends it while the gate holds its day.
    func pass(_ days: [String]?) async {
        let stop = held.withLock { held -> Bool in
            guard let day = held, days == [day] else { return false }
            held = nil
            return true
        }
        guard stop, let day = days?.first else { return }
        arrivalSink.yield(day)
        for await _ in releases { break }
    }

    /// Waits until a load of the held day reached the gate.
    func waitForArrival(of day: String, timeout: Duration = .seconds(300)) async throws {
        let arrivals = self.arrivals
        let arrived = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                var iterator = arrivals.makeAsyncIterator()
                return await iterator.next() == day
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !arrived { throw NotReached(day: day) }
    }

    /// Lets the held load go on.
    func open() {
        releaseSink.yield(())
    }
}

/// The SQLite warehouse with a gate in front of its loads: `hold` runs before each load and may
/// keep it waiting (a `DayGate` holding one backfill day, a test holding a run mid-way).
struct GatedWarehouse: Warehouse {
    let base: any Warehouse
    let hold: @Sendable (LoadRequest) async -> Void
    /// Told of every cost estimate.
    let estimating: @Sendable () -> Void

    init(base: any Warehouse, gate: DayGate) {
        self.init(base: base) { await gate.pass($0.replacePartitions) }
    }

    init(base: any Warehouse, estimating: @escaping @Sendable () -> Void = {}, hold: @escaping @Sendable (LoadRequest) async -> Void) {
        self.base = base
        self.estimating = estimating
        self.hold = hold
    }

    var dialect: SQLDialect { base.dialect }

    func prepare(datasets: Set<String>) async throws {
        try await base.prepare(datasets: datasets)
    }

    func load(_ request: LoadRequest, rows: any RowSource) async throws -> LoadResult {
        await hold(request)
        return try await base.load(request, rows: rows)
    }

    func materialize(_ model: Model, context: JobContext) async throws -> JobStats {
        try await base.materialize(model, context: context)
    }

    func query(_ sql: String, limit: Int, context: JobContext) async throws -> QueryResult {
        try await base.query(sql, limit: limit, context: context)
    }

    func freshness(of table: TableName, loadedAt column: String?, context: JobContext?) async throws -> TableFreshness {
        try await base.freshness(of: table, loadedAt: column, context: context)
    }

    func rowsPerDay(of table: TableName, column: String?, since: String?, context: JobContext?) async throws -> DailyRowCounts {
        try await base.rowsPerDay(of: table, column: column, since: since, context: context)
    }

    func estimateBytes(of query: PlannedQuery) async throws -> Int64 {
        estimating()
        return try await base.estimateBytes(of: query)
    }

    func columns(of table: TableName) async throws -> [String]? {
        try await base.columns(of: table)
    }

    func compile(_ sql: String) async throws -> SQLCompileProblem? {
        try await base.compile(sql)
    }
}

/// The demo `shop` pipeline in a temp workspace, wired by the composition root against a fake
/// Slack, with a `DayGate` in front of the warehouse's loads. Requests are signed HTTP requests;
/// what they start in the background (runs, backfills) goes to the application's work queue, kept
/// running by `routeTask()`; `finish()` waits for all of it to end, so a test knows when it is done.
struct BackfillHarness: ApplicationHarness, Sendable {
    static let signingSecret = SlackSigning.exampleSecret
    /// The demo manifest's operator.
    static let operatorID = "U0123ABCD"
    static let bystanderID = "U0BYSTANDER"
    /// The channel commands are typed and buttons pressed in: progress messages go here.
    static let channel = "C0PROGRESS1"
    static let form = "application/x-www-form-urlencoded"

    let workspace: Workspace
    let sluice: SluiceApplication
    let clock: TickingClock
    let gate: DayGate


    init(slack: FakeSlackWebAPI) throws {
        let workspace = try Workspace()
        self.workspace = workspace
        clock = TickingClock()
        try workspace.copyDemoShop(orders: 2_000, endingAt: clock.now)
        let gate = DayGate()
        self.gate = gate
        sluice = try workspace.application(manifestPath: "manifest/sluice.yml", slack: slack, clock: clock) { manifest, configuration, clock, logger in
            GatedWarehouse(base: try SluiceDependencies.openWarehouse(manifest, configuration, clock, logger), gate: gate)
        }
    }

    /// Runs the application's work queue until the returned task is cancelled.
    func routeTask() -> Task<Void, Never> {
        let work = sluice.work
        return Task { await work.run() }
    }

    /// The routes, as the server serves them.
    func application() -> some ApplicationProtocol {
        Application(router: sluice.router(surface: sluice.slackSurface()))
    }

    /// Types `/sluice TEXT` in `channel`; the reply arrives at the response URL.
    func command(_ text: String, user: String = operatorID, responseURL: String) async throws {
        try await post("/slack/commands", Self.commandBody(text, user: user, responseURL: responseURL))
    }

    /// Presses a button in `channel`; the reply arrives at the response URL.
    func press(_ actionID: String, value: String, user: String = operatorID, responseURL: String) async throws {
        try await post("/slack/interactions", Self.actionBody(actionID: actionID, value: value, user: user, responseURL: responseURL))
    }

    /// Waits until everything the requests started (and what that started) has ended, then delivers the outbox.
    func finish() async throws {
        await sluice.work.idle()
        try await sender.deliverDue()
    }

    /// The text of every edit enqueued so far, in order, whether delivered or superseded by a later
    /// edit of the same message before the sender reached it (`finish` delivers a backlog: the newest).
    func enqueuedEdits() async throws -> [String] {
        try await state.read { try $0.outbox(state: nil, limit: 10_000) }.compactMap { entry in
            guard case .update = entry.action else { return nil }
            return entry.message.text
        }
    }

    /// Every row of a query, columns joined with `|` (NULL as `NULL`).
    func dump(_ sql: String) async throws -> [String] {
        let result = try await warehouse.query(sql, limit: 10_000_000, context: JobContext(pipeline: "test", runID: 0, stepID: "dump"))
        return result.rows.map { $0.map { $0 ?? "NULL" }.joined(separator: "|") }
    }

    /// The distinct order days of the demo orders CSV, oldest first.
    func orderDays() throws -> [String] {
        let (header, rows) = try ordersCSV()
        let day = try #require(header.firstIndex(of: "order_date"))
        return Set(rows.map { $0[day] }).sorted()
    }

    /// Adds `delta` dollars to the total of every order placed on one of `days`, in the source CSV.
    func raiseTotals(on days: Set<String>, by delta: Double) throws {
        let (header, rows) = try ordersCSV()
        let day = try #require(header.firstIndex(of: "order_date"))
        let total = try #require(header.firstIndex(of: "total"))
        let changed = try rows.map { row -> [String] in
            guard days.contains(row[day]) else { return row }
            var row = row
            row[total] = String(format: "%.2f", try #require(Double(row[total])) + delta)
            return row
        }
        let text = ([header] + changed).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
        try workspace.write("manifest/demo/orders.csv", text)
    }

    /// Revenue per day expected in `mart.daily_sales`, computed from the CSV: the rounded sum of the
    /// totals of orders that were not cancelled.
    func expectedRevenue(on days: [String]) throws -> [String: Double] {
        let (header, rows) = try ordersCSV()
        let day = try #require(header.firstIndex(of: "order_date"))
        let total = try #require(header.firstIndex(of: "total"))
        let status = try #require(header.firstIndex(of: "status"))
        var sums: [String: Double] = [:]
        for row in rows where days.contains(row[day]) && row[status].trimmingCharacters(in: .whitespaces).lowercased() != "cancelled" {
            let value = try #require(Double(row[total]))
            sums[row[day], default: 0] += Self.cents(value)
        }
        return sums.mapValues(Self.cents)
    }

    /// Rounded to cents, half away from zero, like SQLite's `round(x, 2)`.
    static func cents(_ value: Double) -> Double {
        (value * 100).rounded() / 100
    }

    private func ordersCSV() throws -> (header: [String], rows: [[String]]) {
        let text = try String(contentsOfFile: workspace.path("manifest/demo/orders.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(lines.first)
        return (header, Array(lines.dropFirst()))
    }

    private func post(_ uri: String, _ body: String) async throws {
        try await application().test(.router) { client in
            let status = try await client.execute(
                uri: uri, method: .post, headers: signedHeaders(body), body: ByteBuffer(string: body)) { $0.status }
            #expect(status == .ok, "\(uri) answered \(status)")
        }
    }

    private func signedHeaders(_ body: String) -> HTTPFields {
        SlackSigning.headers(for: body, at: clock.now, secret: Self.signingSecret, contentType: Self.form)
    }

    static func commandBody(_ text: String, user: String, responseURL: String) -> String {
        let fields = [
            ("token", "gIkuvaNzQIHg97ATvDxqgjtO"), ("team_id", "T0001"), ("team_domain", "example"),
            ("channel_id", channel), ("channel_name", "data-team"), ("user_id", user), ("user_name", "someone"),
            ("command", "/sluice"), ("text", text), ("api_app_id", "A123456"), ("response_url", responseURL),
            ("trigger_id", "13345224609.738474920.8088930838d88f008e0"),
        ]
        return fields.map { "\($0.0)=\(SlackHarness.formEscape($0.1))" }.joined(separator: "&")
    }

    static func actionBody(actionID: String, value: String, user: String, responseURL: String) -> String {
        let payload: [String: Any] = [
            "type": "block_actions", "user": ["id": user, "username": "someone", "team_id": "T0001"],
            "api_app_id": "A123456", "token": "9s8d9as89d8as9d8as989", "trigger_id": "12466734323.1395872398",
            "team": ["id": "T0001", "domain": "example"], "channel": ["id": channel, "name": "data-team"],
            "response_url": responseURL,
            "actions": [["action_id": actionID, "block_id": "backfill", "value": value, "type": "button",
                         "text": ["type": "plain_text", "text": "Button"], "action_ts": "1548426417.840180"]],
        ]
        let json = String(decoding: (try? JSONSerialization.data(withJSONObject: payload)) ?? Data(), as: UTF8.self)
        return "payload=" + SlackHarness.formEscape(json)
    }
}

extension JSON {
    /// The `value` of the first button with this `action_id`, anywhere inside.
    func buttonValue(_ actionID: String) -> String? {
        switch self {
        case let .object(object):
            if object["action_id"]?.string == actionID { return object["value"]?.string }
            return object.keys.sorted().lazy.compactMap { object[$0]?.buttonValue(actionID) }.first
        case let .array(array):
            return array.lazy.compactMap { $0.buttonValue(actionID) }.first
        default:
            return nil
        }
    }
}

