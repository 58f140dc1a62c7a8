import Foundation

/// A model's estimated bytes for one day of a backfill.
public struct ModelEstimate: Sendable, Equatable {
    /// The model.
    public var model: TableName
    /// Bytes one rebuild would be billed (BigQuery's minimum per referenced table included).
    public var bytesPerDay: Int64

    /// Creates a model estimate.
    public init(model: TableName, bytesPerDay: Int64) {
        self.model = model
        self.bytesPerDay = bytesPerDay
    }
}

/// The preview of a backfill: which days run, what is replaced and rebuilt, and what it will cost
/// (the models' per-run estimates × the days left, priced at `cost.price_per_tib`), with the share
/// of `cost.daily_budget` that uses.
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
    /// Per-model estimates, in run order (empty when the estimate failed).
    public var estimates: [ModelEstimate]
    /// Why there is no estimate, when the warehouse could not give one.
    public var estimateError: String?
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

    /// Builds the plan. `processedBytes` holds each rebuilt model's estimated bytes for one run
    /// (`Warehouse.estimateBytes`); a view costs nothing to rebuild.
    public init(
        pipeline: Pipeline, days: [String], resuming: BackfillRecord?, processedBytes: [TableName: Int64],
        estimateError: String? = nil, cost: CostConfig, simulated: Bool
    ) {
        let scope = BackfillScope(pipeline: pipeline)
        let remaining = resuming?.remainingDays ?? days
        let estimates: [ModelEstimate] = estimateError != nil ? [] : scope.rebuiltModels.map { model in
            let processed = processedBytes[model.name] ?? 0
            let billed = model.materialized == .view
                ? 0 : CostModel.billedEstimate(bytesProcessed: processed, referencedTables: model.dependencies.count)
            return ModelEstimate(model: model.name, bytesPerDay: billed)
        }
        let perDay = estimates.reduce(Int64(0)) { sum, estimate in
            let (added, overflow) = sum.addingReportingOverflow(estimate.bytesPerDay)
            return overflow ? Int64.max : added
        }
        let (total, overflow) = perDay.multipliedReportingOverflow(by: Int64(remaining.count))
        let bytes = overflow ? Int64.max : total
        self.pipeline = pipeline.name
        self.days = days
        self.remainingDays = remaining
        self.resuming = resuming
        self.scope = scope
        self.estimateError = estimateError
        self.estimates = estimates
        self.estimatedBytes = bytes
        self.estimatedDollars = CostModel.dollars(bytes: bytes, pricePerTiB: cost.pricePerTiB)
        self.pricePerTiB = cost.pricePerTiB
        self.dailyBudget = cost.dailyBudget
        self.simulated = simulated
    }

    /// The share of the daily budget the estimate uses (0.25 = a quarter), when a budget is set.
    public var budgetShare: Double? {
        guard let dailyBudget, dailyBudget > 0, estimateError == nil else { return nil }
        return estimatedDollars / dailyBudget
    }
}
