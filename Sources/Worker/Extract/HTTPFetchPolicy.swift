import Foundation

/// The bounds of an HTTP source's requests: how often a page is tried, how long it waits between
/// tries, and how large a page may be. `429` and `503` wait what `Retry-After` says (seconds or an
/// HTTP date), capped; other `5xx` replies, timeouts and connection failures back off exponentially
/// with jitter. The sleeping and the clock are replaceable so tests do not really wait: a run
/// started inside `HTTPFetchPolicy.$current.withValue(…)` uses that policy.
struct HTTPFetchPolicy: Sendable {
    /// Tries of one page, the first included.
    var maxAttempts = 8
    /// The longest wait a `Retry-After` may impose; a longer one is cut to this.
    var maxRetryAfter: TimeInterval = 120
    /// The first backoff; each further retry doubles it, up to `maxBackoff`.
    var baseBackoff: TimeInterval = 0.5
    /// The longest backoff between two tries.
    var maxBackoff: TimeInterval = 30
    /// The largest page body read; a larger page fails the step.
    var maxBodyBytes = 64 * 1024 * 1024
    /// Waits between tries.
    var sleep: @Sendable (TimeInterval) async throws -> Void = { seconds in
        try await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
    }
    /// The current time, for `Retry-After` dates.
    var now: @Sendable () -> Date = { Date() }
    /// A number in 0..<1 for jitter.
    var random: @Sendable () -> Double = { Double.random(in: 0..<1) }

    /// The policy of the HTTP sources read in this task and its children.
    @TaskLocal static var current = HTTPFetchPolicy()

    /// The wait before try `attempt + 1` after try `attempt` (1-based) failed: exponential, with
    /// jitter between half and all of it.
    func backoff(after attempt: Int) -> TimeInterval {
        let full = min(maxBackoff, baseBackoff * pow(2, Double(max(0, attempt - 1))))
        return full / 2 + full / 2 * random()
    }

    /// The wait a `Retry-After` value asks for (delay seconds, or an HTTP date), capped at
    /// `maxRetryAfter`; nil when the value is neither.
    func retryAfter(_ value: String) -> TimeInterval? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) {
            return min(maxRetryAfter, Double(text) ?? maxRetryAfter)
        }
        guard let date = Self.httpDate(text) else { return nil }
        return min(maxRetryAfter, max(0, date.timeIntervalSince(now())))
    }

    /// An HTTP date: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), or the obsolete RFC 850 and
    /// asctime forms RFC 9110 still asks recipients to accept.
    static func httpDate(_ text: String) -> Date? {
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
