import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Sends requests to BigQuery: adds `User-Agent` and the bearer token, applies a deadline, turns
/// transport failures and error bodies into `BigQueryError`, and retries what is worth retrying.
struct BigQueryTransport: Sendable {
    /// Sent on every request.
    static let userAgent = "sluice/1.0 (BigQuery REST v2)"
    /// Largest response body read (a page of query results fits well within it).
    static let maxResponseBytes = 256 * 1024 * 1024

    let httpClient: HTTPClient
    let tokens: any AccessTokenProvider
    let retry: RetryPolicy
    let logger: Logger
    let context: ErrorContext

    /// Sends `exchange` once (no retries). Transport failures become `BigQueryError`
    /// (`connectionFailed`, `timeout`); any HTTP status is returned as a reply.
    func sendOnce(_ exchange: HTTPExchange) async throws -> HTTPReply {
        var request = HTTPClientRequest(url: exchange.url)
        request.method = exchange.method
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in exchange.headers {
            request.headers.add(name: name, value: value)
        }
        if let token = try await tokens.token() {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let body = exchange.body {
            request.body = .bytes(body)
        } else if exchange.method == .POST || exchange.method == .PUT {
            request.body = .bytes(ByteBuffer())
        }
        let path = exchange.url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? exchange.url
        logger.debug("BigQuery request", metadata: ["method": "\(exchange.method.rawValue)", "path": "\(path)"])
        do {
            let response = try await httpClient.execute(request, deadline: .now() + TimeAmount(retry.requestTimeout))
            let body = try await response.body.collect(upTo: Self.maxResponseBytes)
            logger.debug("BigQuery response", metadata: ["status": "\(response.status.code)", "path": "\(path)"])
            return HTTPReply(status: Int(response.status.code), headers: response.headers, body: body)
        } catch {
            throw transportError(error, url: exchange.url)
        }
    }

    /// Sends `exchange`, retrying transient failures with backoff. Replies whose status is in
    /// `passThrough` are returned to the caller; other non-2xx replies are thrown as `BigQueryError`.
    func call(_ exchange: HTTPExchange, jobID: String? = nil, passThrough: Set<Int> = []) async throws -> HTTPReply {
        var attempt = 0
        var refreshedToken = false
        let started = retry.now()
        while true {
            attempt += 1
            let failure: BigQueryError
            do {
                let reply = try await sendOnce(exchange)
                if reply.isSuccess || passThrough.contains(reply.status) { return reply }
                failure = context.error(reply: reply, jobID: jobID)
                if reply.status == 401, !refreshedToken, let cached = tokens as? CachedTokenProvider {
                    refreshedToken = true
                    await cached.invalidate()
                    continue
                }
            } catch let error as BigQueryError {
                failure = error
            }
            guard failure.isRetryable, let wait = retry.delay(beforeRetry: attempt, since: started, deadline: retry.deadline) else {
                throw context.exhausted(failure, attempts: attempt)
            }
            logger.info("BigQuery call failed, retrying", metadata: [
                "reason": "\(failure.reason)", "status": "\(failure.httpStatus.map(String.init) ?? "-")", "attempt": "\(attempt)",
            ])
            try await retry.sleep(wait)
        }
    }

    /// Maps an error thrown by the HTTP client; a cancelled task stays a `CancellationError`.
    func transportError(_ error: any Error, url: String) -> any Error {
        if error is CancellationError || Task.isCancelled { return CancellationError() }
        if let error = error as? BigQueryError { return error }
        let host = URL(string: url).map { "\($0.scheme ?? "http")://\($0.host ?? "")\($0.port.map { ":\($0)" } ?? "")" } ?? url
        if let error = error as? HTTPClientError,
           [HTTPClientError.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(error) {
            return BigQueryError(
                reason: "timeout", message: "BigQuery at \(host) did not answer in time (\(error))",
                hint: "check the network, or BIGQUERY_API_ENDPOINT if it is set"
            )
        }
        return BigQueryError(
            reason: "connectionFailed", message: "Could not reach BigQuery at \(host): \(error)",
            hint: "check the network, or BIGQUERY_API_ENDPOINT if it is set"
        )
    }
}

extension TimeAmount {
    /// The same span as a `Duration`, to nanosecond precision.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
