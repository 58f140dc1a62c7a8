import AsyncHTTPClient
import NIOCore

extension BigQueryClient {
    /// The HTTP client BigQuery calls use unless given another: connection attempts give up after
    /// 10 seconds and fail at once when refused (the client's own retries take over, so an unreachable
    /// endpoint fails fast), no redirects are followed (`308` is the resumable-upload protocol's
    /// "resume incomplete"), and responses may be compressed. It lives for the whole process.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: .seconds(10), read: .seconds(120)),
            decompression: .enabled(limit: .ratio(100))
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
