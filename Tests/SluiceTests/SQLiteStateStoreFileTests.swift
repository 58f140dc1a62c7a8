import Foundation
import SluiceCore
import StateStore
import Testing

/// The database file: reopened with its data and schema, or reported unavailable.
@Suite("SQLiteStateStore: the database file")
struct SQLiteStateStoreFileTests: SQLiteStateStoreSuite {
    @Test func reopeningKeepsDataAndSchema() async throws {
        try await withTemporaryPath { path in
            let first = try SQLiteStateStore(path: path)
            let run = try await insertRun(first, at: t0)
            try await first.write { w in try w.setSetting("k", value: "v") }
            #expect(await first.health() == StateStoreHealth(reachable: true, migrationsCurrent: true))

            let second = try SQLiteStateStore(path: path)
            let third = try SQLiteStateStore(path: path)
            #expect(second.path == path)
            let (stored, setting) = try await third.read { r in (try r.run(id: run.id), try r.setting("k")) }
            #expect(stored == run)
            #expect(setting == "v")
            #expect(await second.health().reachable)
        }
    }

    @Test func unusablePathIsReportedAsUnavailable() async throws {
        try await withTemporaryPath { path in
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let blocker = directory.appendingPathComponent("nested")
            try Data("not a directory".utf8).write(to: blocker)
            let error = #expect(throws: StateStoreError.self) { try SQLiteStateStore(path: path) }
            guard case let .unavailable(reason) = error else {
                Issue.record("expected .unavailable, got \(String(describing: error))")
                return
            }
            #expect(reason.contains(path))
            #expect(reason.contains("SLUICE_STATE"))
        }
    }
}
