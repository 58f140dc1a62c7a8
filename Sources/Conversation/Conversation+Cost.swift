import Foundation
import SluiceCore
import StateStore
import Warehouse
import Worker

extension Conversation {
    /// `/sluice cost [PIPELINE] [today|7d|30d]`: bytes billed by the recorded runs in the window and
    /// the month's projection; with `estimate`, a dry run of the pipeline's next run per billed job.
    func cost(pipeline: String?, window: CostWindow, estimate: Bool) async throws -> CommandReply {
        let pipelines = pipeline.map { name in manifest.pipelines.filter { $0.name == name } } ?? manifest.pipelines
        let now = clock.now
        if estimate, let chosen = pipelines.first {
            return CommandReply(CostMessages.estimate(await costEstimate(of: chosen, now: now)))
        }
        let since = CostReport.windowStart(window, now: now, timeZone: manifest.timeZone)
        let names = Set(pipelines.map(\.name))
        let runs = try await state.read { reader in
            try reader.runFigures(since: since).map(\.run).filter { names.contains($0.pipeline) }
                .map { (run: $0, steps: try reader.steps(runID: $0.id)) }
        }
        let report = CostReport(
            window: window, now: now, timeZone: manifest.timeZone, pipelines: pipelines, runs: runs,
            pricePerTiB: manifest.cost.pricePerTiB, dailyBudget: manifest.cost.dailyBudget)
        var estimates: [CostEstimateReport] = []
        if !manifest.warehouse.bills {
            for chosen in pipelines { estimates.append(await costEstimate(of: chosen, now: now)) }
        }
        return CommandReply(CostMessages.cost(
            report, scope: pipeline, estimates: estimates, onSQLite: !manifest.warehouse.bills, timeZone: manifest.timeZone,
            commandName: commandName))
    }

    /// What the next run of `pipeline` would bill, per billed job (models, merges, checks) in run
    /// order, from the warehouse's estimates (a job it cannot estimate keeps the warehouse's reason).
    func costEstimate(of pipeline: Pipeline, now: Date) async -> CostEstimateReport {
        let jobs = await JobEstimator(warehouse: runner.warehouse).estimate(pipeline)
        return CostEstimateReport(
            pipeline: pipeline.name, jobs: jobs, pricePerTiB: manifest.cost.pricePerTiB,
            maximumBytesBilled: manifest.cost.maximumBytesBilled, dailyBudget: manifest.cost.dailyBudget,
            runsPerDay: CostReport.runsPerDay(pipeline.schedule, after: now, timeZone: manifest.timeZone),
            fromTableSizes: !manifest.warehouse.bills)
    }
}
