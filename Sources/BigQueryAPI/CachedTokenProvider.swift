import Foundation

/// Caches a token from an `AccessTokenSource` and refreshes it shortly before it expires. Concurrent
/// callers that find the token missing or stale share one refresh.
public actor CachedTokenProvider: AccessTokenProvider {
    private let source: any AccessTokenSource
    private let refreshMargin: TimeInterval
    private let now: @Sendable () -> Date
    private var cached: AccessToken?
    private var refreshing: Task<AccessToken, any Error>?

    /// Wraps `source`; the token is refreshed once it is within `refreshMargin` seconds (default
    /// 4 minutes) of expiry, as measured by `now`.
    public init(
        source: any AccessTokenSource,
        refreshMargin: TimeInterval = 240,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.source = source
        self.refreshMargin = refreshMargin
        self.now = now
    }

    /// The cached token, or a fresh one when it is missing or about to expire.
    public func token() async throws -> String? {
        if let cached, cached.expiresAt.timeIntervalSince(now()) > refreshMargin {
            return cached.value
        }
        if let refreshing {
            return try await refreshing.value.value
        }
        let source = source
        let task = Task { try await source.fetchToken() }
        refreshing = task
        do {
            let fresh = try await task.value
            cached = fresh
            refreshing = nil
            return fresh.value
        } catch {
            refreshing = nil
            throw error
        }
    }

    /// Forgets the cached token so the next call fetches a new one (after Google rejected it).
    public func invalidate() {
        cached = nil
    }
}
