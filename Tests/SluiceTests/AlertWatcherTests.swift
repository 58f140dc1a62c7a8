import Conversation
import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Worker

@Suite("Mute ends and escalations")
struct AlertWatcherTests {
    static func setUp() async throws -> (Workspace, Manifest, SQLiteStateStore, TestClock, AlertRecord) {
        let workspace = try Workspace()
        let manifest = try AlertShop.manifest(in: workspace, slack: "escalate_after: 45m", owners: ["U0OWNER", "S0GROUP"])
        let state = try workspace.stateStore()
        let clock = TestClock()
        let observation = AlertObservation(
            pipeline: "shop", check: "not_null_orders_id", table: "raw.orders", failing: .error,
            title: "2 rows of raw.orders have NULL id", runID: 1)
        let now = clock.now
        let alert = try await state.write { writer in
            try #require(try AlertRecorder(manifest: manifest).record(observation, in: writer, at: now))
        }
        return (workspace, manifest, state, clock, alert)
    }

    @Test func anUnacknowledgedErrorIsReannouncedToItsOwnersOnceAfterTheDelay() async throws {
        let (_, manifest, state, clock, alert) = try await Self.setUp()
        let watcher = AlertWatcher(manifest: manifest, state: state, clock: clock, logger: Logger(label: "test"))
        clock.advance(by: 44 * 60)
        #expect(try await watcher.tick() == 0)
        clock.advance(by: 60)
        #expect(try await watcher.tick() == 1)
        #expect(try await watcher.tick() == 0)
        let thread = try await state.read { try $0.outbox(state: nil, limit: 20) }.filter { $0.action == .post(threadOf: alert.messageOutboxID) }
        #expect(thread.count == 1)
        #expect(thread.first?.message.text.contains("<@U0OWNER> <!subteam^S0GROUP>") == true)
        #expect(try await state.read { try $0.alert(id: alert.id) }?.escalatedAt == clock.now)
    }

    @Test func anAcknowledgedErrorIsNotEscalated() async throws {
        let (_, manifest, state, clock, alert) = try await Self.setUp()
        try await state.write { writer in
            var acknowledged = alert
            acknowledged.status = .acknowledged
            acknowledged.acknowledgedBy = "U0OWNER"
            try writer.updateAlert(acknowledged)
        }
        clock.advance(by: 3 * 3600)
        #expect(try await AlertWatcher(manifest: manifest, state: state, clock: clock, logger: Logger(label: "test")).tick() == 0)
    }

    @Test func theEndOfAMuteIsAnnouncedInTheThreadOfAnAlertStillOpen() async throws {
        let (_, manifest, state, clock, alert) = try await Self.setUp()
        let now = clock.now
        try await state.write { writer in
            _ = try writer.insertMute(MuteRecord(
                id: 0, target: "raw.orders", createdBy: "U0OWNER", reason: "backfill running", createdAt: now,
                endsAt: now.addingTimeInterval(1800)))
        }
        let watcher = AlertWatcher(manifest: manifest, state: state, clock: clock, logger: Logger(label: "test"))
        clock.advance(by: 20 * 60)
        #expect(try await watcher.tick() == 0)
        clock.advance(by: 10 * 60)
        // The mute ended: announced once in the thread; escalation waits until the 45 minutes are up.
        #expect(try await watcher.tick() == 1)
        #expect(try await watcher.tick() == 0)
        let notes = try await state.read { try $0.outbox(state: nil, limit: 20) }
            .filter { $0.action == .post(threadOf: alert.messageOutboxID) }.map(\.message.text)
        #expect(notes.count == 1)
        #expect(notes.first?.contains("mute on `raw.orders` has ended") == true)
    }

    @Test func anAlertOpenedWhileMutedIsPostedWhenTheMuteEnds() async throws {
        let workspace = try Workspace()
        let manifest = try AlertShop.manifest(in: workspace)
        let state = try workspace.stateStore()
        let clock = TestClock()
        let now = clock.now
        let alert = try await state.write { writer -> AlertRecord? in
            _ = try writer.insertMute(MuteRecord(id: 0, target: "shop", createdBy: "U1", reason: nil, createdAt: now, endsAt: now + 60))
            let observation = AlertObservation(pipeline: "shop", check: "load:raw.orders", table: "raw.orders", failing: .error, title: "load failed", runID: 1)
            return try AlertRecorder(manifest: manifest).record(observation, in: writer, at: now)
        }
        #expect(alert?.messageOutboxID == nil)
        #expect(try await state.read { try $0.outbox(state: nil, limit: 10) }.isEmpty)
        clock.advance(by: 61)
        #expect(try await AlertWatcher(manifest: manifest, state: state, clock: clock, logger: Logger(label: "test")).tick() == 1)
        let posted = try await state.read { try $0.outbox(state: nil, limit: 10) }
        #expect(posted.count == 1)
        #expect(posted.first?.action == .post(threadOf: nil))
        #expect(try await state.read { try $0.alert(id: alert?.id ?? 0) }?.messageOutboxID == posted.first?.id)
    }
}
