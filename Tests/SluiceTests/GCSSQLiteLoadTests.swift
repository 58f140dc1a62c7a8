import BigQueryAPI
import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Warehouse
@testable import Worker

/// `gcs` sources on the SQLite warehouse, against the real Cloud Storage emulator: objects listed
/// page by page, downloaded and read like files, remembered by generation, and a download cut
/// mid-stream leaving the table and the records as they were.
@Suite("GCS sources on the SQLite warehouse", .fakeGCSServer)
struct GCSSQLiteLoadTests {
    static let header = "id,sale_date,amount,updated_at"

    /// A pipeline `sales` loading source `exports` (`uri`) into raw.sales.
    static func manifest(_ space: Workspace, uri: String, format: String = "csv", write: String = "merge", partition: Bool = false) throws -> Manifest {
        try space.manifest(onePipelineYAML(
            "sales", channel: "#alerts",
            sources: "exports: { kind: gcs, uri: \"\(uri)\", format: \(format), cursor: updated_at }",
            loads: """
                - source: exports
                  table: raw.sales
                  write: \(write)
                \(write == "merge" ? "  key: id\n" : "")\(partition ? "  partition_by: sale_date\n" : "")\
                  columns: { id: integer, sale_date: date, amount: integer, updated_at: timestamp }
                """))
    }

    /// A connection to the suite's emulator (or `endpoint`), no waiting between retries, small pages.
    static func connection(_ endpoint: String? = nil, pageSize: Int? = 2) throws -> GCSConnection {
        GCSConnection(
            environment: ["STORAGE_EMULATOR_HOST": try endpoint ?? FakeGCSServer.shared().baseURL], retry: .immediate, pageSize: pageSize)
    }

    /// Runs the pipeline through `connection`; returns the run and its load step.
    static func run(
        _ runner: PipelineRunner, _ state: any StateStore, connection: GCSConnection, fullRefresh: Bool = false
    ) async throws -> (run: RunRecord, step: StepRecord?) {
        try await GCSConnection.$current.withValue(connection) {
            let run = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t", fullRefresh: fullRefresh))
            let step = try await state.read { try $0.steps(runID: run.id) }.first { $0.stepID == "load:raw.sales" }
            return (run, step)
        }
    }

    static func rows(_ warehouse: any Warehouse) async throws -> [[String?]] {
        try await LoadRuleModelTests.table(warehouse)
    }

    /// The objects recorded as read: URI → generation.
    static func recorded(_ state: any StateStore) async throws -> [String: Int64] {
        try await state.read { try $0.sourceFiles(pipeline: "sales", source: "exports", table: "raw.sales") }.mapValues(\.modifiedNanoseconds)
    }

    static func csv(_ lines: String...) -> String {
        ([header] + lines).joined(separator: "\n") + "\n"
    }

