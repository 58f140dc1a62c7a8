import AsyncHTTPClient
import Foundation
import NIOCore

/// Asks the GCE/GKE/Cloud Run metadata server for the attached service account's token
/// (`GET http://{host}/computeMetadata/v1/instance/service-accounts/default/token`,
/// `Metadata-Flavor: Google`). Every call fetches a new token; wrap it in `CachedTokenProvider`.
public struct MetadataServerTokenProvider: AccessTokenSource, AccessTokenProvider {
    /// The metadata server's host (`GCE_METADATA_HOST`, else `metadata.google.internal`).
    public let host: String
    private let httpClient: HTTPClient
    private let timeout: Duration
    private let now: @Sendable () -> Date
    private let attempts: Int
    private let pause: @Sendable (Duration) async throws -> Void

    /// Asks `host` through `httpClient`, each try giving up after `timeout`; a server that does not
    /// answer, or answers 5xx or 429, is asked `attempts` times in all (google-auth's 5), with 0.1 s
    /// doubling between tries: 1.5 s in all, so a machine without one learns it fast. `pause` waits
    /// (tests pass one that does not).
    public init(
        host: String = "metadata.google.internal", httpClient: HTTPClient = BigQueryClient.sharedHTTPClient, timeout: Duration = .seconds(5),
        attempts: Int = 5, pause: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.host = host
        self.httpClient = httpClient
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.pause = pause
        self.now = now
    }

    /// A fresh token.
    public func token() async throws -> String? {
        try await fetchToken().value
    }

    /// Asks the metadata server for a token, trying again while it does not answer or fails.
    public func fetchToken() async throws -> AccessToken {
        var attempt = 1
        while true {
            do {
                return try await fetchOnce(attempt: attempt)
            } catch let error as BigQueryError where attempt < attempts && error.isRetryable {
                try await pause(.milliseconds(100) * (1 << (attempt - 1)))
                attempt += 1
            }
        }
    }

    private func fetchOnce(attempt: Int) async throws -> AccessToken {
        let base = host.contains("://") ? host : "http://\(host)"
        var request = HTTPClientRequest(url: base + "/computeMetadata/v1/instance/service-accounts/default/token")
        request.headers.add(name: "Metadata-Flavor", value: "Google")
        request.headers.add(name: "User-Agent", value: BigQueryTransport.userAgent)
        let requested = now()
        let last = attempt == attempts
        let reply = try await TokenEndpointResponse.send(request, httpClient: httpClient, timeout: timeout) { [attempts] error in
            guard last else { return BigQueryError(reason: "connectionFailed", message: "The metadata server at \(base) did not answer (\(error))") }
            return BigQueryError(
                reason: "noCredentials",
                message: "No Google credentials: the metadata server at \(base) did not answer in \(attempts) tries (\(error))",
                hint: "outside Google Cloud, set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file or GOOGLE_OAUTH_ACCESS_TOKEN to a token")
        }
        return try TokenEndpointResponse.token(from: reply, now: requested, source: "The metadata server at \(base)")
    }
}
