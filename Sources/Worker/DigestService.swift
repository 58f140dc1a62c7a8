import Foundation
import Logging
import SluiceCore
import StateStore
import Warehouse

/// The daily digest: gathers runs, alerts, mutes and daily counts from the state store and every
/// table's freshness from the warehouse, builds the `DigestReport`, and enqueues it through the
/// outbox — the summary as a top-level message in `slack.digest.channel` (or the default channel),
/// the long lists as replies in its thread. `run()` posts it every day at `slack.digest.at` in the
/// manifest's time zone, and at start posts today's once, marked late, when it was missed.
public struct DigestService: Sendable {
    /// The settings key holding the local day (`YYYY-MM-DD`) of the last scheduled digest.
    public static let lastPostedKey = "digest.last"

    /// The validated manifest.
    public let manifest: Manifest
    /// Durable state.
    public let state: any StateStore
    /// Where the tables live (their freshness).
    public let warehouse: any Warehouse
    /// Time source.
    public let clock: any WallClock
    /// Logger.
    public let logger: Logger

    /// Creates the service.
    public init(manifest: Manifest, state: any StateStore, warehouse: any Warehouse, clock: any WallClock, logger: Logger) {
        self.manifest = manifest
        self.state = state
        self.warehouse = warehouse
        self.clock = clock
        self.logger = logger
    }

    /// The channel the digest is posted to.
    public var channel: String {
        manifest.digestChannel
    }

    /// Reads what the digest needs at `now`: the warehouse's freshness figures while the state
    /// store's records are read in one snapshot.
    public func inputs(at now: Date) async throws -> DigestInputs {
        async let freshness = FreshnessReader.read(DigestInputs.freshnessRequests(in: manifest), from: warehouse)
        let manifest = self.manifest
        let since = DigestInputs.runsSince(now: now, timeZone: manifest.timeZone)
        let countsSince = DigestInputs.dailyCountsSince(in: manifest, now: now)
        var inputs = try await state.read { reader in
            DigestInputs(
                now: now, runs: try reader.runFigures(since: since), freshness: [:],
                dailyCounts: Dictionary(
                    try countsSince.map { ($0.table.description, try reader.dailyCounts(table: $0.table.description, since: $0.since)) },
                    uniquingKeysWith: { first, _ in first }),
                alerts: try reader.alerts(status: [.open, .acknowledged], limit: Int.max),
                mutes: try reader.activeMutes(at: now))
        }
        inputs.freshness = await freshness
        return inputs
    }

    /// The digest at `now`, labelled with `day` (default: today).
    public func report(at now: Date, day: String? = nil) async throws -> DigestReport {
        DigestReport.build(manifest: manifest, inputs: try await inputs(at: now), day: day)
    }

    /// Builds the digest now and enqueues it (on demand: it does not count as the day's scheduled
    /// digest): the summary at the top level, the lists in its thread.
    public func post(at now: Date) async throws -> DigestPosting {
        let report = try await report(at: now)
        let messages = DigestMessages.messages(for: report)
        let channel = self.channel
        let ids = try await state.write { try Self.enqueue(messages, channel: channel, in: $0, at: now) }
        return DigestPosting(outboxIDs: ids, channel: channel, report: report, messages: messages)
    }

    /// Builds and enqueues day `day`'s scheduled digest (`late` when posted after its time), recording
    /// the day as posted in the same transaction; nil, and nothing enqueued, when that day's digest
    /// was already posted.
    public func postScheduled(day: String, at now: Date, late: Bool = false) async throws -> DigestPosting? {
        let report = try await report(at: now, day: day)
        let messages = DigestMessages.messages(for: report, late: late)
        let channel = self.channel
        let ids: [Int64]? = try await state.write { writer in
            guard try writer.setting(Self.lastPostedKey) != day else { return nil }
            try writer.setSetting(Self.lastPostedKey, value: day)
            return try Self.enqueue(messages, channel: channel, in: writer, at: now)
        }
        return ids.map { DigestPosting(outboxIDs: $0, channel: channel, report: report, messages: messages) }
    }

    /// At start, posts today's digest once, marked late, when it was due before `now` and was not
    /// posted; returns whether it did.
    @discardableResult
    public func postMissed(at now: Date) async throws -> Bool {
        guard let config = manifest.slack.digest else { return false }
        let digestClock = DigestClock(at: config.at, timeZone: manifest.timeZone)
        let last = try await state.read { try $0.setting(Self.lastPostedKey) }
        guard let day = digestClock.missedDay(at: now, lastPostedDay: last) else { return false }
        logger.notice("posting the digest missed while Sluice was not running", metadata: ["day": "\(day)"])
        return try await postScheduled(day: day, at: now, late: true) != nil
    }

    /// Posts the missed digest if any, then every day's digest at `slack.digest.at`, until cancelled.
    /// Without `slack.digest` in the manifest it returns at once.
    public func run() async {
        guard let config = manifest.slack.digest else { return }
        let digestClock = DigestClock(at: config.at, timeZone: manifest.timeZone)
        let start = clock.now
        do {
            try await postMissed(at: start)
        } catch {
            logger.error("the missed digest could not be posted", metadata: ["error": "\(error)"])
        }
        var due = digestClock.nextDue(after: start)
        while !Task.isCancelled {
            do {
                try await clock.sleep(until: due)
            } catch {
                return
            }
            let day = digestClock.day(of: due)
            do {
                if try await postScheduled(day: day, at: clock.now) != nil {
                    logger.info("posted the daily digest", metadata: ["day": "\(day)", "channel": "\(channel)"])
                }
            } catch {
                logger.error("the daily digest could not be posted", metadata: ["day": "\(day)", "error": "\(error)"])
            }
            // After a long suspension (a laptop asleep), days that passed meanwhile are not posted one by one.
            due = digestClock.nextDue(after: max(due, clock.now))
        }
    }

    /// Enqueues the summary and its thread replies; returns their outbox ids, the summary's first.
    private static func enqueue(
        _ messages: DigestMessageSet, channel: String, in writer: any StateWriter, at now: Date
    ) throws -> [Int64] {
        let id = try writer.enqueue(channel: channel, action: .post(threadOf: nil), message: messages.summary, at: now)
        return try [id] + messages.thread.map { reply in
            try writer.enqueue(channel: channel, action: .post(threadOf: id), message: reply, at: now)
        }
    }
}

/// What `DigestService.post` enqueued.
public struct DigestPosting: Sendable, Equatable {
    /// Outbox ids of the messages: the top-level summary first, then its thread replies.
    public var outboxIDs: [Int64]
    /// The channel it goes to.
    public var channel: String
    /// The figures.
    public var report: DigestReport
    /// The messages enqueued.
    public var messages: DigestMessageSet
}
