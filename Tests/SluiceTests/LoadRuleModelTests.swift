import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Warehouse
@testable import Worker

/// The load rule against an oracle: random sequences of source changes (daily files, amendments in
/// later files, rows at the watermark, late and corrected old files, touched files) and operations
/// (runs, backfills, full refreshes, crashes after a committed load). After every operation that
/// read everything the table equals the oracle — the newest version of every key ever written to a
/// source — and after a backfill its days do.
@Suite("The load rule holds against an oracle on the SQLite warehouse")
struct LoadRuleModelTests {
    static let manifestYAML = """
        timezone: UTC
        warehouse: { kind: sqlite, path: warehouse }
        slack: { default_channel: "#alerts" }
        pipelines:
          sales:
            sources:
              exports: { kind: csv, path: "exports/sales_{date}.csv", cursor: updated_at }
            loads:
              - source: exports
                table: raw.sales
                write: merge
                key: id
                partition_by: sale_date
                columns: { id: integer, sale_date: date, amount: integer, updated_at: timestamp }
        """

    static let seeds: [UInt64] = Array(1...200)
    static let steps = 24

    @Test("seed", arguments: seeds)
    func randomHistory(seed: UInt64) async throws {
        let space = try Workspace()
        let manifest = try space.manifest(Self.manifestYAML)
        let state = try space.stateStore()
        let warehouse = try space.warehouse()
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: TestClock(), logger: Logger(label: "test"))
        var model = LoadRuleModel(seed: seed)
        var history: [String] = []
        for _ in 0..<Self.steps {
            let action = model.next()
            history.append(action.description)
            let trail = "seed \(seed): \(history.joined(separator: " → "))"
            switch action {
            case let .writeFile(day, _):
                try space.write("exports/sales_\(day).csv", model.text(of: day))
            case let .touch(day):
                try FileManager.default.setAttributes(
                    [.modificationDate: Date().addingTimeInterval(Double(history.count))], ofItemAtPath: space.path("exports/sales_\(day).csv"))
            case .run, .fullRefresh:
                let run = try await runner.run(RunRequest(
                    pipeline: "sales", trigger: .manual, requestedBy: "t", fullRefresh: action == .fullRefresh))
                let errors = try await Self.errors(run, state)
                try #require(run.state == .succeeded, "\(trail): \(errors)")
                #expect(try await Self.table(warehouse) == model.expected(), "\(trail)")
            case .crashAfterLoad:
                try await Self.loadThenDie(manifest: manifest, state: state, warehouse: warehouse)
                #expect(try await Self.table(warehouse) == model.expected(), "\(trail)")
            case let .backfill(days):
                let backfills = BackfillRunner(runner: runner)
                let started = try await backfills.start(pipeline: "sales", days: days, requestedBy: "t", channel: "#alerts")
                let finished = try await backfills.execute(backfillID: started.backfill.id)
                try #require(finished.state == .succeeded, "\(trail): \(finished.error ?? "")")
                let expected = model.pending ? model.expected(days: Set(days)) : model.expected()
                let actual = try await Self.table(warehouse, days: model.pending ? days : nil)
                #expect(actual == expected, "\(trail)")
            }
        }
    }

    /// The rows of `raw.sales` (of some days), by id.
    static func table(_ warehouse: any Warehouse, days: [String]? = nil) async throws -> [[String?]] {
        guard try await warehouse.freshness(of: TableName(dataset: "raw", table: "sales"), loadedAt: nil, context: nil).exists else { return [] }
        let filter = days.map { " where sale_date in (\($0.map { "'\($0)'" }.joined(separator: ", ")))" } ?? ""
        let result = try await warehouse.query(
            "select id, sale_date, amount, updated_at from raw.sales\(filter) order by id", limit: 100_000,
            context: JobContext(pipeline: "sales", runID: 0, stepID: "test"))
        return result.rows
    }

    /// The load of an incremental run commits in the warehouse, and the process dies before the state
    /// store records the files it read, the watermark or the step.
    static func loadThenDie(manifest: Manifest, state: any StateStore, warehouse: any Warehouse) async throws {
        let pipeline = try #require(manifest.pipeline(named: "sales"))
        let load = try #require(pipeline.loads.first)
        let source = try #require(pipeline.source(named: load.source))
        _ = try await LoadStep(manifest: manifest, pipeline: pipeline, state: state, warehouse: warehouse, backfillDays: nil, fullRefresh: false)
            .run(load, source: source, context: JobContext(pipeline: "sales", runID: 999, stepID: "load:raw.sales"))
    }

    static func errors(_ run: RunRecord, _ state: any StateStore) async throws -> String {
        try await state.read { try $0.steps(runID: run.id) }.compactMap(\.error).joined(separator: "; ")
    }
}
