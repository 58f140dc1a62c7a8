import Foundation

/// Lifecycle of a backfill: `queued → running → succeeded | failed | cancelled`. A failed or
/// cancelled backfill resumes from its first unfinished day; so does one left `running` by a
/// process that no longer exists (a crash).
public enum BackfillState: String, Sendable, Codable, CaseIterable {
    case queued, running, succeeded, failed, cancelled

    /// True while a process may still be working on it.
    public var isActive: Bool { self == .queued || self == .running }

    /// True when it stopped before its last day and may be resumed.
    public var isResumable: Bool { self == .failed || self == .cancelled }
}

/// A persisted backfill: a range of days of one pipeline, replaced one day (one run) at a time.
public struct BackfillRecord: Sendable, Equatable, Identifiable {
    /// Sequential id, shown to people (`backfill 3`).
    public var id: Int64
    /// Pipeline name.
    public var pipeline: String
    /// Every day of the backfill (`YYYY-MM-DD`), oldest first.
    public var days: [String]
    /// Days whose run succeeded, in the order they finished.
    public var completedDays: [String]
    /// The day being replaced now, if any.
    public var currentDay: String?
    /// Current state.
    public var state: BackfillState
    /// Slack user id of whoever confirmed it (or resumed it last).
    public var requestedBy: String
    /// Channel (name or id) of its progress message.
    public var channel: String
    /// Outbox id of the progress message, which is posted once and then only edited.
    public var progressOutboxID: Int64?
    /// Ids of the runs it started, one per day attempted.
    public var runIDs: [Int64]
    /// Who pressed Cancel while it ran; it stops before its next day.
    public var cancelRequestedBy: String?
    /// The process executing it (`"<id> <host> <pid> <instance>"`), to tell a crash from a live backfill.
    public var owner: String?
    /// Why it failed, in one line.
    public var error: String?
    /// When it was first confirmed.
    public var createdAt: Date
    /// When it last started (or resumed) running.
    public var startedAt: Date?
    /// When it last stopped: finished, failed or cancelled.
    public var finishedAt: Date?
    /// When the record last changed.
    public var updatedAt: Date

    /// Creates a backfill record.
    public init(
        id: Int64 = 0, pipeline: String, days: [String], completedDays: [String] = [], currentDay: String? = nil,
        state: BackfillState = .queued, requestedBy: String, channel: String, progressOutboxID: Int64? = nil,
        runIDs: [Int64] = [], cancelRequestedBy: String? = nil, owner: String? = nil, error: String? = nil,
        createdAt: Date, startedAt: Date? = nil, finishedAt: Date? = nil, updatedAt: Date? = nil
    ) {
        self.id = id
        self.pipeline = pipeline
        self.days = days
        self.completedDays = completedDays
        self.currentDay = currentDay
        self.state = state
        self.requestedBy = requestedBy
        self.channel = channel
        self.progressOutboxID = progressOutboxID
        self.runIDs = runIDs
        self.cancelRequestedBy = cancelRequestedBy
        self.owner = owner
        self.error = error
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.updatedAt = updatedAt ?? createdAt
    }

    /// Days not replaced yet, oldest first.
    public var remainingDays: [String] {
        let done = Set(completedDays)
        return days.filter { !done.contains($0) }
    }

    /// The first unfinished day: where the backfill continues.
    public var nextDay: String? { remainingDays.first }
}
