import Foundation
import Logging
import SluiceCore
import StateStore
import Warehouse

/// Executes one step of a run against the warehouse: extract+load, transform, or check. It never
/// throws: every failure becomes a failed `StepResult` with a message in the user's terms.
struct StepRunner: Sendable {
    let manifest: Manifest
    let pipeline: Pipeline
    let state: any StateStore
    let warehouse: any Warehouse
    let clock: any WallClock
    let runID: Int64
    let backfillDays: [String]?
    /// A full refresh: loads read every source row and rebuild their tables; incremental models are
    /// rebuilt from scratch.
    let fullRefresh: Bool

    /// Runs the step; its error and alert text never carry a secret (the manifest's redaction), since
    /// they are stored, posted and logged.
    func execute(_ stepID: String) async -> StepResult {
        var result = await perform(stepID)
        result.error = result.error.map(manifest.redact)
        result.detail = result.detail.map(manifest.redact)
        if var observation = result.observation {
            observation.title = manifest.redact(observation.title)
            observation.detail = manifest.redact(observation.detail)
            result.observation = observation
        }
        return result
    }

    private func perform(_ stepID: String) async -> StepResult {
        let context = JobContext(pipeline: pipeline.name, runID: runID, stepID: stepID)
        if let load = pipeline.loads.first(where: { RunPlan.loadStepID($0.table) == stepID }) {
            return await runLoad(load, context: context)
        }
        if let model = pipeline.models.first(where: { RunPlan.modelStepID($0.name) == stepID }) {
            return await runModel(model, context: context)
        }
        if let check = pipeline.checks.first(where: { RunPlan.checkStepID($0.name) == stepID }) {
            return await runCheck(check, context: context)
        }
        return StepResult(state: .failed, error: "step \(stepID) is not in the manifest any more; run the pipeline again")
    }

    // MARK: Loads

    private func runLoad(_ load: Load, context: JobContext) async -> StepResult {
        let stepID = context.stepID
        do {
            guard let source = pipeline.source(named: load.source) else {
                throw WarehouseError("source \(load.source) is not in the manifest")
            }
            var result = try await LoadStep(
                manifest: manifest, pipeline: pipeline, state: state, warehouse: warehouse, backfillDays: backfillDays,
                fullRefresh: fullRefresh
            ).run(load, source: source, context: context)
            result.observation = observation(stepID, table: load.table, failure: nil)
            return result
        } catch {
            let message = (error as? WarehouseError)?.description ?? "load of \(load.source) into \(load.table) failed: \(error)"
            return StepResult(state: .failed, error: message, observation: observation(stepID, table: load.table, failure: message))
        }
    }

    // MARK: Models

    private func runModel(_ model: Model, context: JobContext) async -> StepResult {
        do {
            // A full refresh rebuilds an incremental model from its whole query, as its first build did.
            var built = model
            if fullRefresh, case .incremental = model.materialized { built.materialized = .table }
            let stats = try await warehouse.materialize(built, context: context)
            let kind: String = switch model.materialized {
            case .table: "table"
            case .view: "view"
            case .incremental: "incremental"
            }
            return StepResult(
                state: .succeeded, rows: stats.rows, stats: stats,
                detail: "\(kind) \(stats.rows.map(Format.rows) ?? "built")",
                observation: observation(context.stepID, table: model.name, failure: nil))
        } catch {
            let message = (error as? WarehouseError)?.description ?? "model \(model.name) (\(model.sqlPath)) failed: \(error)"
            return StepResult(state: .failed, error: message, observation: observation(context.stepID, table: model.name, failure: message))
        }
    }

    // MARK: Checks

