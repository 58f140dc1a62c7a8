import Foundation

/// What the next run of a pipeline would bill, per billed job (models, merges, checks: see
/// `PlannedJobs`), from the warehouse's estimate of the bytes each job processes (BigQuery: a dry
/// run; SQLite: the referenced tables' sizes), with BigQuery's billing floor applied, against
/// `cost.maximum_bytes_billed` and `cost.daily_budget`. Pure.
public struct CostEstimateReport: Sendable, Equatable {
    /// The pipeline.
    public var pipeline: String
    /// Per job, in run order.
    public var jobs: [JobEstimate]
    /// Dollars per TiB.
    public var pricePerTiB: Double
    /// `cost.maximum_bytes_billed`: the cap on each query job, when set.
    public var maximumBytesBilled: Int64?
    /// `cost.daily_budget`, when set.
    public var dailyBudget: Double?
    /// Runs a day at the pipeline's schedule (0 without one).
    public var runsPerDay: Int
    /// True when the figures come from table sizes (the SQLite warehouse), not BigQuery dry runs.
    public var fromTableSizes: Bool

    /// Creates the report.
    public init(
        pipeline: String, jobs: [JobEstimate], pricePerTiB: Double, maximumBytesBilled: Int64?, dailyBudget: Double?,
        runsPerDay: Int, fromTableSizes: Bool
    ) {
        self.pipeline = pipeline
        self.jobs = jobs
        self.pricePerTiB = pricePerTiB
        self.maximumBytesBilled = maximumBytesBilled
        self.dailyBudget = dailyBudget
        self.runsPerDay = runsPerDay
        self.fromTableSizes = fromTableSizes
    }

    /// Total bytes billed by the run's jobs.
    public var bytesBilled: Int64 { JobEstimate.totalBytes(jobs) }

    /// Dollars for `bytesBilled`.
    public var dollars: Double { CostModel.dollars(bytes: bytesBilled, pricePerTiB: pricePerTiB) }

    /// Dollars a day at the schedule: `runsPerDay × dollars`.
    public var dailyDollars: Double { Double(runsPerDay) * dollars }

    /// Jobs that would exceed `maximumBytesBilled` (BigQuery would refuse them).
    public var overMaximum: [JobEstimate] {
        guard let maximumBytesBilled else { return [] }
        return jobs.filter { $0.bytesBilled > maximumBytesBilled }
    }

    /// Jobs the warehouse could not estimate.
    public var unestimated: [JobEstimate] {
        jobs.filter { $0.bytesProcessed == nil }
    }

    /// How many jobs of each kind, in the order models, merges, checks (kinds without jobs left out).
    public var kindCounts: [(kind: JobEstimate.Kind, count: Int)] {
        [JobEstimate.Kind.model, .merge, .check].map { kind in (kind, jobs.filter { $0.kind == kind }.count) }.filter { $0.count > 0 }
    }

    /// The share of the daily budget one run uses; nil without a (positive) budget.
    public var runShareOfBudget: Double? {
        guard let dailyBudget, dailyBudget > 0 else { return nil }
        return dollars / dailyBudget
    }

    /// The share of the daily budget a day of scheduled runs uses; nil without a budget or a schedule.
    public var dailyShareOfBudget: Double? {
        guard let dailyBudget, dailyBudget > 0, runsPerDay > 0 else { return nil }
        return dailyDollars / dailyBudget
    }
}
