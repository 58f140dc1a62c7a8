/// Fetches a fresh access token with its expiry from Google (token endpoint or metadata server);
/// wrapped by `CachedTokenProvider`, which decides when to ask.
public protocol AccessTokenSource: Sendable {
    /// Asks Google for a new token.
    func fetchToken() async throws -> AccessToken
}
