import AsyncHTTPClient

extension SlackWebClient {
    /// The HTTP client every Slack call shares: up to 32 connections per host (replies to a burst of
    /// commands all go to the `response_url` host, and 8, the default, queues them behind each
    /// other), no redirects (a bot token is never sent elsewhere), and a refused connection fails at
    /// once instead of being retried until the deadline, so the outbox's and the token check's own
    /// backoff decide when to try again.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: .seconds(5), read: .seconds(30)))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 32
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
