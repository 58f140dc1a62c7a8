/// A token given in the environment (`GOOGLE_OAUTH_ACCESS_TOKEN`), sent as is and never refreshed.
public struct StaticTokenProvider: AccessTokenProvider {
    private let value: String

    /// Wraps the given token.
    public init(token: String) {
        value = token
    }

    /// The given token.
    public func token() async throws -> String? { value }
}
