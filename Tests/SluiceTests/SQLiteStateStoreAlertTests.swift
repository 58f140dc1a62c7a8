import Foundation
import SluiceCore
import StateStore
import Testing

/// Alerts (one unresolved per fingerprint) and mutes (active, ended, deleted).
@Suite("SQLiteStateStore: alerts and mutes")
struct SQLiteStateStoreAlertTests: SQLiteStateStoreSuite {
    @Test func alertsOneUnresolvedPerFingerprint() async throws {
        try await withTemporaryPath { path in
            let store = try SQLiteStateStore(path: path)
            let t0 = self.t0
            let first = try await store.write { w in try w.insertAlert(self.sampleAlert(at: t0)) }
            #expect(first.id > 0)
            #expect(first.sample == ["row 1", "row 2"])
            #expect(try await store.read { r in try r.unresolvedAlert(fingerprint: first.fingerprint) } == first)

            await #expect(throws: (any Error).self) {
                _ = try await store.write { w in try w.insertAlert(self.sampleAlert(at: t0)) }
            }

            var resolved = first
            resolved.status = .resolved
            resolved.resolvedAt = t0.addingTimeInterval(600)
            resolved.occurrences = 3
            resolved.messageOutboxID = 12
            try await store.write { [resolved] w in try w.updateAlert(resolved) }
            #expect(try await store.read { r in try r.unresolvedAlert(fingerprint: first.fingerprint) } == nil)

            let second = try await store.write { w in
                try w.insertAlert(self.sampleAlert(at: t0.addingTimeInterval(900)))
            }
            let warning = try await store.write { w in
                var alert = self.sampleAlert(fingerprint: "shop/volume/raw.orders", at: t0)
                alert.severity = .warning
                alert.status = .acknowledged
                alert.acknowledgedBy = "U0123ABCD"
                alert.acknowledgedAt = t0.addingTimeInterval(5)
                alert.sample = []
                alert.sql = nil
                alert.table = nil
                return try w.insertAlert(alert)
            }
            let (unresolved, open, everything, limited, none, stored) = try await store.read { r in
                (
                    try r.unresolvedAlert(fingerprint: first.fingerprint),
                    try r.alerts(status: [.open], limit: 10),
                    try r.alerts(status: [.open, .acknowledged, .resolved], limit: 10),
                    try r.alerts(status: [.open, .acknowledged, .resolved], limit: 1),
                    try r.alerts(status: [], limit: 10),
                    try r.alert(id: first.id)
                )
            }
            #expect(unresolved == second)
            #expect(open.map(\.id) == [second.id])
            #expect(everything.map(\.id) == [warning.id, second.id, first.id])
            #expect(limited.map(\.id) == [warning.id])
            #expect(none.isEmpty)
            #expect(stored == resolved)
            #expect(everything.first?.table == nil)
            #expect(everything.first?.acknowledgedAt == t0.addingTimeInterval(5))
        }
    }

    @Test func mutesActiveEndedAndDeleted() async throws {
        try await withTemporaryPath { path in
            let store = try SQLiteStateStore(path: path)
            let t0 = self.t0
            let now = t0.addingTimeInterval(3600)
            let (ended, later, sooner, other) = try await store.write { w in
                (
                    try w.insertMute(
                        MuteRecord(
                            id: 0, target: "raw.orders", createdBy: "U0123ABCD", reason: "maintenance", createdAt: t0,
                            endsAt: t0.addingTimeInterval(1800))),
                    try w.insertMute(
                        MuteRecord(
                            id: 0, target: "shop", createdBy: "U0123ABCD", reason: nil, createdAt: t0,
                            endsAt: t0.addingTimeInterval(4 * 3600))),
                    try w.insertMute(
                        MuteRecord(
                            id: 0, target: "shop", createdBy: "U0456", reason: "noisy", createdAt: t0,
                            endsAt: t0.addingTimeInterval(2 * 3600))),
                    try w.insertMute(
                        MuteRecord(
                            id: 0, target: "not_null", createdBy: "U0456", reason: nil, createdAt: t0,
                            endsAt: t0.addingTimeInterval(3 * 3600)))
                )
            }
            #expect(ended.reason == "maintenance")
            #expect(ended.endsAt == t0.addingTimeInterval(1800))
            let (active, unannounced) = try await store.read { r in
                (try r.activeMutes(at: now), try r.endedUnannouncedMutes(at: now))
            }
            #expect(active.map(\.id) == [sooner.id, other.id, later.id])
            #expect(unannounced == [ended])

            var announced = ended
            announced.endAnnouncedAt = now
            try await store.write { [announced] w in try w.updateMute(announced) }
            #expect(try await store.read { r in try r.endedUnannouncedMutes(at: now) }.isEmpty)

            let deleted = try await store.write { w in try w.deleteMutes(target: "shop", at: now) }
            #expect(deleted == 2)
            #expect(try await store.write { w in try w.deleteMutes(target: "raw.orders", at: now) } == 0)
            #expect(try await store.read { r in try r.activeMutes(at: now) } == [other])
        }
    }
}
