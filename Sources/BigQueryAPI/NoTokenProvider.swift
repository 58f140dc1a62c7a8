/// No credentials: requests go out without an `Authorization` header (BigQuery emulators).
public struct NoTokenProvider: AccessTokenProvider {
    /// Creates the provider.
    public init() {}

    /// Always nil.
    public func token() async throws -> String? { nil }
}
