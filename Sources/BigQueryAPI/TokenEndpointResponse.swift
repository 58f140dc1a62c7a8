import AsyncHTTPClient
import Foundation
import NIOCore

/// Reads an OAuth token response (`{"access_token", "expires_in", "token_type"}`) from Google's
/// token endpoint or the metadata server.
enum TokenEndpointResponse {
    /// One exchange with a token endpoint within `timeout` (a reply of at most 1 MiB); a transport
    /// failure becomes `unreachable(error)`, a cancelled task stays a `CancellationError`.
    static func send(
        _ request: HTTPClientRequest, httpClient: HTTPClient, timeout: Duration, unreachable: (any Error) -> BigQueryError
    ) async throws -> HTTPReply {
        do {
            let response = try await httpClient.execute(request, deadline: .now() + TimeAmount(timeout))
            let body = try await response.body.collect(upTo: 1024 * 1024)
            return HTTPReply(status: Int(response.status.code), headers: response.headers, body: body)
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            throw unreachable(error)
        }
    }

    /// The token in a 200 reply, expiring `expires_in` seconds after `now`.
    static func token(from reply: HTTPReply, now: Date, source: String) throws -> AccessToken {
        let json = reply.json
        guard reply.isSuccess, let value = json["access_token"].string, !value.isEmpty else {
            throw rejection(reply, source: source)
        }
        let lifetime = json["expires_in"].int64 ?? 3600
        return AccessToken(value: value, expiresAt: now.addingTimeInterval(TimeInterval(lifetime)))
    }

    /// A clear error for a refused or unreadable token response (never echoing a token).
    static func rejection(_ reply: HTTPReply, source: String) -> BigQueryError {
        let json = reply.json
        let code = json["error"].string ?? json["error"]["status"].string
        let detail = json["error_description"].string ?? json["error"]["message"].string
        var message = "\(source) refused to issue an access token (HTTP \(reply.status)"
        if let code { message += ", \(code)" }
        message += ")"
        if let detail { message += ": \(detail)" }
        if reply.status >= 500 || reply.status == 429 {
            return BigQueryError(reason: reply.status == 429 ? "rateLimitExceeded" : "backendError", message: message, httpStatus: reply.status)
        }
        return BigQueryError(
            reason: "badCredentials", message: message, httpStatus: reply.status,
            hint: "check that the service-account key is current (not deleted or disabled) and the machine's clock is right"
        )
    }
}
