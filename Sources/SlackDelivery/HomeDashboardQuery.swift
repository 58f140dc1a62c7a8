import Foundation
import SluiceCore
import StateStore

/// What the App Home dashboard depends on, cheap to read: when it changes, the dashboard may differ.
struct HomeChangeMarker: Sendable, Equatable {
    var newestRun: Int64?
    var runStates: [Int64: RunState]
    var alerts: [String]
    var mutes: [String]
}

/// Reads the App Home dashboard from the state store (never the warehouse, so opening Home is
/// cheap): every pipeline's last and next run, the verdict each freshness check recorded, open
/// alerts, active mutes and the month's spend by `CostLedger`'s rule; and the change marker.
enum HomeDashboardQuery {
    /// Most open alerts read for the dashboard and for change detection.
    static let alertLimit = 1000
    /// How many recent runs of a pipeline are searched for each freshness check's latest result.
    static let freshnessLookback = 10

    /// The dashboard at `now`, its change marker, and the runs still active (watched for changes).
    static func read(
        _ reader: any StateReader, manifest: Manifest, now: Date
    ) throws -> (dashboard: HomeView.Dashboard, marker: HomeChangeMarker, watched: Set<Int64>) {
        var lines: [HomeView.PipelineLine] = []
        var freshness: [HomeView.FreshnessLine] = []
        for pipeline in manifest.pipelines {
            lines.append(HomeView.PipelineLine(
                pipeline: pipeline.name, owners: manifest.owners(for: pipeline.name),
                lastRun: try reader.runs(pipeline: pipeline.name, limit: 1).first,
                nextRun: pipeline.schedule?.nextFire(after: now, in: manifest.timeZone)))
            freshness += try recordedFreshness(of: pipeline, reader)
        }
        let monthStart = CostLedger.startOfMonth(now, in: manifest.timeZone)
        let ledger = CostLedger(
            runs: try reader.runFigures(since: monthStart), pricePerTiB: manifest.cost.pricePerTiB, timeZone: manifest.timeZone)
        let watched = Set(lines.compactMap(\.lastRun).filter(\.state.isActive).map(\.id))
        let dashboard = HomeView.Dashboard(
            pipelines: lines, freshness: freshness,
            alerts: try reader.alerts(status: [.open, .acknowledged], limit: alertLimit),
            mutes: try reader.activeMutes(at: now),
            cost: HomeView.MonthCost(
                month: String(Days.string(now, in: manifest.timeZone).prefix(7)), spend: ledger.spend(from: monthStart),
                pricePerTiB: manifest.cost.pricePerTiB, isBilled: manifest.warehouse.bills))
        return (dashboard, try marker(reader, watched: watched, now: now), watched)
    }

    /// The change marker: the newest run, the state of the runs that were active, open alerts, mutes.
    static func marker(_ reader: any StateReader, watched: Set<Int64>, now: Date) throws -> HomeChangeMarker {
        let newest = try reader.runs(pipeline: nil, limit: 1).first
        var states: [Int64: RunState] = [:]
        for id in watched {
            states[id] = try reader.run(id: id)?.state
        }
        if let newest { states[newest.id] = newest.state }
        let alerts = try reader.alerts(status: [.open, .acknowledged], limit: alertLimit).map { alert in
            "\(alert.id)/\(alert.status.rawValue)/\(alert.occurrences)/\(alert.acknowledgedBy ?? "")"
        }
        let mutes = try reader.activeMutes(at: now).map { "\($0.id)/\($0.endsAt.timeIntervalSince1970)" }
        return HomeChangeMarker(newestRun: newest?.id, runStates: states, alerts: alerts, mutes: mutes)
    }

    /// Each freshness check's latest recorded verdict, searching the pipeline's recent runs (a rerun
    /// keeps checks it did not execute; a skipped check has no result).
    private static func recordedFreshness(of pipeline: Pipeline, _ reader: any StateReader) throws -> [HomeView.FreshnessLine] {
        let checks: [(name: String, table: TableName)] = pipeline.checks.compactMap { check in
            FreshnessRule(check, pipeline: pipeline.name).map { (check.name, $0.table) }
        }
        guard !checks.isEmpty else { return [] }
        var found: [String: HomeView.FreshnessLine] = [:]
        for run in try reader.runs(pipeline: pipeline.name, limit: freshnessLookback) where found.count < checks.count {
            let steps = try reader.steps(runID: run.id)
            for check in checks where found[check.name] == nil {
                guard let step = steps.first(where: { $0.stepID == RunPlan.checkStepID(check.name) }),
                      let finishedAt = step.finishedAt, step.state == .succeeded || step.state == .failed
                else { continue }
                found[check.name] = HomeView.FreshnessLine(
                    table: check.table.description, pipeline: pipeline.name, verdict: FreshnessVerdict(recorded: step.checkStatus),
                    summary: step.error ?? step.detail ?? step.state.rawValue, runID: run.id, checkedAt: finishedAt)
            }
        }
        return checks.map { found[$0.name] ?? HomeView.FreshnessLine(table: $0.table.description, pipeline: pipeline.name, verdict: nil) }
    }
}
