import Foundation
import SluiceCore
import Warehouse

/// Estimates what a run's billed jobs (`PlannedJobs`) would bill, asking the warehouse about each
/// (BigQuery: dry runs and `tables.get`, which bill nothing). The cost guard, `/sluice cost
/// --estimate` and the backfill preview all estimate through it.
public struct JobEstimator: Sendable {
    /// Reasons of a failed estimate that concern that one job's query (a table the run has not
    /// built yet, SQL BigQuery rejects): the next jobs are still estimated.
    static let jobReasons: Set<String> = ["notFound", "invalidQuery", "invalid"]

    /// Where the jobs would run.
    public let warehouse: any Warehouse

    /// Creates an estimator.
    public init(warehouse: any Warehouse) {
        self.warehouse = warehouse
    }

    /// The billed jobs of the next run of `pipeline` (of one backfill day with `backfill`), estimated.
    public func estimate(_ pipeline: Pipeline, backfill: Bool = false) async -> [JobEstimate] {
        await estimate(PlannedJobs.of(pipeline, dialect: warehouse.dialect, backfill: backfill))
    }

    /// Each job's estimate, in the order given. A job the warehouse cannot estimate keeps the reason
    /// and counts at BigQuery's minimum (`JobEstimate`); a failure that is not about that job's own
    /// query (the warehouse unreachable, credentials refused) stops the estimates, and the jobs
    /// after it keep that reason untried, so an outage costs one failed request, not one per job.
    public func estimate(_ jobs: [PlannedJob]) async -> [JobEstimate] {
        var estimates: [JobEstimate] = []
        var stopped: String?
        for job in jobs {
            if let stopped {
                estimates.append(JobEstimate(job, bytesProcessed: nil, problem: "not estimated: \(stopped)"))
                continue
            }
            do {
                estimates.append(JobEstimate(job, bytesProcessed: try await warehouse.estimateBytes(of: job.query)))
            } catch {
                let warehouseError = error as? WarehouseError
                let problem = warehouseError?.description ?? "\(error)"
                estimates.append(JobEstimate(job, bytesProcessed: nil, problem: problem))
                if !(warehouseError?.reason.map(Self.jobReasons.contains) ?? false) {
                    stopped = "the estimate of `\(job.name)` failed first: \(problem)"
                }
            }
        }
        return estimates
    }
}
