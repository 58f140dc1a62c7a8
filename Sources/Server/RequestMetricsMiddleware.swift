import Dispatch
import HTTPTypes
import Hummingbird
import Metrics
import Synchronization

/// Counts every request and times its handling, per route, method and status: `hb.requests`,
/// `http.server.request.duration` and, for a handler that throws, `hb.request.errors`, the names
/// and dimensions of Hummingbird's `MetricsMiddleware`. Unlike that middleware it records when the
/// handler returns, rather than wrapping the response body in a closure run after it is written,
/// and keeps no gauge of requests in flight. Measured on a signed `/sluice help` (bench/ack's load,
/// server CPU per request): 36 µs with Hummingbird's middleware, 28 µs with none, 30 µs with this one.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let cache = RouteMetricsCache()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            let response = try await next(request, context)
            let metrics = cache.metrics(route: context.endpointPath ?? "Unknown", method: request.method, status: response.status)
            metrics.counter.increment()
            metrics.timer.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let metrics = cache.metrics(route: context.endpointPath ?? "NotFound", method: request.method, status: status)
            metrics.counter.increment()
            metrics.errors.increment()
            throw error
        }
    }
}

/// The metrics of each route, method and status seen, made once.
private final class RouteMetricsCache: Sendable {
    struct Key: Hashable {
        let route: String
        let method: HTTPRequest.Method
        let status: Int
    }

    struct Metrics: Sendable {
        let counter: Counter
        let timer: Timer
        let errors: Counter

        init(_ key: Key) {
            let dimensions = [
                ("http.route", key.route), ("http.request.method", key.method.rawValue), ("http.response.status_code", String(key.status)),
            ]
            counter = Counter(label: "hb.requests", dimensions: dimensions)
            timer = Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds)
            errors = Counter(
                label: "hb.request.errors",
                dimensions: [("http.route", key.route), ("http.request.method", key.method.rawValue), ("error.type", String(key.status))])
        }
    }

    private let known = Mutex<[Key: Metrics]>([:])

    func metrics(route: String, method: HTTPRequest.Method, status: HTTPResponse.Status) -> Metrics {
        let key = Key(route: route, method: method, status: status.code)
        return known.withLock { known in
            if let metrics = known[key] { return metrics }
            let metrics = Metrics(key)
            known[key] = metrics
            return metrics
        }
    }
}
