import Foundation
import Logging
import SlackAPI
import SluiceCore
import StateStore

/// Keeps the App Home tab current. When a user opens Home their dashboard is published at once
/// (`views.publish`); users who opened it within `recentWindow` are remembered in the state store
/// (so a restart keeps them) and re-published when the state changes. Changes are detected cheaply
/// (the newest run, the runs that were active, open alerts, active mutes) before anything else is
/// read; publishes are paced under Slack's Tier 4 limit (about 100 a minute), bursts of changes
/// coalesce into one publish per user per `userInterval`, and a `ratelimited` answer pauses every
/// publish for Slack's `Retry-After`.
public actor HomePublisher {
    /// The settings key holding when `user` last opened Home (seconds since 1970).
    public static func openedKey(user: String) -> String { "home.opened.\(user)" }
    /// The settings key listing the users who opened Home within the recent window (space-separated ids).
    public static let usersKey = "home.users"

    /// Most open alerts read for the dashboard and for change detection.
    private static let alertLimit = 1000
    /// How many recent runs of a pipeline are searched for each freshness check's latest result.
    private static let freshnessLookback = 10
    /// The pause after a `ratelimited` answer without `Retry-After`.
    private static let defaultRateLimitWait: TimeInterval = 60

    private let manifest: Manifest
    private let state: any StateStore
    private let client: SlackWebClient
    private let clock: any WallClock
    private let logger: Logger
    private let recentWindow: TimeInterval
    private let userInterval: TimeInterval
    private let publishInterval: TimeInterval
    private let pollInterval: TimeInterval

    private var recent: [String: Date] = [:]
    private var loaded = false
    private var published: [String: Marker] = [:]
    private var lastAttempt: [String: Date] = [:]
    private var inFlight: Set<String> = []
    private var pausedUntil: Date?
    private var nextSlot = Date.distantPast
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
        self.userInterval = userInterval
        self.publishInterval = publishInterval
        self.pollInterval = pollInterval
    }

    /// `user` opened the Home tab: remembers them (in the state store too) and publishes their
    /// dashboard now, unless they were sent one within `userInterval` or Slack asked to wait; the
    /// refresh loop catches up then.
    public func opened(user: String) async {
        await loadRecent()
        let now = clock.now
        recent[user] = now
        prune(now)
        let users = recent.keys.sorted().joined(separator: " ")
        do {
            try await state.write { writer in
                try writer.setSetting(Self.openedKey(user: user), value: String(now.timeIntervalSince1970))
                try writer.setSetting(Self.usersKey, value: users)
            }
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
        guard !recent.isEmpty, !isPaused(now) else { return }
        let watched = self.watched
        let current: Marker
        do {
            current = try await state.read { try Self.marker($0, watched: watched, now: now) }
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

    // MARK: Publishing

    /// Publishes to the users that are due; `force` publishes even when their view is current.
    private func publish(to users: [String], force: Bool) async {
        let now = clock.now
        guard !isPaused(now) else { return }
        let due = users.filter { user in
            !inFlight.contains(user) && (lastAttempt[user].map { now.timeIntervalSince($0) >= userInterval } ?? true)
        }
        guard !due.isEmpty else { return }
        inFlight.formUnion(due)
        defer { inFlight.subtract(due) }
        let dashboard: HomeView.Dashboard
        let marker: Marker
        do {
            (dashboard, marker) = try await build(at: now)
        } catch {
            logger.error("could not read the state for App Home", metadata: ["error": "\(error)"])
            return
        }
        for user in due where force || published[user] != marker {
            guard !isPaused(clock.now) else { return }
            do {
                try await pace()
            } catch {
                return
            }
            lastAttempt[user] = clock.now
            let blocks = HomeView.blocks(for: user, dashboard: dashboard, now: clock.now, timeZone: manifest.timeZone)
            do {
                try await client.publishHome(user: user, blocks: blocks)
                published[user] = marker
            } catch let error as SlackDeliveryError {
                if error.code == "ratelimited" {
                    let wait = error.retryAfter ?? Self.defaultRateLimitWait
                    pausedUntil = clock.now.addingTimeInterval(wait)
                    logger.warning("Slack rate-limited views.publish: App Home updates pause", metadata: ["seconds": "\(wait)"])
                    return
                }
                if !error.retryable {
                    // The same view would be refused again: wait for the state to change.
                    published[user] = marker
                }
                logger.error("could not publish App Home", metadata: ["user": "\(user)", "error": "\(error)"])
            } catch {
                logger.error("could not publish App Home", metadata: ["user": "\(user)", "error": "\(error)"])
            }
        }
    }

    /// Waits for the next publish slot, `publishInterval` after the previous one.
    private func pace() async throws {
        let now = clock.now
        let slot = max(now, nextSlot)
        nextSlot = slot.addingTimeInterval(publishInterval)
        if slot > now { try await clock.sleep(until: slot) }
    }

    private func isPaused(_ now: Date) -> Bool {
        guard let pausedUntil else { return false }
        if now >= pausedUntil {
            self.pausedUntil = nil
            return false
        }
        return true
    }

    // MARK: Recent users

    /// Reads the users who opened Home recently from the state store, once.
    private func loadRecent() async {
        guard !loaded else { return }
        do {
            let stored = try await state.read { reader -> [String: Date] in
                let users = (try reader.setting(Self.usersKey) ?? "").split(separator: " ").map(String.init)
                var opened: [String: Date] = [:]
                for user in users {
                    if let text = try reader.setting(Self.openedKey(user: user)), let seconds = TimeInterval(text) {
                        opened[user] = Date(timeIntervalSince1970: seconds)
                    }
                }
                return opened
            }
            for (user, at) in stored where recent[user].map({ $0 < at }) ?? true {
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
            lastAttempt[user] = nil
        }
    }

    // MARK: Reading the state

    /// What the dashboard depends on, cheap to read: a change here means the dashboard may differ.
    private struct Marker: Sendable, Equatable {
        var newestRun: Int64?
        var runStates: [Int64: RunState]
        var alerts: [String]
        var mutes: [String]
    }

    private struct Snapshot: Sendable {
        var dashboard: HomeView.Dashboard
        var marker: Marker
        var watched: Set<Int64>
    }

    /// The dashboard and its marker, read in one snapshot.
    private func build(at now: Date) async throws -> (HomeView.Dashboard, Marker) {
        let manifest = self.manifest
        let snapshot = try await state.read { try Self.snapshot($0, manifest: manifest, now: now) }
        watched = snapshot.watched
        return (snapshot.dashboard, snapshot.marker)
    }

    private static func snapshot(_ reader: any StateReader, manifest: Manifest, now: Date) throws -> Snapshot {
        var lines: [HomeView.PipelineLine] = []
        var lights: [HomeView.FreshnessLine] = []
        for pipeline in manifest.pipelines {
            lines.append(HomeView.PipelineLine(
                pipeline: pipeline.name, owners: manifest.owners(for: pipeline.name),
                lastRun: try reader.runs(pipeline: pipeline.name, limit: 1).first,
                nextRun: pipeline.schedule?.nextFire(after: now, in: manifest.timeZone)))
            lights += try freshness(of: pipeline, reader)
        }
        let month = String(Days.string(now, in: manifest.timeZone).prefix(7))
        let monthStart = CostLedger.startOfMonth(now, in: manifest.timeZone)
        let ledger = CostLedger(
            runs: try reader.runFigures(since: monthStart), pricePerTiB: manifest.cost.pricePerTiB, timeZone: manifest.timeZone)
        let watched = Set(lines.compactMap(\.lastRun).filter(\.state.isActive).map(\.id))
        let dashboard = HomeView.Dashboard(
            pipelines: lines, freshness: lights,
            alerts: try reader.alerts(status: [.open, .acknowledged], limit: alertLimit),
            mutes: try reader.activeMutes(at: now),
            cost: HomeView.MonthCost(
                month: month, spend: ledger.spend(from: monthStart),
                pricePerTiB: manifest.cost.pricePerTiB, isBilled: manifest.warehouse.bills))
        return Snapshot(
            dashboard: dashboard, marker: try marker(reader, watched: watched, now: now), watched: watched)
    }

    /// Each freshness check's latest recorded result, searching the pipeline's recent runs (a rerun
    /// keeps checks it did not execute; a skipped check has no result).
    private static func freshness(of pipeline: Pipeline, _ reader: any StateReader) throws -> [HomeView.FreshnessLine] {
        let checks: [(name: String, table: TableName)] = pipeline.checks.compactMap { check in
            FreshnessRule(check, pipeline: pipeline.name).map { (check.name, $0.table) }
        }
        guard !checks.isEmpty else { return [] }
        var found: [String: HomeView.FreshnessLine] = [:]
        for run in try reader.runs(pipeline: pipeline.name, limit: freshnessLookback) where found.count < checks.count {
            let steps = try reader.steps(runID: run.id)
            for check in checks where found[check.name] == nil {
                guard let step = steps.first(where: { $0.stepID == RunPlan.checkStepID(check.name) }),
                      let finishedAt = step.finishedAt, step.state == .succeeded || step.state == .failed
                else { continue }
                found[check.name] = HomeView.FreshnessLine(
                    table: check.table.description, pipeline: pipeline.name, verdict: FreshnessVerdict(recorded: step.checkStatus),
                    summary: step.error ?? step.detail ?? step.state.rawValue, runID: run.id, checkedAt: finishedAt)
            }
        }
        return checks.map { found[$0.name] ?? HomeView.FreshnessLine(table: $0.table.description, pipeline: pipeline.name, verdict: nil) }
    }

    private static func marker(_ reader: any StateReader, watched: Set<Int64>, now: Date) throws -> Marker {
        let newest = try reader.runs(pipeline: nil, limit: 1).first
        var states: [Int64: RunState] = [:]
        for id in watched {
            states[id] = try reader.run(id: id)?.state
        }
        if let newest { states[newest.id] = newest.state }
        let alerts = try reader.alerts(status: [.open, .acknowledged], limit: alertLimit).map { alert in
            "\(alert.id)/\(alert.status.rawValue)/\(alert.occurrences)/\(alert.acknowledgedBy ?? "")"
        }
        let mutes = try reader.activeMutes(at: now).map { "\($0.id)/\($0.endsAt.timeIntervalSince1970)" }
        return Marker(newestRun: newest?.id, runStates: states, alerts: alerts, mutes: mutes)
    }
}
