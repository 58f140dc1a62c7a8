import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import SlackAPI
import StateStore
import Synchronization
import Testing
@testable import Server

@Suite("HTTP surface")
struct ServerTests {
    @Test func healthzIsLivenessReadyzIsReadinessAndMetricsSpeakPrometheus() async throws {
        let workspace = try Workspace()
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "sluice", metricName: "runs", unitName: "total", helpText: "Runs by outcome"),
            labels: [("pipeline", "shop"), ("state", "succeeded")]).increment()
        let identity = SlackIdentity(status: .unverified(problem: nil))
        let app = Application(router: buildRouter(state: try workspace.stateStore(), identity: identity, metrics: registry, clock: TestClock()))
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = String(buffer: response.body)
                #expect(body.contains(#""status":"not_ready""#))
                #expect(body.contains(#""state_store":"reachable""#))
                #expect(body.contains(#""migrations":"current""#))
                #expect(body.contains(#""slack":"unverified""#))
                #expect(body.contains("the first auth.test has not answered"))
            }
            identity.failedToVerify("unreachable: could not reach slack.com for auth.test")
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(String(buffer: response.body).contains("could not reach slack.com"))
            }
            identity.verified(botUserID: "U0BOT")
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"migrations":"current","problems":[],"slack":"verified","state_store":"reachable","status":"ready"}"#)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                #expect(text.contains(#"sluice_runs_total{pipeline="shop",state="succeeded"} 1"#))
                #expect(text.contains("sluice_outbox_pending_messages 0"))
            }
            try await client.execute(uri: "/nope", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func readinessAsksTheStateStoreAtMostOnceASecond() async throws {
        let store = HealthCountingStore(base: try Workspace().stateStore())
        let clock = TestClock()
        let probe = ReadinessProbe(state: store, identity: .console, clock: clock)
        for _ in 0..<50 { #expect(await probe.report().ready) }
        #expect(store.healthChecks.withLock { $0 } == 1)
        clock.advance(by: 0.9)
        #expect(await probe.report().ready)
        #expect(store.healthChecks.withLock { $0 } == 1)
        clock.advance(by: 0.1)
        #expect(await probe.report().ready)
        #expect(store.healthChecks.withLock { $0 } == 2)
    }

    @Test func readinessReportsAStateStoreThatCannotBeRead() {
        let report = ReadinessReport(
            state: StateStoreHealth(reachable: false, migrationsCurrent: false, problem: "state.sqlite cannot be read (disk I/O error)"),
            slack: .notConfigured)
        #expect(!report.ready)
        #expect(report.stateStore == "unreachable")
        #expect(report.slack == "console")
        #expect(report.problems == ["state store: state.sqlite cannot be read (disk I/O error)"])
    }
}

/// A state store that counts `health()` calls.
private final class HealthCountingStore: StateStore {
    let base: SQLiteStateStore
    let healthChecks = Mutex(0)

    init(base: SQLiteStateStore) {
        self.base = base
    }

    func read<T: Sendable>(_ body: @Sendable (any StateReader) throws -> T) async throws -> T { try await base.read(body) }
    func write<T: Sendable>(_ body: @Sendable (any StateWriter) throws -> T) async throws -> T { try await base.write(body) }
    func health() async -> StateStoreHealth {
        healthChecks.withLock { $0 += 1 }
        return await base.health()
    }
}
