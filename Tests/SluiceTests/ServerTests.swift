import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import Testing
@testable import Server

@Suite("HTTP surface")
struct ServerTests {
    @Test func healthzReportsTheStateStoreAndMetricsSpeakPrometheus() async throws {
        let workspace = try Workspace()
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "sluice", metricName: "runs", unitName: "total", helpText: "Runs by outcome"),
            labels: [("pipeline", "shop"), ("state", "succeeded")]).increment()
        let app = Application(router: buildRouter(state: try workspace.stateStore(), metrics: registry))
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""state_store":"reachable""#))
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                #expect(String(buffer: response.body).contains(#"sluice_runs_total{pipeline="shop",state="succeeded"} 1"#))
            }
            try await client.execute(uri: "/nope", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}
