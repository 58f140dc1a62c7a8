import Foundation
import Logging
import SluiceCore
import StateStore
import Synchronization
import Testing
import Warehouse
@testable import Worker

/// A workspace with one pipeline, `reviews`, loading an HTTP source into `raw.reviews` on the SQLite
/// warehouse; runs go through `PipelineRunner` (and `BackfillRunner`) with a fetch policy that
/// records its waits instead of sleeping, so retries take no time.
final class HTTPSourceHarness: Sendable {
    /// The columns the load declares unless a test gives its own.
    static let columns =
        "{ id: integer, rating: integer, score: float, verified: boolean, body: string, updated_at: timestamp, "
        + "review_date: date, author_name: string, author_address_city: string, author: string, tags: string, note: string }"

    let space: Workspace
    let manifest: Manifest
    let state: SQLiteStateStore
    let warehouse: SQLiteWarehouse
    let runner: PipelineRunner
    private let waited = Mutex<[TimeInterval]>([])

    /// `source` is the source's flow mapping body (after `kind: http, `); `load` extra load keys.
    init(
        source: String, load: String = "", columns: String = HTTPSourceHarness.columns, environment: [String: String] = [:]
    ) throws {
        space = try Workspace()
        let yaml = onePipelineYAML(
            "reviews", channel: "#alerts",
            sources: "reviews: { kind: http, \(source) }",
            loads: """
                - source: reviews
                  table: raw.reviews
                  write: merge
                  key: id
                  partition_by: review_date
                  columns: \(columns)
                \(load.isEmpty ? "" : "  " + load)
                """)
        manifest = try space.manifest(yaml, environment: environment)
        state = try space.stateStore()
        warehouse = try space.warehouse()
        runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: TestClock(), logger: Logger(label: "t"))
    }

    /// The waits the source asked for, in order.
    var waits: [TimeInterval] { waited.withLock { $0 } }

    /// A fetch policy that records waits rather than sleeping: 3 tries per page.
    var policy: HTTPFetchPolicy {
        var policy = HTTPFetchPolicy()
        policy.maxAttempts = 3
        policy.sleep = { [self] seconds in self.waited.withLock { $0.append(seconds) } }
        return policy
    }

    /// Runs the pipeline once.
    func run(fullRefresh: Bool = false) async throws -> RunRecord {
        try await HTTPFetchPolicy.$current.withValue(policy) {
            try await runner.run(RunRequest(pipeline: "reviews", trigger: .manual, requestedBy: "t", fullRefresh: fullRefresh))
        }
    }

    /// Backfills `days`; returns the backfill's final record.
    func backfill(_ days: [String]) async throws -> BackfillRecord {
        let backfills = BackfillRunner(runner: runner)
        return try await HTTPFetchPolicy.$current.withValue(policy) {
            let started = try await backfills.start(pipeline: "reviews", days: days, requestedBy: "t", channel: "#alerts")
            return try await backfills.execute(backfillID: started.backfill.id)
        }
    }

    /// The load step of `run`.
    func loadStep(_ run: RunRecord) async throws -> StepRecord {
        let steps = try await state.read { try $0.steps(runID: run.id) }
        return try #require(steps.first { $0.stepID == "load:raw.reviews" })
    }

    /// `raw.reviews`' rows (the given columns, by id); empty when the table does not exist.
    func rows(_ columns: String = "id, body, updated_at") async throws -> [[String?]] {
        guard try await warehouse.freshness(of: TableName(dataset: "raw", table: "reviews"), loadedAt: nil, context: nil).exists else {
            return []
        }
        return try await warehouse.query(
            "select \(columns) from raw.reviews order by id", limit: 100_000,
            context: JobContext(pipeline: "reviews", runID: 0, stepID: "test")
        ).rows
    }

    /// The source's stored watermark.
    func watermark() async throws -> String? {
        try await state.read { try $0.watermark(pipeline: "reviews", source: "reviews") }
    }

    /// The text of every file of the state store (the database and its write-ahead log).
    func stateFilesText() throws -> String {
        let base = space.path("state.sqlite")
        return [base, base + "-wal", base + "-journal"].compactMap { FileManager.default.contents(atPath: $0) }
            .map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
    }

    /// Every message the runs posted (or queued), as text.
    func postedMessages() async throws -> [String] {
        try await state.read { try $0.outbox(state: nil, limit: 1_000) }.map { "\($0.message)" }
    }
}

/// The requests of a fake API for its reviews data (not the others a test may make).
extension [StubRequest] {
    var dataRequests: [StubRequest] { filter { $0.path.hasSuffix("/reviews") } }
}
