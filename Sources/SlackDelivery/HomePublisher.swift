import Foundation
import Logging
import SlackAPI
import SluiceCore
import StateStore

/// Keeps the App Home tab current. When a user opens Home their dashboard is published at once
/// (`views.publish`); users who opened it within `recentWindow` are remembered (`HomeVisitors`) and
/// re-published when the state changes (`HomeDashboardQuery`'s marker, read before anything else),
/// paced by a `HomePacer`: under Slack's Tier 4 limit, coalesced per user, paused on `ratelimited`.
public actor HomePublisher {
    /// The settings key holding when `user` last opened Home (seconds since 1970).
    public static func openedKey(user: String) -> String { HomeVisitors.openedKey(user: user) }

    /// The pause after a `ratelimited` answer without `Retry-After`.
    private static let defaultRateLimitWait: TimeInterval = 60

    private let manifest: Manifest
    private let state: any StateStore
    private let client: SlackWebClient
    private let clock: any WallClock
    private let logger: Logger
    private let recentWindow: TimeInterval
    private let pollInterval: TimeInterval

    private var pacer: HomePacer
    private var recent: [String: Date] = [:]
    private var loaded = false
    private var published: [String: HomeChangeMarker] = [:]
    private var inFlight: Set<String> = []
    private var watched: Set<Int64> = []

    /// Creates a publisher. `recentWindow`: how long after opening Home a user keeps getting updates
    /// (24 h); `userInterval`: the least time between two publishes to one user; `publishInterval`:
    /// the least time between any two publishes (0.6 s keeps under Slack's ~100 a minute);
    /// `pollInterval`: how often `run()` looks for changes.
    public init(
        manifest: Manifest, state: any StateStore, client: SlackWebClient, clock: any WallClock, logger: Logger,
        recentWindow: TimeInterval = 24 * 3600, userInterval: TimeInterval = 5, publishInterval: TimeInterval = 0.6,
        pollInterval: TimeInterval = 2
    ) {
        self.manifest = manifest
        self.state = state
        self.client = client
        self.clock = clock
        self.logger = logger
        self.recentWindow = recentWindow
        self.pollInterval = pollInterval
        pacer = HomePacer(publishInterval: publishInterval, userInterval: userInterval)
    }

    /// `user` opened the Home tab: remembers them (in the state store too) and publishes their
    /// dashboard now, unless they were sent one within `userInterval` or Slack asked to wait; the
    /// refresh loop catches up then.
    public func opened(user: String) async {
        await loadRecent()
        let now = clock.now
        recent[user] = now
        prune(now)
        let users = Array(recent.keys)
        do {
            try await state.write { try HomeVisitors.record(user, at: now, users: users, in: $0) }
        } catch {
            logger.error("could not remember who opened App Home", metadata: ["user": "\(user)", "error": "\(error)"])
        }
        await publish(to: [user], force: true)
    }

    /// Re-publishes for every recent user whose dashboard is older than the state, as far as the
    /// pacing allows; users not due yet are published by a later call.
    public func refresh() async {
        await loadRecent()
        let now = clock.now
        prune(now)
        guard !recent.isEmpty, !pacer.isPaused(at: now) else { return }
        let watched = self.watched
        let current: HomeChangeMarker
        do {
            current = try await state.read { try HomeDashboardQuery.marker($0, watched: watched, now: now) }
        } catch {
            logger.error("could not check the state for App Home changes", metadata: ["error": "\(error)"])
            return
        }
        let stale = recent.keys.filter { published[$0] != current }.sorted()
        guard !stale.isEmpty else { return }
        await publish(to: stale, force: false)
    }

    /// Refreshes every `pollInterval` until cancelled.
    public func run() async {
        while !Task.isCancelled {
            await refresh()
            do {
                try await clock.sleep(until: clock.now.addingTimeInterval(pollInterval))
            } catch {
                return
            }
        }
    }

    /// Publishes to the users that are due; `force` publishes even when their view is current.
    private func publish(to users: [String], force: Bool) async {
        let now = clock.now
        guard !pacer.isPaused(at: now) else { return }
        let due = pacer.due(users.filter { !inFlight.contains($0) }, at: now)
        guard !due.isEmpty else { return }
        inFlight.formUnion(due)
        defer { inFlight.subtract(due) }
        let manifest = self.manifest
        let snapshot: (dashboard: HomeView.Dashboard, marker: HomeChangeMarker, watched: Set<Int64>)
        do {
            snapshot = try await state.read { try HomeDashboardQuery.read($0, manifest: manifest, now: now) }
        } catch {
            logger.error("could not read the state for App Home", metadata: ["error": "\(error)"])
            return
        }
        watched = snapshot.watched
        for user in due where force || published[user] != snapshot.marker {
            guard !pacer.isPaused(at: clock.now) else { return }
            let slot = pacer.takeSlot(at: clock.now)
            if slot > clock.now {
                do {
                    try await clock.sleep(until: slot)
                } catch {
                    return
                }
            }
            pacer.attempted(user, at: clock.now)
            let blocks = HomeView.blocks(for: user, dashboard: snapshot.dashboard, now: clock.now, timeZone: manifest.timeZone)
            do {
                try await client.publishHome(user: user, blocks: blocks)
                published[user] = snapshot.marker
            } catch let error as SlackDeliveryError where error.code == "ratelimited" {
                let wait = error.retryAfter ?? Self.defaultRateLimitWait
                pacer.pause(for: wait, at: clock.now)
                logger.warning("Slack rate-limited views.publish: App Home updates pause", metadata: ["seconds": "\(wait)"])
                return
            } catch let error as SlackDeliveryError where !error.retryable {
                // The same view would be refused again: wait for the state to change.
                published[user] = snapshot.marker
                logger.error("could not publish App Home", metadata: ["user": "\(user)", "error": "\(error)"])
            } catch {
                logger.error("could not publish App Home", metadata: ["user": "\(user)", "error": "\(error)"])
            }
        }
    }

    /// Reads the users who opened Home recently from the state store, once.
    private func loadRecent() async {
        guard !loaded else { return }
        do {
            for (user, at) in try await state.read({ try HomeVisitors.load($0) }) where recent[user].map({ $0 < at }) ?? true {
                recent[user] = at
            }
            loaded = true
        } catch {
            logger.error("could not read who opened App Home", metadata: ["error": "\(error)"])
        }
    }

    /// Forgets users who opened Home longer than `recentWindow` ago.
    private func prune(_ now: Date) {
        for (user, at) in recent where now.timeIntervalSince(at) > recentWindow {
            recent[user] = nil
            published[user] = nil
            pacer.forget(user)
        }
    }
}
