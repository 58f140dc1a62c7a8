import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import StateStore

/// Where the server listens.
public struct ServerAddress: Sendable, Equatable {
    /// Host (`SLUICE_HOST`, default `127.0.0.1`).
    public var host: String
    /// Port (`SLUICE_PORT`, default 8080).
    public var port: Int

    /// Creates an address.
    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

/// Builds the HTTP routes: `GET /healthz` (liveness and state-store reachability) and
/// `GET /metrics` (Prometheus text format).
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

/// The HTTP application plus the background services (scheduler, outbox sender) that live and stop with it.
public func buildApplication(
    router: Router<BasicRequestContext>, address: ServerAddress, services: [any Service], logger: Logger
) -> some ApplicationProtocol {
    Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: "sluice"),
        services: services,
        logger: logger)
}

/// Wraps a long-running task as a `Service` that stops on graceful shutdown.
public struct BackgroundService: Service {
    private let name: String
    private let body: @Sendable () async -> Void

    /// Creates a service running `body` until shutdown cancels it.
    public init(_ name: String, _ body: @escaping @Sendable () async -> Void) {
        self.name = name
        self.body = body
    }

    /// Runs the body; graceful shutdown cancels it. A body that finishes early (a scheduler with
    /// nothing scheduled) leaves the service waiting for shutdown, so the server keeps running.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            await body()
        }
        do {
            try await gracefulShutdown()
        } catch is CancellationError {
            return
        }
    }
}
