import Foundation
import SluiceCore
import StateStore
import Warehouse

/// What the next run of a pipeline is expected to bill, and what was spent today.
public struct RunCostEstimate: Sendable, Equatable {
    /// Each billed job of the run (models, merges, checks), in run order, with BigQuery's 10 MiB
    /// minimum per referenced table and per query applied (dry run on BigQuery, referenced tables'
    /// sizes on SQLite).
    public var jobs: [JobEstimate]
    /// Sum over the jobs.
    public var totalBytes: Int64
    /// `totalBytes` at the manifest's price.
    public var dollars: Double
    /// Dollars billed today (the manifest's time zone) by every pipeline so far.
    public var spentToday: Double

    /// Creates an estimate.
    public init(jobs: [JobEstimate], totalBytes: Int64, dollars: Double, spentToday: Double) {
        self.jobs = jobs
        self.totalBytes = totalBytes
        self.dollars = dollars
        self.spentToday = spentToday
    }
}

/// A run refused before it started because one of its jobs is estimated over
/// `cost.maximum_bytes_billed` or its estimate would take today's spend over `cost.daily_budget`;
/// an operator can confirm it anyway.
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

/// Estimates a run's cost before it starts and refuses one over the manifest's limits:
/// `cost.maximum_bytes_billed` caps each job (BigQuery's `maximumBytesBilled`: a job over it fails),
/// so each job's estimate is compared with it; `cost.daily_budget` caps a day's spend, so the run's
/// total is compared with what is left of it today.
public struct CostGuard: Sendable {
    /// How many jobs over the cap a refusal names.
    static let namedJobs = 3

    /// The manifest (prices and limits).
    public let manifest: Manifest
    /// Where the jobs run.
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

    /// The estimate for the next run of `pipeline`: its billed jobs (`JobEstimator`; a job that
    /// cannot be estimated, such as one reading a table the run builds first, counts at BigQuery's
    /// minimum) and what every pipeline billed today, by `CostLedger`'s rule.
    public func estimate(_ pipeline: Pipeline) async throws -> RunCostEstimate {
        let jobs = await JobEstimator(warehouse: warehouse).estimate(pipeline)
        let total = JobEstimate.totalBytes(jobs)
        let midnight = CostLedger.startOfDay(clock.now, in: manifest.timeZone)
        let today = try await state.read { try $0.runFigures(since: midnight) }
        let price = manifest.cost.pricePerTiB
        let ledger = CostLedger(runs: today, pricePerTiB: price, timeZone: manifest.timeZone)
        return RunCostEstimate(
            jobs: jobs, totalBytes: total, dollars: CostModel.dollars(bytes: total, pricePerTiB: price),
            spentToday: ledger.spend(from: midnight).dollars)
    }

    /// Throws `CostRefusal` when a job's estimate is over `maximum_bytes_billed` (naming the jobs
    /// with both figures), or when today's spend plus the run's estimate is over `daily_budget`;
    /// returns the estimate otherwise. A run that exactly uses up the budget is allowed.
    @discardableResult
    public func check(_ pipeline: Pipeline) async throws -> RunCostEstimate {
        let estimate = try await estimate(pipeline)
        if let cap = manifest.cost.maximumBytesBilled {
            let over = estimate.jobs.filter { $0.bytesBilled > cap }
            if !over.isEmpty {
                let named = over.prefix(Self.namedJobs).map { "\($0.kind.rawValue) \($0.name) (\(Format.bytes($0.bytesBilled)))" }
                let more = over.count > Self.namedJobs ? " and \(over.count - Self.namedJobs) more" : ""
                throw CostRefusal(
                    pipeline: pipeline.name, estimate: estimate,
                    reason: "the estimate of \(named.joined(separator: ", "))\(more) is over cost.maximum_bytes_billed "
                        + "(\(Format.bytes(cap))), the cap on each job, so BigQuery would fail \(over.count == 1 ? "that job" : "those jobs")")
            }
        }
        if let budget = manifest.cost.dailyBudget, Self.microdollars(estimate.spentToday + estimate.dollars) > Self.microdollars(budget) {
            let left = max(budget - estimate.spentToday, 0)
            throw CostRefusal(
                pipeline: pipeline.name, estimate: estimate,
                reason: "its estimate of \(Format.dollars(estimate.dollars)) is over what is left of cost.daily_budget today: "
                    + "\(Format.dollars(left)) of \(Format.dollars(budget)), \(Format.dollars(estimate.spentToday)) spent so far")
        }
        return estimate
    }

    /// Dollars rounded to the millionth, so that sums of spend compare with the budget without
    /// floating-point noise.
    private static func microdollars(_ dollars: Double) -> Int64 {
        guard dollars.isFinite else { return dollars > 0 ? Int64.max : Int64.min }
        return Int64(max(min((dollars * 1_000_000).rounded(), 9.2e18), -9.2e18))
    }
}
