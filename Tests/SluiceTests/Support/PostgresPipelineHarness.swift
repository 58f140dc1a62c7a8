import Foundation
import Logging
import SluiceCore
import StateStore
import Synchronization
import Warehouse
import Worker

/// One test's pipeline over a postgres source: a workspace with the manifest (`${SHOP_DB_URL}` set to
/// `url`), its state store and SQLite warehouse, a runner whose log lines are kept, and readers of
/// the results.
struct PostgresPipelineHarness {
    let space: Workspace
    let manifest: Manifest
    let state: SQLiteStateStore
    let warehouse: SQLiteWarehouse
    let runner: PipelineRunner
    let logs: PostgresLogLines

    init(yaml: String, url: String) throws {
        space = try Workspace()
        manifest = try space.manifest(yaml, environment: ["SHOP_DB_URL": url])
        state = try space.stateStore()
        warehouse = try space.warehouse()
        logs = PostgresLogLines()
        let lines = logs
        let logger = Logger(label: "test.pipeline") { label in PostgresCapturingLogHandler(label: label, lines: lines) }
        runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: TestClock(), logger: logger)
    }

    /// Runs `pipeline` once.
    func run(_ pipeline: String = "shop") async throws -> RunRecord {
        try await runner.run(RunRequest(pipeline: pipeline, trigger: .manual, requestedBy: "t"))
    }

    /// Rows of a warehouse table, as text (nil for null), in `order`.
    func rows(_ table: String, _ columns: String = "*", order: String) async throws -> [[String?]] {
        try await warehouse.query(
            "select \(columns) from \(table) order by \(order)", limit: 100_000,
            context: JobContext(pipeline: "shop", runID: 0, stepID: "test")).rows
    }

    /// The stored watermark of `source`.
    func watermark(_ source: String, pipeline: String = "shop") async throws -> String? {
        try await state.read { try $0.watermark(pipeline: pipeline, source: source) }
    }

    /// The detail line of a run's load step into `table`.
    func detail(_ run: RunRecord, table: String) async throws -> String {
        try await state.read { try $0.steps(runID: run.id) }.first { $0.stepID == "load:\(table)" }?.detail ?? ""
    }

    /// Every text a run left behind: its error, its steps' errors and details, every outbox message,
    /// every log line, and the raw bytes of the state store's files (runs table included).
    func everythingWritten(_ run: RunRecord) async throws -> String {
        let steps = try await state.read { try $0.steps(runID: run.id) }
        let outbox = try await state.read { try $0.outbox(state: nil, limit: 1_000) }
        var text = [run.error ?? ""] + steps.map { "\($0.error ?? "") \($0.detail ?? "")" }
        text += outbox.map { String(describing: $0) }
        text += logs.all
        for suffix in ["", "-wal"] {
            if let data = FileManager.default.contents(atPath: space.path("state.sqlite" + suffix)) {
                text.append(String(decoding: data, as: UTF8.self))
            }
        }
        return text.joined(separator: "\n")
    }
}

/// Log lines kept for a test to search.
final class PostgresLogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// A log handler that keeps every line (message and metadata) at every level.
struct PostgresCapturingLogHandler: LogHandler {
    let label: String
    let lines: PostgresLogLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.append("\(event.level) \(event.message) \(merged)")
    }
}