    static func runner(_ space: Workspace, _ manifest: Manifest) throws -> (PipelineRunner, SQLiteStateStore, SQLiteWarehouse) {
        let (state, warehouse) = (try space.stateStore(), try space.warehouse())
        return (PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: TestClock(), logger: Logger(label: "t")), state, warehouse)
    }

    @Test func aGlobOfCSVObjectsLoadsEveryMatchAcrossListingPages() async throws {
        let server = try FakeGCSServer.shared()
        try await server.createBucket("csv-glob")
        var generations: [String: Int64] = [:]
        for index in 1...5 {
            let name = "land/sales_\(index).csv"
            generations["gs://csv-glob/\(name)"] = try await server.upload(
                "csv-glob", name, Self.csv("\(index),2026-01-0\(index),\(index * 10),2026-01-0\(index) 09:00:00"))
        }
        // Not matched: another folder (a `*` stays within one segment) and another extension.
        try await server.upload("csv-glob", "land/old/sales_9.csv", Self.csv("9,2026-01-09,90,2026-01-09 09:00:00"))
        try await server.upload("csv-glob", "land/readme.txt", "not data\n")
        let space = try Workspace()
        let (runner, state, warehouse) = try Self.runner(space, try Self.manifest(space, uri: "gs://csv-glob/land/*.csv"))

        let (run, step) = try await Self.run(runner, state, connection: try Self.connection())
        #expect(run.state == .succeeded, "\(step?.error ?? "")")
        #expect(try await Self.rows(warehouse) == (1...5).map { ["\($0)", "2026-01-0\($0)", "\($0 * 10)", "2026-01-0\($0) 09:00:00"] })
        #expect(step?.detail?.hasSuffix("5 rows in table, 5 files read") == true, "\(step?.detail ?? "")")
        #expect(try await Self.recorded(state) == generations)
    }

    @Test func aPrefixOfNDJSONObjectsLoadsEveryObjectUnderIt() async throws {
        let server = try FakeGCSServer.shared()
        try await server.createBucket("nd-prefix")
        try await server.upload("nd-prefix", "exports/a.ndjson", """
            {"id": 1, "sale_date": "2026-02-01", "amount": 5, "updated_at": "2026-02-01 08:00:00", "extra": true}
            {"id": 2, "sale_date": "2026-02-01", "amount": 6, "updated_at": "2026-02-01 08:30:00"}

            """)
        try await server.upload("nd-prefix", "exports/b.ndjson", #"{"id": 3, "sale_date": "2026-02-02", "amount": 7, "updated_at": "2026-02-02 08:00:00"}"# + "\n")
        try await server.upload("nd-prefix", "exports/2026/c.ndjson", #"{"id": 4, "sale_date": "2026-02-03", "amount": 8, "updated_at": "2026-02-03 08:00:00"}"# + "\n")
        try await server.upload("nd-prefix", "elsewhere.ndjson", #"{"id": 5, "sale_date": "2026-02-03", "amount": 9, "updated_at": "2026-02-03 08:00:00"}"# + "\n")
        let space = try Workspace()
        let (runner, state, warehouse) = try Self.runner(space, try Self.manifest(space, uri: "gs://nd-prefix/exports/", format: "ndjson"))

        let (run, step) = try await Self.run(runner, state, connection: try Self.connection(pageSize: 1))
        #expect(run.state == .succeeded, "\(step?.error ?? "")")
        #expect(try await Self.rows(warehouse) == [
            ["1", "2026-02-01", "5", "2026-02-01 08:00:00"], ["2", "2026-02-01", "6", "2026-02-01 08:30:00"],
            ["3", "2026-02-02", "7", "2026-02-02 08:00:00"], ["4", "2026-02-03", "8", "2026-02-03 08:00:00"],
        ])
        #expect(Set(try await Self.recorded(state).keys) == [
            "gs://nd-prefix/exports/a.ndjson", "gs://nd-prefix/exports/b.ndjson", "gs://nd-prefix/exports/2026/c.ndjson",
        ])
        let watermark = try await state.read { try $0.watermark(pipeline: "sales", source: "exports") }
        #expect(watermark == "2026-02-03 08:00:00")
    }

    @Test func anIncrementalRunReadsNewAndOverwrittenObjectsWholeAndSkipsTheRest() async throws {
        let server = try FakeGCSServer.shared()
        try await server.createBucket("incremental")
        try await server.upload("incremental", "sales_a.csv", Self.csv("1,2026-03-01,10,2026-03-01 09:00:00", "2,2026-03-01,20,2026-03-01 10:00:00"))
        let firstB = try await server.upload("incremental", "sales_b.csv", Self.csv("3,2026-03-02,30,2026-03-02 12:00:00"))
        let space = try Workspace()
        let (runner, state, warehouse) = try Self.runner(space, try Self.manifest(space, uri: "gs://incremental/sales_*.csv"))
        let first = try await Self.run(runner, state, connection: try Self.connection())
        #expect(first.run.state == .succeeded, "\(first.step?.error ?? "")")
        let watermark = try await state.read { try $0.watermark(pipeline: "sales", source: "exports") }
        #expect(watermark == "2026-03-02 12:00:00")

        // A new object whose row sits exactly at the watermark, and b overwritten (a new generation)
        // with an amendment older than the watermark and a new row.
        try await server.upload("incremental", "sales_c.csv", Self.csv("4,2026-03-02,40,2026-03-02 12:00:00"))
        let secondB = try await server.upload(
            "incremental", "sales_b.csv", Self.csv("3,2026-03-02,33,2026-03-02 12:30:00", "1,2026-03-01,11,2026-03-01 11:00:00"))
        #expect(secondB != firstB)
        let second = try await Self.run(runner, state, connection: try Self.connection())
        #expect(second.run.state == .succeeded, "\(second.step?.error ?? "")")
        #expect(second.step?.detail == "3 rows read, 1 new, 2 updated, 0 unchanged (older or equal versions), 4 rows in table, 2 files read, 1 unchanged since read")
        #expect(try await Self.rows(warehouse) == [
            ["1", "2026-03-01", "11", "2026-03-01 11:00:00"], ["2", "2026-03-01", "20", "2026-03-01 10:00:00"],
            ["3", "2026-03-02", "33", "2026-03-02 12:30:00"], ["4", "2026-03-02", "40", "2026-03-02 12:00:00"],
        ])
        #expect(try await Self.recorded(state)["gs://incremental/sales_b.csv"] == secondB)

        // Nothing changed: nothing is downloaded but the header, the table stays.
        let third = try await Self.run(runner, state, connection: try Self.connection())
        #expect(third.step?.detail == "0 rows read, 0 new, 0 updated, 0 unchanged (older or equal versions), 4 rows in table, 0 files read, 3 unchanged since read")
    }

    @Test func aBackfillRebuildsItsDaysFromEveryDatedObject() async throws {
        let server = try FakeGCSServer.shared()
        try await server.createBucket("backfill")
        try await server.upload("backfill", "sales_2026-01-01.csv", Self.csv("1,2026-01-01,10,2026-01-01 09:00:00", "2,2026-01-01,20,2026-01-01 10:00:00"))
        // Order 1 amended on the next day: its newest version lives in the next day's object.
        try await server.upload("backfill", "sales_2026-01-02.csv", Self.csv("3,2026-01-02,30,2026-01-02 09:00:00", "1,2026-01-01,15,2026-01-02 12:00:00"))
        try await server.upload("backfill", "sales_latest.csv", Self.csv("9,2026-01-09,90,2026-01-09 09:00:00"))
        let space = try Workspace()
        let (runner, state, warehouse) = try Self.runner(
            space, try Self.manifest(space, uri: "gs://backfill/sales_{date}.csv", partition: true))
        let first = try await Self.run(runner, state, connection: try Self.connection())
        #expect(first.run.state == .succeeded, "\(first.step?.error ?? "")")

        // The first day's object is replaced; the backfill of that day reads it and keeps order 1's amendment.
        try await server.upload("backfill", "sales_2026-01-01.csv", Self.csv("1,2026-01-01,10,2026-01-01 09:00:00", "2,2026-01-01,22,2026-01-01 10:00:00"))
        let finished = try await GCSConnection.$current.withValue(try Self.connection()) {
            let backfills = BackfillRunner(runner: runner)
            let started = try await backfills.start(pipeline: "sales", days: ["2026-01-01"], requestedBy: "t", channel: "#alerts")
            return try await backfills.execute(backfillID: started.backfill.id)
        }
        #expect(finished.state == .succeeded, "\(finished.error ?? "")")
        #expect(try await Self.rows(warehouse) == [
            ["1", "2026-01-01", "15", "2026-01-02 12:00:00"], ["2", "2026-01-01", "22", "2026-01-01 10:00:00"],
            ["3", "2026-01-02", "30", "2026-01-02 09:00:00"],
        ])
    }

    @Test func aDownloadCutMidStreamLeavesTheTableAndTheRecordsAsTheyWere() async throws {
        let server = try FakeGCSServer.shared()
        try await server.createBucket("cut")
        try await server.upload("cut", "sales_a.csv", Self.csv("1,2026-04-01,10,2026-04-01 09:00:00"))
        try await GCSCuttingProxy.run(upstream: server.baseURL) { proxy, endpoint in
            let space = try Workspace()
            let (runner, state, warehouse) = try Self.runner(space, try Self.manifest(space, uri: "gs://cut/sales_*.csv"))
            let first = try await Self.run(runner, state, connection: try Self.connection(endpoint))
            #expect(first.run.state == .succeeded, "\(first.step?.error ?? "")")
            let before = (try await Self.rows(warehouse), try await Self.recorded(state))

            try await server.upload("cut", "sales_b.csv", Self.csv("2,2026-04-02,20,2026-04-02 09:00:00"))
            try await server.upload("cut", "sales_c.csv", Self.csv(
                "3,2026-04-03,30,2026-04-03 09:00:00", "4,2026-04-03,40,2026-04-03 09:30:00", "5,2026-04-03,50,2026-04-03 10:00:00"))
            proxy.cutDownloads(of: ["sales_c.csv"])
            let failed = try await Self.run(runner, state, connection: try Self.connection(endpoint))
            #expect(failed.run.state == .failed)
            #expect(failed.step?.error?.contains("Could not download gs://cut/sales_c.csv") == true, "\(failed.step?.error ?? "")")
            #expect(failed.step?.error?.contains("the connection was cut") == true, "\(failed.step?.error ?? "")")
            #expect(proxy.downloadsCut == RetryPolicy.immediate.maxAttempts, "each attempt was cut, then the step gave up")
            #expect(try await Self.rows(warehouse) == before.0)
            #expect(try await Self.recorded(state) == before.1)

            proxy.cutDownloads(of: [])
            let healed = try await Self.run(runner, state, connection: try Self.connection(endpoint))
            #expect(healed.run.state == .succeeded, "\(healed.step?.error ?? "")")
            #expect(try await Self.rows(warehouse).map { $0[0] } == ["1", "2", "3", "4", "5"])
            #expect(try await Self.recorded(state).count == 3)
        }
    }

    @Test func aSourceWithNoMatchingObjectsFailsSayingSo() async throws {
        let server = try FakeGCSServer.shared()
        try await server.createBucket("empty")
        let space = try Workspace()
        let (runner, state, _) = try Self.runner(space, try Self.manifest(space, uri: "gs://empty/land/*.csv"))
        let (run, step) = try await Self.run(runner, state, connection: try Self.connection())
        #expect(run.state == .failed)
        #expect(step?.error?.contains("no objects match gs://empty/land/*.csv") == true, "\(step?.error ?? "")")
    }
}
