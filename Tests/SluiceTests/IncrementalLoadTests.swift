import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Warehouse
@testable import Worker

/// The issue's own shapes, one at a time, through pipeline runs on the SQLite warehouse: amended
/// orders survive a backfill, late files load, touched files are not read again, a file with a bad
/// row is read again until it is fixed, and each load says what it did.
@Suite("Incremental loads and backfills keep every row")
struct IncrementalLoadTests {
    static func manifest(_ space: Workspace, maxBadRecords: Int = 0) throws -> Manifest {
        try space.manifest(LoadRuleModelTests.manifestYAML.replacingOccurrences(
            of: "partition_by: sale_date", with: "partition_by: sale_date\n        max_bad_records: \(maxBadRecords)"))
    }

    static func write(_ space: Workspace, _ day: String, _ lines: [String], age: TimeInterval = 3_600) throws {
        try space.write("exports/sales_\(day).csv", ([LoadRuleModel.header] + lines).joined(separator: "\n") + "\n")
        // An old modification time vouches for the content (a fresh one is checked by hash).
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: space.path("exports/sales_\(day).csv"))
    }

    static func rows(_ warehouse: any Warehouse) async throws -> [[String?]] {
        try await LoadRuleModelTests.table(warehouse)
    }

    static func loadDetail(_ run: RunRecord, _ state: any StateStore) async throws -> String {
        try await state.read { try $0.steps(runID: run.id) }.first { $0.stepID == "load:raw.sales" }?.detail ?? ""
    }

    @Test func amendedOrdersSurviveABackfillOfTheirSaleDate() async throws {
        let space = try Workspace()
        let manifest = try Self.manifest(space)
        let (state, warehouse) = (try space.stateStore(), try space.warehouse())
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: TestClock(), logger: Logger(label: "t"))
        try Self.write(space, "2026-01-01", ["1,2026-01-01,10,2026-01-01 09:00:00", "2,2026-01-01,20,2026-01-01 10:00:00"])
        try Self.write(space, "2026-01-02", ["3,2026-01-02,30,2026-01-02 09:00:00", "1,2026-01-01,15,2026-01-02 12:00:00"])
        let first = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))
        #expect(try await Self.loadDetail(first, state)
            == "4 rows read, 3 new, 0 updated, 1 unchanged (older or equal versions), 3 rows in table, 2 files read")

        let backfills = BackfillRunner(runner: runner)
        let started = try await backfills.start(pipeline: "sales", days: ["2026-01-01"], requestedBy: "t", channel: "#a")
        #expect(try await backfills.execute(backfillID: started.backfill.id).state == .succeeded)
        // Order 1 keeps its amendment from the later file.
        #expect(try await Self.rows(warehouse) == [
            ["1", "2026-01-01", "15", "2026-01-02 12:00:00"], ["2", "2026-01-01", "20", "2026-01-01 10:00:00"],
            ["3", "2026-01-02", "30", "2026-01-02 09:00:00"],
        ])
    }

    @Test func lateFilesLoadAndUnchangedOrTouchedFilesAreNotReadAgain() async throws {
        let space = try Workspace()
        let manifest = try Self.manifest(space)
        let (state, warehouse) = (try space.stateStore(), try space.warehouse())
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: TestClock(), logger: Logger(label: "t"))
        try Self.write(space, "2026-01-02", ["2,2026-01-02,20,2026-01-02 10:00:00"])
        _ = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))

        // A file for an older day arrives after newer days loaded, with cursors before the watermark;
        // the other file is touched (same bytes, new time).
        try Self.write(space, "2026-01-01", ["1,2026-01-01,10,2026-01-01 09:00:00"])
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: space.path("exports/sales_2026-01-02.csv"))
        let late = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))
        #expect(try await Self.loadDetail(late, state)
            == "1 row read, 1 new, 0 updated, 0 unchanged (older or equal versions), 2 rows in table, 1 file read, 1 unchanged since read")
        #expect(try await Self.rows(warehouse).map { $0[0] } == ["1", "2"])
        // The watermark never moves back.
        #expect(try await state.read { try $0.watermark(pipeline: "sales", source: "exports") } == "2026-01-02 10:00:00")

        let quiet = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))
        #expect(try await Self.loadDetail(quiet, state).hasPrefix("0 rows read, 0 new, 0 updated, 0 unchanged"))
        #expect(try await Self.loadDetail(quiet, state).hasSuffix("0 files read, 2 unchanged since read"))
    }

    @Test func aFileWithABadRowIsReadAgainUntilFixedAndThenTheRowLoads() async throws {
        let space = try Workspace()
        let manifest = try Self.manifest(space, maxBadRecords: 5)
        let (state, warehouse) = (try space.stateStore(), try space.warehouse())
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: TestClock(), logger: Logger(label: "t"))
        try Self.write(space, "2026-01-01", ["1,2026-01-01,10,2026-01-01 09:00:00", "2,2026-01-01,twenty,2026-01-01 08:00:00"])
        try Self.write(space, "2026-01-02", ["3,2026-01-02,30,2026-01-02 10:00:00"])
        let first = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))
        #expect(try await Self.loadDetail(first, state).contains("1 bad skipped, exports/sales_2026-01-01.csv will be read again until fixed"))

        let again = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))
        #expect(try await Self.loadDetail(again, state).contains("1 file read, 1 unchanged since read"))

        // Fixed, with its old cursor (older than the watermark): the row loads.
        try Self.write(space, "2026-01-01", ["1,2026-01-01,10,2026-01-01 09:00:00", "2,2026-01-01,20,2026-01-01 08:00:00"], age: 1_800)
        _ = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))
        #expect(try await Self.rows(warehouse).map { $0[0] } == ["1", "2", "3"])
        let settled = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))
        #expect(try await Self.loadDetail(settled, state).hasSuffix("0 files read, 2 unchanged since read"))
    }

    @Test("which files a load reads", arguments: [
        (size: 10, time: 5, recorded: nil, digest: "a", status: SourceFileStatus.new),
        (size: 10, time: 5, recorded: SourceFileRecord(path: "f", size: 10, modifiedNanoseconds: 5, digest: "a"), digest: "b", status: .unchanged),
        (size: 11, time: 5, recorded: SourceFileRecord(path: "f", size: 10, modifiedNanoseconds: 5, digest: "a"), digest: "a", status: .changed),
        (size: 10, time: 6, recorded: SourceFileRecord(path: "f", size: 10, modifiedNanoseconds: 5, digest: "a"), digest: "a", status: .unchanged),
        (size: 10, time: 6, recorded: SourceFileRecord(path: "f", size: 10, modifiedNanoseconds: 5, digest: "a"), digest: "b", status: .changed),
        (size: 10, time: 5, recorded: SourceFileRecord(path: "f", size: 10, modifiedNanoseconds: 0, digest: "a"), digest: "b", status: .changed),
    ] as [(size: Int64, time: Int64, recorded: SourceFileRecord?, digest: String, status: SourceFileStatus)])
    func fileRule(_ example: (size: Int64, time: Int64, recorded: SourceFileRecord?, digest: String, status: SourceFileStatus)) {
        let status = SourceFileRule.status(
            size: example.size, modifiedNanoseconds: example.time, recorded: example.recorded, digest: { example.digest })
        #expect(status == example.status)
    }
}
