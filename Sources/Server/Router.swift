import Foundation
import Hummingbird
import Prometheus
import StateStore

/// Builds the HTTP routes: `GET /healthz` (liveness and state-store reachability) and
/// `GET /metrics` (Prometheus text format); `addSlackRoutes` adds Slack's.
public func buildRouter(state: any StateStore, metrics: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: MetricsMiddleware())
    router.get("healthz") { _, _ -> Response in
        let reachable = await state.isReachable()
        let body = reachable ? #"{"status":"ok","state_store":"reachable"}"# : #"{"status":"degraded","state_store":"unreachable"}"#
        return Response(
            status: reachable ? .ok : .serviceUnavailable,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
    router.get("metrics") { _, _ -> Response in
        var bytes: [UInt8] = []
        metrics.emit(into: &bytes)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
    return router
}
