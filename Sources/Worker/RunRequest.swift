import Foundation
import SluiceCore

/// A request to run a pipeline: now, again from a failed step, or for a range of days.
public struct RunRequest: Sendable, Equatable {
    /// Pipeline name.
    public var pipeline: String
    /// Why.
    public var trigger: RunTrigger
    /// Slack user id, `cli` or `scheduler`.
    public var requestedBy: String
    /// For a rerun: the earlier run.
    public var rerunOf: Int64?
    /// For a rerun: every step instead of only the failed ones and their downstream.
    public var rerunAll: Bool
    /// For a backfill: the days whose partitions are replaced.
    public var backfillDays: [String]?
    /// An operator confirmed the run despite its cost estimate (skips `CostGuard`).
    public var costConfirmed: Bool
    /// Forget the pipeline's watermarks and read-file records and rebuild every table and model from
    /// the sources (`--full-refresh`). A rerun of a full-refresh run is one too.
    public var fullRefresh: Bool

    /// Creates a run request.
    public init(
        pipeline: String, trigger: RunTrigger, requestedBy: String, rerunOf: Int64? = nil, rerunAll: Bool = false,
        backfillDays: [String]? = nil, costConfirmed: Bool = false, fullRefresh: Bool = false
    ) {
        self.fullRefresh = fullRefresh
        self.pipeline = pipeline
        self.trigger = trigger
        self.requestedBy = requestedBy
        self.rerunOf = rerunOf
        self.rerunAll = rerunAll
        self.backfillDays = backfillDays
        self.costConfirmed = costConfirmed
    }
}

/// Why a run could not start, in the user's terms.
public struct RunError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong and what to do.
    public var message: String

    /// Creates a run error.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
