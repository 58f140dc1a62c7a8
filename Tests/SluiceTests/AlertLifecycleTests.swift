import Foundation
import Testing
@testable import SluiceCore

@Suite("Alert lifecycle")
struct AlertLifecycleTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func observation(_ failing: AlertSeverity?, run: Int64 = 1) -> AlertObservation {
        AlertObservation(pipeline: "shop", check: "not_null_stg_orders_order_id", table: "staging.stg_orders",
                         failing: failing, title: "3 rows have NULL order_id", runID: run)
    }

    @Test func fingerprintIsStable() {
        #expect(observation(.error).fingerprint == "shop/not_null_stg_orders_order_id/staging.stg_orders")
        #expect(observation(nil, run: 9).fingerprint == observation(.warning, run: 2).fingerprint)
    }

    @Test func passingWithNothingOpenDoesNothing() {
        #expect(AlertLifecycle.apply(observation(nil), to: nil, at: now) == .none)
    }

    @Test func failingOpensThenRepeatsThenResolves() throws {
        guard case var .opened(alert) = AlertLifecycle.apply(observation(.warning), to: nil, at: now) else {
            Issue.record("expected an opened alert")
            return
        }
        #expect(alert.status == .open)
        #expect(alert.occurrences == 1)
        alert.id = 7
        guard case let .repeated(again) = AlertLifecycle.apply(observation(.error, run: 2), to: alert, at: now + 60) else {
            Issue.record("expected a repeat")
            return
        }
        #expect(again.id == 7)
        #expect(again.occurrences == 2)
        #expect(again.severity == .error)
        #expect(again.runID == 2)
        guard case let .resolved(done) = AlertLifecycle.apply(observation(nil, run: 3), to: again, at: now + 120) else {
            Issue.record("expected a resolution")
            return
        }
        #expect(done.status == .resolved)
        #expect(done.resolvedAt == now + 120)
    }

    @Test func mutesCoverPipelineTableOrCheck() {
        let alert = AlertRecord(id: 1, fingerprint: "f", pipeline: "shop", check: "volume_orders", table: "raw.orders",
                                severity: .warning, status: .open, title: "t", detail: "", runID: 1, openedAt: now, lastSeenAt: now)
        func mute(_ target: String, endsIn seconds: TimeInterval) -> MuteRecord {
            MuteRecord(id: 1, target: target, createdBy: "U1", reason: nil, createdAt: now, endsAt: now + seconds)
        }
        #expect(AlertLifecycle.isMuted(alert, by: [mute("shop", endsIn: 60)], at: now))
        #expect(AlertLifecycle.isMuted(alert, by: [mute("raw.orders", endsIn: 60)], at: now))
        #expect(AlertLifecycle.isMuted(alert, by: [mute("shop/volume_orders", endsIn: 60)], at: now))
        #expect(!AlertLifecycle.isMuted(alert, by: [mute("raw.customers", endsIn: 60)], at: now))
        #expect(!AlertLifecycle.isMuted(alert, by: [mute("ads/volume_orders", endsIn: 60)], at: now))
        #expect(!AlertLifecycle.isMuted(alert, by: [mute("shop", endsIn: -1)], at: now))
    }

    @Test func messagesStayWithinSlackLimits() {
        let longTitle = String(repeating: "x", count: 5000)
        let alert = AlertRecord(id: 1, fingerprint: "f", pipeline: "shop", check: "c", table: nil, severity: .error,
                                status: .open, title: longTitle, detail: longTitle, runID: 1, openedAt: now, lastSeenAt: now)
        let message = MessageFitting.split(AlertMessages.message(for: alert, owners: ["U1", "S2"], timeZone: .gmt))[0]
        for block in message.blocks {
            if case let .section(text, _, _) = block { #expect(text.count <= BlockLimits.sectionText) }
            if case let .actions(_, buttons) = block { #expect(buttons.allSatisfy { $0.text.count <= BlockLimits.buttonText }) }
        }
        #expect(message.text.contains("shop"))
        let many = SlackMessage(text: "t", blocks: Array(repeating: .divider, count: 120))
        let parts = MessageFitting.split(many)
        #expect(parts.map(\.blocks.count) == [50, 50, 20])
    }
}
