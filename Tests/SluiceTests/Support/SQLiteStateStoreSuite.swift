import Foundation
import SluiceCore
import StateStore
import Testing

/// What the SQLiteStateStore suites share: an instant that survives a round trip, a fresh store
/// path, and a planted run and alert.
protocol SQLiteStateStoreSuite {}

extension SQLiteStateStoreSuite {
    /// A whole-millisecond instant, so stored timestamps compare equal after a round trip.
    var t0: Date { Date(timeIntervalSince1970: 1_700_000_000.123) }

    /// A fresh store file in a directory that does not exist yet (the store must create it).
    func withTemporaryPath(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sluice-state-tests-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory.appendingPathComponent("nested/state.sqlite").path)
    }

    func plannedSteps() -> [StepRecord] {
        [
            StepRecord(runID: 0, stepID: "load:orders", kind: .load, dependsOn: []),
            StepRecord(runID: 0, stepID: "model:staging.stg_orders", kind: .model, dependsOn: ["load:orders"]),
            StepRecord(
                runID: 0, stepID: "check:not_null_stg_orders_order_id", kind: .check,
                dependsOn: ["model:staging.stg_orders"]),
        ]
    }

    func insertRun(_ store: SQLiteStateStore, pipeline: String = "shop", at now: Date) async throws -> RunRecord {
        let steps = plannedSteps()
        return try await store.write { w in
            try w.insertRun(
                pipeline: pipeline, trigger: .manual, requestedBy: "U0123ABCD", rerunOf: nil, backfillDays: nil,
                steps: steps, at: now)
        }
    }

    func sampleAlert(fingerprint: String = "shop/not_null/staging.stg_orders", at now: Date) -> AlertRecord {
        AlertRecord(
            id: 0, fingerprint: fingerprint, pipeline: "shop", check: "not_null", table: "staging.stg_orders",
            severity: .error, status: .open, title: "3 rows with null order_id", detail: "not_null failed",
            sql: "select * from staging.stg_orders where order_id is null", sample: ["row 1", "row 2"], runID: 1,
            openedAt: now, lastSeenAt: now)
    }
}
