import Foundation
import Prometheus
import SluiceCore
import StateStore

/// The outbox in `/metrics`, read from the state store at each scrape (so it is right after a
/// restart and whichever process delivered): messages waiting, the age of the oldest, and messages
/// Slack refused for good by reason.
struct OutboxGauges: Sendable {
    static let pendingName = "sluice_outbox_pending_messages"
    static let oldestName = "sluice_outbox_oldest_pending_age_seconds"
    static let failedName = "sluice_outbox_failed_messages"

    let state: any StateStore
    let registry: PrometheusCollectorRegistry
    let clock: any WallClock

    /// Sets the gauges from the store; a store that cannot be read leaves them as they were.
    func refresh() async {
        guard let backlog = try? await state.read({ try $0.outboxBacklog() }) else { return }
        registry.makeGauge(name: Self.pendingName, help: "Outbox messages waiting for delivery").set(Double(backlog.pending))
        let age = backlog.oldestPendingSince.map { max(0, clock.now.timeIntervalSince($0)) } ?? 0
        registry.makeGauge(name: Self.oldestName, help: "Age of the oldest outbox message waiting for delivery").set(age)
        for (reason, count) in backlog.failedByReason {
            registry.makeGauge(
                name: Self.failedName, labels: [("reason", reason)], help: "Outbox messages Slack refused for good, by reason"
            ).set(Double(count))
        }
    }
}
