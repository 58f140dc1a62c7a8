import Foundation
import Hummingbird
import Prometheus
import SlackAPI
import SluiceCore
import StateStore

/// Builds the HTTP routes: `GET /healthz` (liveness: the process answers; it touches nothing),
/// `GET /readyz` (state store reachable with current migrations, Slack token verified) and
/// `GET /metrics` (Prometheus text format); `addSlackRoutes` adds Slack's.
public func buildRouter(
    state: any StateStore, identity: SlackIdentity, metrics: PrometheusCollectorRegistry, clock: any WallClock
) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: RequestMetricsMiddleware())
    let alive = ByteBuffer(string: #"{"status":"ok"}"#)
    router.get("healthz") { _, _ -> Response in
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: alive))
    }
    let readiness = ReadinessProbe(state: state, identity: identity, clock: clock)
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    router.get("readyz") { _, _ -> Response in
        let report = await readiness.report()
        let body = (try? encoder.encode(report)).map { ByteBuffer(bytes: $0) } ?? ByteBuffer(string: #"{"status":"not_ready"}"#)
        return Response(
            status: report.ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: body))
    }
    let outbox = OutboxGauges(state: state, registry: metrics, clock: clock)
    router.get("metrics") { _, _ -> Response in
        await outbox.refresh()
        var bytes: [UInt8] = []
        metrics.emit(into: &bytes)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
    return router
}
