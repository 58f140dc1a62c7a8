import Foundation
import SluiceCore
import StateStore
import Testing

/// Watermarks, daily counts, settings and the audit log.
@Suite("SQLiteStateStore: watermarks, counts, settings and audit")
struct SQLiteStateStoreBookkeepingTests: SQLiteStateStoreSuite {
    @Test func watermarksCountsSettingsAndAudit() async throws {
        try await withTemporaryPath { path in
            let store = try SQLiteStateStore(path: path)
            let t0 = self.t0
            try await store.write { w in
                try w.setWatermark(pipeline: "shop", source: "orders", value: "2024-03-01T00:00:00Z")
                try w.setWatermark(pipeline: "shop", source: "orders", value: "2024-03-02T00:00:00Z")
                try w.setWatermark(pipeline: "shop", source: "customers", value: "17")
                try w.recordDailyCounts(
                    table: "raw.orders",
                    counts: [
                        DayCount(day: "2024-03-02", rows: 120), DayCount(day: "2024-03-01", rows: 100),
                        DayCount(day: "2024-03-03", rows: 90),
                    ])
                try w.recordDailyCounts(table: "raw.orders", counts: [DayCount(day: "2024-03-03", rows: 130)])
                try w.recordDailyCounts(table: "raw.customers", counts: [DayCount(day: "2024-03-03", rows: 5)])
                try w.setSetting("last_digest_day", value: "2024-03-02")
                try w.setSetting("last_digest_day", value: "2024-03-03")
                try w.appendAudit(AuditEntry(at: t0, actor: "U0123ABCD", action: "run", target: "shop", channel: "C01"))
                try w.appendAudit(
                    AuditEntry(
                        at: t0.addingTimeInterval(1), actor: "U0456", action: "mute", target: "raw.orders",
                        detail: "4h noisy", outcome: "refused"))
            }
            let (orders, customers, missing, all, since, setting, unset, audit, latest) = try await store.read { r in
                (
                    try r.watermark(pipeline: "shop", source: "orders"),
                    try r.watermark(pipeline: "shop", source: "customers"),
                    try r.watermark(pipeline: "billing", source: "orders"),
                    try r.dailyCounts(table: "raw.orders", since: nil),
                    try r.dailyCounts(table: "raw.orders", since: "2024-03-02"),
                    try r.setting("last_digest_day"),
                    try r.setting("unknown"),
                    try r.auditLog(limit: 10),
                    try r.auditLog(limit: 1)
                )
            }
            #expect(orders == "2024-03-02T00:00:00Z")
            #expect(customers == "17")
            #expect(missing == nil)
            #expect(
                all == [
                    DayCount(day: "2024-03-01", rows: 100), DayCount(day: "2024-03-02", rows: 120),
                    DayCount(day: "2024-03-03", rows: 130),
                ])
            #expect(since.map(\.day) == ["2024-03-02", "2024-03-03"])
            #expect(setting == "2024-03-03")
            #expect(unset == nil)
            #expect(audit.map(\.action) == ["mute", "run"])
            #expect(audit.first?.outcome == "refused")
            #expect(audit.first?.detail == "4h noisy")
            #expect(audit.first?.at == t0.addingTimeInterval(1))
            #expect(audit.last?.channel == "C01")
            #expect(audit.first?.channel == nil)
            #expect(latest.map(\.id) == [audit.first?.id ?? -1])
        }
    }
}
