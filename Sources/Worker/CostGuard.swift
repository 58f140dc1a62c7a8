import Foundation
import SluiceCore
import StateStore
import Warehouse

/// What the next run of a pipeline is expected to bill, and what was spent today.
public struct RunCostEstimate: Sendable, Equatable {
    /// Estimated billed bytes per model (dry run on BigQuery, referenced tables' sizes on SQLite),
    /// with BigQuery's 10 MB minimum per referenced table.
    public var models: [(table: TableName, bytes: Int64)]
    /// Sum over the models.
    public var totalBytes: Int64
    /// `totalBytes` at the manifest's price.
    public var dollars: Double
    /// Dollars billed today (the manifest's time zone) by every pipeline so far.
    public var spentToday: Double

    /// Creates an estimate.
    public init(models: [(table: TableName, bytes: Int64)], totalBytes: Int64, dollars: Double, spentToday: Double) {
        self.models = models
        self.totalBytes = totalBytes
        self.dollars = dollars
        self.spentToday = spentToday
    }

    /// Compares field by field (tuples are not `Equatable`).
    public static func == (lhs: RunCostEstimate, rhs: RunCostEstimate) -> Bool {
        lhs.models.map(\.table) == rhs.models.map(\.table) && lhs.models.map(\.bytes) == rhs.models.map(\.bytes)
            && lhs.totalBytes == rhs.totalBytes && lhs.dollars == rhs.dollars && lhs.spentToday == rhs.spentToday
    }
}

/// A run refused before it started because its estimate breaks `cost.maximum_bytes_billed` or
/// `cost.daily_budget`; an operator can confirm it anyway.
public struct CostRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The pipeline.
    public var pipeline: String
    /// The figures.
    public var estimate: RunCostEstimate
    /// Which limit, with the numbers.
    public var reason: String

    /// Creates a refusal.
    public init(pipeline: String, estimate: RunCostEstimate, reason: String) {
        self.pipeline = pipeline
        self.estimate = estimate
        self.reason = reason
    }

    /// One sentence with the figures and what to do.
    public var description: String {
        "not starting \(pipeline): \(reason). An operator can start it anyway (`sluice run \(pipeline) --confirm-cost`, or the Run anyway button)."
    }
}

/// Estimates a run's cost before it starts and refuses one over the manifest's limits.
public struct CostGuard: Sendable {
    /// The manifest (prices and limits).
    public let manifest: Manifest
    /// Where the models run.
    public let warehouse: any Warehouse
    /// Recorded spend.
    public let state: any StateStore
    /// Time source ("today").
    public let clock: any WallClock

    /// Creates a guard.
    public init(manifest: Manifest, warehouse: any Warehouse, state: any StateStore, clock: any WallClock) {
        self.manifest = manifest
        self.warehouse = warehouse
        self.state = state
        self.clock = clock
    }

    /// The estimate for the next run of `pipeline`.
    public func estimate(_ pipeline: Pipeline) async throws -> RunCostEstimate {
        var models: [(table: TableName, bytes: Int64)] = []
        var estimating = true
        for model in pipeline.models {
            // A model that cannot be dry-run (its inputs do not exist before the first run, or the
            // warehouse is unreachable) counts at BigQuery's minimum for the tables it references;
            // after one failure the rest are not tried, and the run itself reports the real error.
            var processed: Int64 = 0
            if estimating {
                do {
                    processed = try await warehouse.estimateBytes(of: model)
                } catch {
                    estimating = false
                }
            }
            models.append((model.name, CostModel.billedEstimate(bytesProcessed: processed, referencedTables: model.dependencies.count)))
        }
        let total = models.reduce(Int64(0)) { $0 &+ $1.bytes }
        let midnight = CostLedger.startOfDay(clock.now, in: manifest.timeZone)
        let today = try await state.read { try $0.runFigures(since: midnight) }
        let price = manifest.cost.pricePerTiB
        let ledger = CostLedger(runs: today, pricePerTiB: price, timeZone: manifest.timeZone)
        return RunCostEstimate(
            models: models, totalBytes: total, dollars: CostModel.dollars(bytes: total, pricePerTiB: price),
            spentToday: ledger.spend(from: midnight).dollars)
    }

    /// Throws `CostRefusal` when the estimate is over `maximum_bytes_billed` or would take today's
    /// spend over `daily_budget`; returns the estimate otherwise.
    @discardableResult
    public func check(_ pipeline: Pipeline) async throws -> RunCostEstimate {
        let estimate = try await estimate(pipeline)
        if let cap = manifest.cost.maximumBytesBilled, estimate.totalBytes > cap {
            throw CostRefusal(
                pipeline: pipeline.name, estimate: estimate,
                reason: "its estimate of \(Format.bytes(estimate.totalBytes)) is over cost.maximum_bytes_billed (\(Format.bytes(cap)))")
        }
        if let budget = manifest.cost.dailyBudget, estimate.spentToday + estimate.dollars > budget {
            throw CostRefusal(
                pipeline: pipeline.name, estimate: estimate,
                reason: "\(Format.dollars(estimate.spentToday)) spent today plus its estimate of \(Format.dollars(estimate.dollars)) is over cost.daily_budget (\(Format.dollars(budget)))")
        }
        return estimate
    }
}
