import Foundation

/// The preview of a backfill: which days run, what is replaced and rebuilt, and what it will cost
/// (one day's billed jobs — rebuilt models and checks — × the days left, priced at
/// `cost.price_per_tib`), with the share of `cost.daily_budget` that uses.
public struct BackfillPlan: Sendable, Equatable {
    /// Pipeline name.
    public var pipeline: String
    /// Every day asked for, oldest first.
    public var days: [String]
    /// The days that will run: every day, or the unfinished ones of the backfill being resumed.
    public var remainingDays: [String]
    /// The stopped backfill this one continues, if any.
    public var resuming: BackfillRecord?
    /// Loads replaced, models rebuilt, checks run.
    public var scope: BackfillScope
    /// What one day's billed jobs (the rebuilt models and the checks that query, see `PlannedJobs`)
    /// are estimated to bill, in run order.
    public var jobs: [JobEstimate]
    /// Estimated bytes billed for the whole backfill.
    public var estimatedBytes: Int64
    /// Estimated dollars for the whole backfill.
    public var estimatedDollars: Double
    /// The manifest's price per TiB.
    public var pricePerTiB: Double
    /// The manifest's daily budget, if any.
    public var dailyBudget: Double?
    /// True when the warehouse bills nothing (SQLite): the figures are what BigQuery would bill.
    public var simulated: Bool

    /// Builds the plan from the estimates of one day's billed jobs (`PlannedJobs.of(_:dialect:backfill:)`),
    /// each billed once per day left.
    public init(
        pipeline: Pipeline, days: [String], resuming: BackfillRecord?, jobs: [JobEstimate], cost: CostConfig, simulated: Bool
    ) {
        let remaining = resuming?.remainingDays ?? days
        let (total, overflow) = JobEstimate.totalBytes(jobs).multipliedReportingOverflow(by: Int64(remaining.count))
        let bytes = overflow ? Int64.max : total
        self.pipeline = pipeline.name
        self.days = days
        self.remainingDays = remaining
        self.resuming = resuming
        self.scope = BackfillScope(pipeline: pipeline)
        self.jobs = jobs
        self.estimatedBytes = bytes
        self.estimatedDollars = CostModel.dollars(bytes: bytes, pricePerTiB: cost.pricePerTiB)
        self.pricePerTiB = cost.pricePerTiB
        self.dailyBudget = cost.dailyBudget
        self.simulated = simulated
    }

    /// What one day's jobs of `kind` are estimated to bill.
    public func bytesPerDay(of kind: JobEstimate.Kind) -> Int64 {
        JobEstimate.totalBytes(jobs.filter { $0.kind == kind })
    }

    /// Why part of the estimate is a guess, when the warehouse could not estimate some jobs (they
    /// count at BigQuery's minimum): how many, and the first reason.
    public var estimateError: String? {
        let unestimated = jobs.filter { $0.bytesProcessed == nil }
        guard let first = unestimated.first else { return nil }
        return "\(unestimated.count) of \(jobs.count) jobs could not be estimated and count at BigQuery's minimum: "
            + "`\(first.name)`: \(first.problem ?? "no figure")"
    }

    /// The share of the daily budget the estimate uses (0.25 = a quarter), when a budget is set.
    public var budgetShare: Double? {
        guard let dailyBudget, dailyBudget > 0 else { return nil }
        return estimatedDollars / dailyBudget
    }
}
