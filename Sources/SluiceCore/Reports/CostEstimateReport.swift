import Foundation

/// What the next run of a pipeline would bill, per model, from the warehouse's estimate of the bytes
/// each model processes (BigQuery: a dry run; SQLite: the referenced tables' sizes), with BigQuery's
/// billing floor applied, against `cost.maximum_bytes_billed` and `cost.daily_budget`. Pure.
public struct CostEstimateReport: Sendable, Equatable {
    /// One model's estimate.
    public struct ModelEstimate: Sendable, Equatable {
        /// The table the model builds.
        public var model: TableName
        /// Distinct tables its SQL reads.
        public var referencedTables: Int
        /// Bytes the warehouse estimates it processes; nil when it could not estimate.
        public var bytesProcessed: Int64?
        /// Why the warehouse could not estimate, when it could not.
        public var problem: String?

        /// Creates a model's estimate.
        public init(model: TableName, referencedTables: Int, bytesProcessed: Int64?, problem: String? = nil) {
            self.model = model
            self.referencedTables = referencedTables
            self.bytesProcessed = bytesProcessed
            self.problem = problem
        }

        /// Bytes billed: `CostModel.billedEstimate` of the processed bytes (0 when unknown).
        public var bytesBilled: Int64 {
            bytesProcessed.map { CostModel.billedEstimate(bytesProcessed: $0, referencedTables: referencedTables) } ?? 0
        }

        /// True when the billing floor (10 MiB per referenced table) raised the figure.
        public var raisedToMinimum: Bool {
            bytesProcessed.map { bytesBilled > $0 } ?? false
        }
    }

    /// The pipeline.
    public var pipeline: String
    /// Per model, in the order given.
    public var models: [ModelEstimate]
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
        pipeline: String, models: [ModelEstimate], pricePerTiB: Double, maximumBytesBilled: Int64?, dailyBudget: Double?,
        runsPerDay: Int, fromTableSizes: Bool
    ) {
        self.pipeline = pipeline
        self.models = models
        self.pricePerTiB = pricePerTiB
        self.maximumBytesBilled = maximumBytesBilled
        self.dailyBudget = dailyBudget
        self.runsPerDay = runsPerDay
        self.fromTableSizes = fromTableSizes
    }

    /// Total bytes billed by the run's models.
    public var bytesBilled: Int64 {
        models.reduce(0) { total, model in
            let (sum, overflow) = total.addingReportingOverflow(model.bytesBilled)
            return overflow ? Int64.max : sum
        }
    }

    /// Dollars for `bytesBilled`.
    public var dollars: Double { CostModel.dollars(bytes: bytesBilled, pricePerTiB: pricePerTiB) }

    /// Dollars a day at the schedule: `runsPerDay × dollars`.
    public var dailyDollars: Double { Double(runsPerDay) * dollars }

    /// Models whose job would exceed `maximumBytesBilled` (BigQuery would refuse them).
    public var overMaximum: [ModelEstimate] {
        guard let maximumBytesBilled else { return [] }
        return models.filter { $0.bytesBilled > maximumBytesBilled }
    }

    /// Models the warehouse could not estimate.
    public var unestimated: [ModelEstimate] {
        models.filter { $0.bytesProcessed == nil }
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
