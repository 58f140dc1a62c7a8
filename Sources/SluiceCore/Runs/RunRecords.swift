import Foundation

/// Lifecycle of a run: `queued → running → succeeded | failed | cancelled`; `interrupted` when a
/// crash stopped it (found at the next start; rerunnable from the failed step).
public enum RunState: String, Sendable, Codable, CaseIterable {
    case queued, running, succeeded, failed, cancelled, interrupted

    /// True while the run may still change.
    public var isActive: Bool { self == .queued || self == .running }
}

/// Lifecycle of a step: `queued → running → succeeded | failed | skipped | cancelled`.
public enum StepState: String, Sendable, Codable, CaseIterable {
    case queued, running, succeeded, failed, skipped, cancelled

    /// True once the step can no longer change.
    public var isFinished: Bool { !(self == .queued || self == .running) }
}

/// Why a run started.
public enum RunTrigger: String, Sendable, Codable {
    case schedule, startup, manual, rerun, backfill
}

/// The three kinds of step in a run.
public enum StepKind: String, Sendable, Codable {
    /// Extract a source and load it into its table.
    case load
    /// Build a SQL model.
    case model
    /// Evaluate a data check.
    case check
}

/// A persisted run of a pipeline.
public struct RunRecord: Sendable, Equatable, Identifiable {
    /// Sequential id, what users type (`rerun 42`).
    public var id: Int64
    /// Pipeline name.
    public var pipeline: String
    /// Current state.
    public var state: RunState
    /// Why it started.
    public var trigger: RunTrigger
    /// Slack user id or `cli`/`scheduler`.
    public var requestedBy: String
    /// The run this one reruns, if any.
    public var rerunOf: Int64?
    /// Backfill days (`YYYY-MM-DD`), if a backfill.
    public var backfillDays: [String]?
    /// A full refresh: its loads read every source row and rebuild their tables (a rerun of it is one too).
    public var fullRefresh: Bool
    /// When it was created.
    public var createdAt: Date
    /// When its first step started.
    public var startedAt: Date?
    /// When it finished.
    public var finishedAt: Date?
    /// Why it failed, in one line.
    public var error: String?

    /// Creates a run record.
    public init(
        id: Int64, pipeline: String, state: RunState, trigger: RunTrigger, requestedBy: String,
        rerunOf: Int64? = nil, backfillDays: [String]? = nil, createdAt: Date, startedAt: Date? = nil,
        finishedAt: Date? = nil, error: String? = nil, fullRefresh: Bool = false
    ) {
        self.id = id
        self.fullRefresh = fullRefresh
        self.pipeline = pipeline
        self.state = state
        self.trigger = trigger
        self.requestedBy = requestedBy
        self.rerunOf = rerunOf
        self.backfillDays = backfillDays
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
    }

    /// Wall time from start to finish, when both are known.
    public var duration: TimeInterval? {
        guard let startedAt, let finishedAt else { return nil }
        return finishedAt.timeIntervalSince(startedAt)
    }
}

/// A persisted step of a run.
public struct StepRecord: Sendable, Equatable {
    /// The run it belongs to.
    public var runID: Int64
    /// Unique in the run: `load:orders`, `model:mart.daily_sales`, `check:not_null_stg_orders_order_id`.
    public var stepID: String
    /// Load, model or check.
    public var kind: StepKind
    /// Ids of the steps it waits for.
    public var dependsOn: [String]
    /// Current state.
    public var state: StepState
    /// When it started.
    public var startedAt: Date?
    /// When it finished.
    public var finishedAt: Date?
    /// Rows loaded, built or found failing.
    public var rows: Int64?
    /// Bytes processed by warehouse jobs.
    public var bytesProcessed: Int64
    /// Bytes billed by warehouse jobs.
    public var bytesBilled: Int64
    /// One-line outcome (check results, bad-record counts), when there is something to say.
    public var detail: String?
    /// The error, when it failed.
    public var error: String?
    /// A check step's verdict (pass, warn, fail) once it ran; nil for loads, models, checks that
    /// could not run and steps kept from an earlier run.
    public var checkStatus: CheckStatus?

    /// Creates a step record.
    public init(
        runID: Int64, stepID: String, kind: StepKind, dependsOn: [String], state: StepState = .queued,
        startedAt: Date? = nil, finishedAt: Date? = nil, rows: Int64? = nil, bytesProcessed: Int64 = 0,
        bytesBilled: Int64 = 0, detail: String? = nil, error: String? = nil, checkStatus: CheckStatus? = nil
    ) {
        self.runID = runID
        self.stepID = stepID
        self.kind = kind
        self.dependsOn = dependsOn
        self.state = state
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.rows = rows
        self.bytesProcessed = bytesProcessed
        self.bytesBilled = bytesBilled
        self.detail = detail
        self.error = error
        self.checkStatus = checkStatus
    }

    /// Wall time from start to finish, when both are known.
    public var duration: TimeInterval? {
        guard let startedAt, let finishedAt else { return nil }
        return finishedAt.timeIntervalSince(startedAt)
    }

    /// True for a check that ran and found an irregularity worth a warning.
    public var warned: Bool { checkStatus == .warn }
}