    private func runCheck(_ check: Check, context: JobContext) async -> StepResult {
        if let missing = await missingColumns(of: check) { return missing }
        do {
            var counts: (table: String, counts: [DayCount])?
            let outcome: CheckOutcome
            let stats: JobStats
            switch check.kind {
            case .freshness:
                guard let rule = FreshnessRule(check, pipeline: pipeline.name) else { throw WarehouseError("not a freshness check") }
                let facts = try await warehouse.freshness(of: rule.table, loadedAt: rule.source.column, context: context)
                let newest = rule.source.column == nil ? facts.lastModified : facts.newestLoadedAt
                outcome = FreshnessEvaluator.evaluate(rule: rule, newest: newest, now: clock.now)
                stats = facts.stats
            case let .sourceFreshness(name, _, _):
                guard let rule = SourceFreshnessRule(check, pipeline: pipeline.name), let source = pipeline.source(named: name) else {
                    throw WarehouseError("source \(name) is not in the manifest")
                }
                let newest = try await SourceFreshnessProbe(manifest: manifest, logger: Logger(label: "sluice.freshness")).newest(of: source)
                outcome = FreshnessEvaluator.evaluate(rule: rule, newest: newest, now: clock.now)
                stats = JobStats()
            case let .volume(table, settings):
                let (verdict, recorded, billed) = try await volumeVerdict(table: table, settings: settings, context: context)
                counts = recorded
                outcome = FreshnessEvaluator.volumeOutcome(verdict: verdict, check: check)
                stats = billed
            default:
                guard let sql = CheckSQL.failingRowsQuery(for: check, dialect: warehouse.dialect) else {
                    throw WarehouseError("check \(check.name) has no SQL form")
                }
                let result = try await warehouse.query(sql, limit: 5, context: context)
                outcome = CheckSQL.outcome(
                    for: check, failingRows: result.totalRows, columns: result.columns, rows: result.rows, sql: sql)
                stats = result.stats
            }
            return result(of: check, outcome: outcome, counts: counts, stats: stats)
        } catch {
            let message = "check \(check.name) could not run: \(error)"
            return StepResult(
                state: .failed, error: message,
                observation: AlertObservation(
                    pipeline: pipeline.name, check: check.name, table: check.table?.description, failing: .error,
                    title: message, runID: runID))
        }
    }

    /// A failed result when the check names columns its tables do not have (see `CheckColumns`):
    /// `table raw.sales has no column 'idd' (its columns: …; did you mean 'id'?)`. Nil when every
    /// named column exists, or its table is not built yet (the check itself then says so).
    private func missingColumns(of check: Check) async -> StepResult? {
        var columns: [TableName: [String]] = [:]
        let message: String
        do {
            for table in CheckColumns.tables(of: check) { columns[table] = try await warehouse.columns(of: table) }
            let missing = CheckColumns.missing(in: check, columns: columns)
            guard !missing.isEmpty else { return nil }
            message = missing.map(\.message).joined(separator: "; ")
        } catch {
            message = "check \(check.name) could not run: \(error)"
        }
        let observation = AlertObservation(
            pipeline: pipeline.name, check: check.name, table: check.table?.description, failing: .error, title: message, runID: runID)
        return StepResult(state: .failed, error: message, checkStatus: .fail, observation: observation)
    }

    private func result(
        of check: Check, outcome: CheckOutcome, counts: (table: String, counts: [DayCount])?, stats: JobStats
    ) -> StepResult {
        let failing: AlertSeverity? = switch outcome.status {
        case .pass: nil
        case .warn: .warning
        case .fail: .error
        }
        let observation = AlertObservation(
            pipeline: pipeline.name, check: check.name, table: check.table?.description, failing: failing,
            title: outcome.summary, detail: outcome.sample.isEmpty ? "" : "\(Format.count(outcome.failingRows)) failing rows",
            sql: outcome.sql, sample: outcome.sample, runID: runID)
        let failed = outcome.status == .fail
        return StepResult(
            state: failed ? .failed : .succeeded, rows: outcome.failingRows, stats: stats, detail: failed ? nil : outcome.summary,
            error: failed ? outcome.summary : nil, checkStatus: outcome.status, observation: observation, dailyCounts: counts)
    }

    /// Daily counts come from the warehouse (by the date column, the table's partition column, or
    /// the total once a day) and are merged into the recorded history, which `VolumeJudgement` judges.
    /// Also returns what counting them billed.
    private func volumeVerdict(
        table: TableName, settings: VolumeSettings, context: JobContext
    ) async throws -> (VolumeVerdict, (table: String, counts: [DayCount]), JobStats) {
        let judgement = VolumeJudgement(check: settings, table: table, in: pipeline)
        let today = Days.string(clock.now, in: manifest.timeZone)
        let since = judgement.historyStart(today: today)
        let counted = try await warehouse.rowsPerDay(of: table, column: judgement.basis.column, since: since, context: context)
        let fresh = counted.days
        let recorded = try await state.read { try $0.dailyCounts(table: table.description, since: since) }
        var merged = Dictionary(recorded.map { ($0.day, $0.rows) }, uniquingKeysWith: { _, new in new })
        for count in fresh { merged[count.day] = count.rows }
        let history = merged.map { DayCount(day: $0.key, rows: $0.value) }.sorted { $0.day < $1.day }
        let verdict = judgement.verdict(today: today, history: history)
            ?? .insufficientHistory(points: 0, needed: VolumeAnomalyDetector.minimumPoints)
        return (verdict, (table.description, fresh), counted.stats)
    }

    private func observation(_ stepID: String, table: TableName, failure: String?) -> AlertObservation {
        AlertObservation(
            pipeline: pipeline.name, check: stepID, table: table.description, failing: failure == nil ? nil : .error,
            title: failure ?? "\(stepID) succeeded", detail: failure ?? "", runID: runID)
    }
}
