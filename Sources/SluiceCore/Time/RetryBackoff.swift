import Foundation

/// How long to wait before trying again after a failure: exponential from `base`, capped at `cap`,
/// with "equal jitter" (between half and all of the exponential step) so that many waiters do not
/// retry in lockstep. Attempts are counted from 1; the schedule never ends, the caller decides
/// whether to give up.
public struct RetryBackoff: Sendable, Equatable {
    /// The first wait's upper bound.
    public var base: TimeInterval
    /// The longest wait.
    public var cap: TimeInterval

    /// Creates a schedule.
    public init(base: TimeInterval, cap: TimeInterval) {
        self.base = base
        self.cap = cap
    }

    /// The wait after the `attempt`-th failure; `unitRandom` in `0...1` picks where in the jitter
    /// range it falls (pass `Double.random(in: 0...1)`).
    public func delay(afterAttempt attempt: Int, unitRandom: Double) -> TimeInterval {
        let exponent = Double(max(0, min(attempt - 1, 62)))
        let step = min(cap, base * pow(2, exponent))
        return step / 2 + step / 2 * min(1, max(0, unitRandom))
    }

    /// Slack deliveries: from about 1 s up to Slack's outages' scale, 5 minutes.
    public static let slackDelivery = RetryBackoff(base: 2, cap: 300)
    /// The start-up token check: a deploy's network blip, retried within a minute.
    public static let tokenCheck = RetryBackoff(base: 1, cap: 60)
}
