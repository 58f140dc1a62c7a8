/// How the client retries, polls and waits, like Google's own client: transient failures retried
/// with exponential backoff and full jitter (from 1 s, capped at 60 s) until a deadline (600 s for
/// an API call, 2,400 s for re-running failed jobs), growing delays between job polls, a deadline
/// on every HTTP call, and the clock and sleep it uses (tests inject virtual ones).
public struct RetryPolicy: Sendable {
    /// Attempts per request (and per job re-run), first one included; unlimited by default, the
    /// deadlines decide.
    public var maxAttempts: Int
    /// How long an API call is retried in all, waits included.
    public var deadline: Duration
    /// How long a job that failed for a transient reason is re-run (under new ids) in all.
    public var jobDeadline: Duration
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
    /// The time deadlines are measured on.
    public var now: @Sendable () -> ContinuousClock.Instant

    /// Creates a policy.
    public init(
        maxAttempts: Int = .max,
        deadline: Duration = .seconds(600),
        jobDeadline: Duration = .seconds(2_400),
        baseDelay: Duration = .seconds(1),
        maxDelay: Duration = .seconds(60),
        pollInitialDelay: Duration = .milliseconds(200),
        pollMaxDelay: Duration = .seconds(2),
        requestTimeout: Duration = .seconds(120),
        jobTimeout: Duration = .seconds(6 * 3600),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.deadline = deadline
        self.jobDeadline = jobDeadline
        self.now = now
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.pollInitialDelay = pollInitialDelay
        self.pollMaxDelay = pollMaxDelay
        self.requestTimeout = requestTimeout
        self.jobTimeout = jobTimeout
        self.sleep = sleep
    }

    /// Google's: retries for 600 s (jobs re-run for 2,400 s), backoff from 1 s up to 60 s, polls from
    /// 0.2 s up to 2 s, 120 s per HTTP call.
    public static let `default` = RetryPolicy()

    /// For tests: six attempts, no waiting at all, 10 s per HTTP call.
    public static let immediate = RetryPolicy(
        maxAttempts: 6, baseDelay: .zero, maxDelay: .zero, pollInitialDelay: .zero, pollMaxDelay: .zero,
        requestTimeout: .seconds(10), sleep: { _ in try Task.checkCancellation() }
    )

    /// The wait before retry number `retry` (1 = first) of something first tried at `started`, or
    /// nil when it may not be retried: the attempts are used up, or the wait would end past
    /// `deadline` from `started`.
    func delay(beforeRetry retry: Int, since started: ContinuousClock.Instant, deadline: Duration) -> Duration? {
        guard retry < maxAttempts else { return nil }
        let wait = backoff(retry: retry)
        guard now() + wait - started <= deadline else { return nil }
        return wait
    }

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
