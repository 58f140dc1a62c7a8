import Foundation

/// When App Home publishes may go out: under Slack's Tier 4 limit for `views.publish` (about 100 a
/// minute: one slot every `publishInterval`), at most one publish per user every `userInterval` (so
/// bursts of changes coalesce), and nothing while Slack's `Retry-After` pause lasts. A value with
/// no I/O; the publisher owns one and sleeps until the slots it hands out.
struct HomePacer: Sendable {
    /// The least time between any two publishes.
    let publishInterval: TimeInterval
    /// The least time between two publishes to one user.
    let userInterval: TimeInterval
    private var nextSlot = Date.distantPast
    private var pausedUntil: Date?
    private var lastAttempt: [String: Date] = [:]

    init(publishInterval: TimeInterval, userInterval: TimeInterval) {
        self.publishInterval = publishInterval
        self.userInterval = userInterval
    }

    /// True while a rate-limit pause lasts.
    func isPaused(at now: Date) -> Bool {
        pausedUntil.map { now < $0 } ?? false
    }

    /// Slack answered `ratelimited`: every publish waits `seconds`.
    mutating func pause(for seconds: TimeInterval, at now: Date) {
        pausedUntil = now.addingTimeInterval(seconds)
    }

    /// The users among `users` whose last publish is at least `userInterval` old.
    func due(_ users: [String], at now: Date) -> [String] {
        users.filter { user in lastAttempt[user].map { now.timeIntervalSince($0) >= userInterval } ?? true }
    }

    /// Takes the next publish slot at or after `now`: the instant to publish at.
    mutating func takeSlot(at now: Date) -> Date {
        let slot = max(now, nextSlot)
        nextSlot = slot.addingTimeInterval(publishInterval)
        return slot
    }

    /// A publish to `user` was attempted at `now`.
    mutating func attempted(_ user: String, at now: Date) {
        lastAttempt[user] = now
    }

    /// Forgets `user` (they no longer get updates).
    mutating func forget(_ user: String) {
        lastAttempt[user] = nil
    }
}
