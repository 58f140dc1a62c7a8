import BigQueryAPI
import Foundation
import Logging

/// How `gcs` sources reach Cloud Storage: the environment that picks the endpoint
/// (`STORAGE_EMULATOR_HOST`) and the credentials (as for BigQuery), the retry policy, and the
/// listing's page size. The process environment unless a task sets its own (`$current.withValue`),
/// as tests and embedders do.
public struct GCSConnection: Sendable {
    /// Variables read: `STORAGE_EMULATOR_HOST`, `GOOGLE_OAUTH_ACCESS_TOKEN`,
    /// `GOOGLE_APPLICATION_CREDENTIALS`, `GCE_METADATA_HOST`.
    public var environment: [String: String]
    /// Retries, backoff and deadlines of every Cloud Storage call.
    public var retry: RetryPolicy
    /// Objects per `objects.list` page; nil: the API's default (1,000).
    public var pageSize: Int?

    /// Creates a connection description.
    public init(environment: [String: String], retry: RetryPolicy = .default, pageSize: Int? = nil) {
        self.environment = environment
        self.retry = retry
        self.pageSize = pageSize
    }

    /// The connection the current task's loads use: the process environment by default.
    @TaskLocal public static var current = GCSConnection(environment: ProcessInfo.processInfo.environment)

    /// A client for this connection; throws `ExtractError` when the credentials cannot be set up
    /// (a malformed key file), naming the source.
    func client(for source: String) throws -> CloudStorageClient {
        let httpClient = BigQueryClient.sharedHTTPClient
        do {
            let tokens = try CloudStorageClient.tokens(environment: environment, httpClient: httpClient)
            return CloudStorageClient(
                endpoint: CloudStorageClient.endpoint(environment: environment), tokens: tokens, httpClient: httpClient,
                retry: retry, logger: Logger(label: "sluice.gcs"))
        } catch {
            throw ExtractError(.unreadable, "source '\(source)': cannot set up Google credentials for Cloud Storage: \(error)")
        }
    }
}
