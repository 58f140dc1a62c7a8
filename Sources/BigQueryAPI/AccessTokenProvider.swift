/// Supplies the OAuth access token sent as `Authorization: Bearer …` on every BigQuery request.
public protocol AccessTokenProvider: Sendable {
    /// The token to send, or nil to send no `Authorization` header (emulators and test servers).
    func token() async throws -> String?
}
