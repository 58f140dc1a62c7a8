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

    /// Asks `host` through `httpClient`, giving up on an unreachable server after `timeout`.
    public init(
        host: String = "metadata.google.internal", httpClient: HTTPClient = BigQueryClient.sharedHTTPClient, timeout: Duration = .seconds(5),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.host = host
        self.httpClient = httpClient
        self.timeout = timeout
        self.now = now
    }

    /// A fresh token.
    public func token() async throws -> String? {
        try await fetchToken().value
    }

    /// Asks the metadata server for a token.
    public func fetchToken() async throws -> AccessToken {
        let base = host.contains("://") ? host : "http://\(host)"
        var request = HTTPClientRequest(url: base + "/computeMetadata/v1/instance/service-accounts/default/token")
        request.headers.add(name: "Metadata-Flavor", value: "Google")
        request.headers.add(name: "User-Agent", value: BigQueryTransport.userAgent)
        let requested = now()
        let reply: HTTPReply
        do {
            let response = try await httpClient.execute(request, deadline: .now() + TimeAmount(timeout))
            let body = try await response.body.collect(upTo: 1024 * 1024)
            reply = HTTPReply(status: Int(response.status.code), headers: response.headers, body: body)
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            throw BigQueryError(
                reason: "noCredentials",
                message: "No Google credentials: the metadata server at \(base) did not answer (\(error))",
                hint: "outside Google Cloud, set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file or GOOGLE_OAUTH_ACCESS_TOKEN to a token"
            )
        }
        return try TokenEndpointResponse.token(from: reply, now: requested, source: "The metadata server at \(base)")
    }
}
