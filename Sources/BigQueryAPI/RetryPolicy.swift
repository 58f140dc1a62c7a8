/// How the client retries, polls and waits: exponential backoff with full jitter between attempts,
/// growing delays between job polls, a deadline on every HTTP call, and the sleep it uses (tests
/// inject one that returns at once).
public struct RetryPolicy: Sendable {
    /// Attempts per request (and per job re-run after a retryable job failure), first one included.
    public var maxAttempts: Int
    /// The backoff cap before the first retry; doubles with every further retry.
    public var baseDelay: Duration
    /// The largest backoff cap.
    public var maxDelay: Duration
    /// First wait between `jobs.get` polls.
    public var pollInitialDelay: Duration
    /// Longest wait between polls.
    public var pollMaxDelay: Duration
    /// Deadline for one HTTP call (an upload chunk included).
    public var requestTimeout: Duration
    /// A job still running after this long is cancelled and reported as timed out.
    public var jobTimeout: Duration
    /// Waits for the given time (throws when the task is cancelled).
    public var sleep: @Sendable (Duration) async throws -> Void

    /// Creates a policy.
    public init(
        maxAttempts: Int = 6,
        baseDelay: Duration = .milliseconds(500),
        maxDelay: Duration = .seconds(32),
        pollInitialDelay: Duration = .milliseconds(200),
        pollMaxDelay: Duration = .seconds(2),
        requestTimeout: Duration = .seconds(120),
        jobTimeout: Duration = .seconds(6 * 3600),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.pollInitialDelay = pollInitialDelay
        self.pollMaxDelay = pollMaxDelay
        self.requestTimeout = requestTimeout
        self.jobTimeout = jobTimeout
        self.sleep = sleep
    }

    /// Six attempts, backoff from 0.5 s up to 32 s, polls from 0.2 s up to 2 s, 120 s per HTTP call.
    public static let `default` = RetryPolicy()

    /// For tests: same attempts, no waiting at all, 10 s per HTTP call.
    public static let immediate = RetryPolicy(
        baseDelay: .zero, maxDelay: .zero, pollInitialDelay: .zero, pollMaxDelay: .zero,
        requestTimeout: .seconds(10), sleep: { _ in try Task.checkCancellation() }
    )

    /// The full-jitter delay before retry number `retry` (1 = first retry): uniform in
    /// `0 … min(maxDelay, baseDelay × 2^(retry−1))`.
    func backoff(retry: Int) -> Duration {
        let cap = min(maxDelay, baseDelay * (1 << min(max(retry - 1, 0), 20)))
        let seconds = Double(cap.components.seconds) + Double(cap.components.attoseconds) / 1e18
        guard seconds > 0 else { return .zero }
        return .milliseconds(Int64(Double.random(in: 0...seconds) * 1000))
    }

    /// The wait before poll number `poll` (1 = first): `pollInitialDelay` doubling up to `pollMaxDelay`.
    func pollDelay(poll: Int) -> Duration {
        min(pollMaxDelay, pollInitialDelay * (1 << min(max(poll - 1, 0), 20)))
    }
}
