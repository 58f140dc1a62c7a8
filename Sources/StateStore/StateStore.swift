import Foundation
import SluiceCore

/// Sluice's durable state: runs, steps, watermarks, row-count history, alerts, mutes, the outbox,
/// the audit log and processed Slack event ids. Every change goes through `write`, one transaction
/// at a time, so a state change and the messages it causes commit together or not at all.
public protocol StateStore: Sendable {
    /// Reads a consistent snapshot.
    func read<T: Sendable>(_ body: @Sendable (any StateReader) throws -> T) async throws -> T
    /// Runs `body` in one write transaction; a thrown error rolls everything back.
    func write<T: Sendable>(_ body: @Sendable (any StateWriter) throws -> T) async throws -> T
    /// Whether the store answers and its schema is the one this build expects (for `/readyz`).
    func health() async -> StateStoreHealth
}

/// The state store as `/readyz` sees it.
public struct StateStoreHealth: Sendable, Equatable {
    /// The store answered a query.
    public var reachable: Bool
    /// Every migration this build knows has been applied.
    public var migrationsCurrent: Bool
    /// What is wrong and what to do, when something is.
    public var problem: String?

    /// Creates a health report.
    public init(reachable: Bool, migrationsCurrent: Bool, problem: String? = nil) {
        self.reachable = reachable
        self.migrationsCurrent = migrationsCurrent
        self.problem = problem
    }
}

/// Queries available inside `read` and `write`.
public protocol StateReader {
    /// The run with this id.
    func run(id: Int64) throws -> RunRecord?
    /// Most recent runs first, optionally of one pipeline.
    func runs(pipeline: String?, limit: Int) throws -> [RunRecord]
    /// The queued or running run of a pipeline, if any.
    func activeRun(pipeline: String) throws -> RunRecord?
    /// Runs created at or after `since`, newest first, each with the rows its load steps loaded and
    /// the bytes its steps billed (one query, for cost figures and the digest).
    func runFigures(since: Date) throws -> [RunFigures]
    /// Steps of a run in creation order.
    func steps(runID: Int64) throws -> [StepRecord]
    /// The incremental-extraction watermark of a pipeline's source.
    func watermark(pipeline: String, source: String) throws -> String?
    /// The files a pipeline's load of `source` into `table` has read, by path.
    func sourceFiles(pipeline: String, source: String, table: String) throws -> [String: SourceFileRecord]
    /// Recorded daily row counts of a table, oldest first, from `since` (`YYYY-MM-DD`) on.
    func dailyCounts(table: String, since: String?) throws -> [DayCount]
    /// The alert with this id.
    func alert(id: Int64) throws -> AlertRecord?
    /// The open or acknowledged alert with this fingerprint.
    func unresolvedAlert(fingerprint: String) throws -> AlertRecord?
    /// The alert whose top-level Slack message has this `ts` (a reply in its thread refers to it).
    func alert(threadTS: String) throws -> AlertRecord?
    /// Alerts in any of these states, newest first.
    func alerts(status: Set<AlertStatus>, limit: Int) throws -> [AlertRecord]
    /// Mutes whose end is after `now`.
    func activeMutes(at now: Date) throws -> [MuteRecord]
    /// Mutes that ended at or before `now` and whose end was not announced yet.
    func endedUnannouncedMutes(at now: Date) throws -> [MuteRecord]
    /// The outbox entry with this id.
    func outboxEntry(id: Int64) throws -> OutboxEntry?
    /// Entries with this state (nil: every state), in id order.
    func outbox(state: OutboxState?, limit: Int) throws -> [OutboxEntry]
    /// How many entries wait, since when, and how many were refused for good by reason.
    func outboxBacklog() throws -> OutboxBacklog
    /// The channel id Slack answered with for an earlier message to `channel` (a name), if any.
    func knownChannelID(for channel: String) throws -> String?
    /// Most recent audit entries first.
    func auditLog(limit: Int) throws -> [AuditEntry]
    /// A small key–value store for bookkeeping (last digest day, …).
    func setting(_ key: String) throws -> String?
    /// The backfill with this id.
    func backfill(id: Int64) throws -> BackfillRecord?
    /// Most recent backfills first, optionally of one pipeline.
    func backfills(pipeline: String?, limit: Int) throws -> [BackfillRecord]
}

/// Changes available inside `write`, on top of the queries.
public protocol StateWriter: StateReader {
    /// Creates a queued run with its steps. Throws `StateStoreError.activeRun` when the pipeline
    /// already has a queued or running run.
    func insertRun(
        pipeline: String, trigger: RunTrigger, requestedBy: String, rerunOf: Int64?, backfillDays: [String]?,
        steps: [StepRecord], at now: Date
    ) throws -> RunRecord
    /// Saves a run's fields.
    func updateRun(_ run: RunRecord) throws
    /// Saves a step's fields.
    func updateStep(_ step: StepRecord) throws
    /// Marks a queued or running run `interrupted` (its running steps failed, queued steps cancelled)
    /// and returns it; nil when the run is not active. Used at start for runs whose process is gone.
    func interruptRun(id: Int64, at now: Date) throws -> RunRecord?
    /// Sets a source's watermark.
    func setWatermark(pipeline: String, source: String, value: String) throws
    /// Records files as read by a pipeline's load of `source` into `table` (replacing earlier records of the same paths).
    func recordSourceFiles(_ files: [SourceFileRecord], pipeline: String, source: String, table: String) throws
    /// Forgets what a pipeline has read: its watermarks and its read-file records, so that its next
    /// run reads every source row again (a full refresh).
    func forgetIncrementalState(pipeline: String) throws
    /// Inserts or replaces daily row counts of a table.
    func recordDailyCounts(table: String, counts: [DayCount]) throws
    /// Inserts an alert (its `id` is ignored) and returns it with its id.
    func insertAlert(_ alert: AlertRecord) throws -> AlertRecord
    /// Saves an alert's fields.
    func updateAlert(_ alert: AlertRecord) throws
    /// Inserts a mute (its `id` is ignored) and returns it with its id.
    func insertMute(_ mute: MuteRecord) throws -> MuteRecord
    /// Saves a mute's fields.
    func updateMute(_ mute: MuteRecord) throws
    /// Deletes active mutes of a target; returns how many.
    func deleteMutes(target: String, at now: Date) throws -> Int
    /// Adds a message to the outbox; returns its id. With a `collapsing` key, the pending entries of
    /// the same key that no attempt has started are marked superseded by it: the new message says
    /// what they said, more up to date (after an outage, one "failed again (12×)" instead of twelve).
    func enqueue(channel: String, action: OutboxAction, message: SlackMessage, at now: Date, collapsing key: String?) throws -> Int64
    /// Records a delivery with Slack's `ts` and the channel id Slack answered with.
    func markSent(outboxID: Int64, ts: String, channelID: String?) throws
    /// Records that a post is about to be sent: until it is marked sent, or retried after an answer
    /// that proves it was not posted, it may be in Slack (`OutboxEntry.sendingSince`).
    func markSending(outboxID: Int64, at now: Date) throws
    /// Records a failed attempt; it is retried at `notBefore`. `countsAsAttempt` is false for a
    /// rate-limit wait (Slack asked to wait, nothing failed), so the backoff does not grow.
    /// `mayHaveBeenPosted` (a timeout) keeps `sendingSince`; any other failure clears it.
    func markRetry(outboxID: Int64, error: String, notBefore: Date, countsAsAttempt: Bool, mayHaveBeenPosted: Bool) throws
    /// Records that Slack refused an entry for good: `reason` is its error name, `error` what it means.
    func markFailed(outboxID: Int64, reason: String, error: String) throws
    /// Records that a later edit of the same message replaced this pending edit.
    func markSuperseded(outboxID: Int64, by laterID: Int64) throws
    /// Appends to the audit log.
    func appendAudit(_ entry: AuditEntry) throws
    /// Remembers a Slack `event_id`; false when it was already processed.
    func markEventProcessed(_ eventID: String, at now: Date) throws -> Bool
    /// Sets a bookkeeping value.
    func setSetting(_ key: String, value: String) throws
    /// Inserts a backfill (its `id` is ignored) and returns it with its id. Fails when the pipeline
    /// already has a queued or running backfill.
    func insertBackfill(_ backfill: BackfillRecord) throws -> BackfillRecord
    /// Saves a backfill's fields.
    func updateBackfill(_ backfill: BackfillRecord) throws
}

/// Errors from the state store in the user's terms.
public enum StateStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The pipeline already has a queued or running run.
    case activeRun(pipeline: String, runID: Int64)
    /// A record that must exist does not.
    case notFound(String)
    /// The store could not be opened or migrated.
    case unavailable(String)

    /// A sentence for people.
    public var description: String {
        switch self {
        case let .activeRun(pipeline, id):
            "pipeline \(pipeline) is already running (run \(id)); wait for it or check `/sluice status \(pipeline)`"
        case let .notFound(what):
            "\(what) was not found"
        case let .unavailable(why):
            "the state store is unavailable: \(why)"
        }
    }
}

extension StateWriter {
    /// Adds a message to the outbox that collapses with no other; returns its id.
    public func enqueue(channel: String, action: OutboxAction, message: SlackMessage, at now: Date) throws -> Int64 {
        try enqueue(channel: channel, action: action, message: message, at: now, collapsing: nil)
    }
}
