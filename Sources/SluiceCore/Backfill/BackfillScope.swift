import Foundation

/// What one day of a backfill of a pipeline touches.
///
/// - Loads with `partition_by` have exactly the backfill's days replaced (BigQuery: `table$YYYYMMDD`
///   with `WRITE_TRUNCATE`; SQLite: delete those days and insert, in one transaction).
/// - Loads without `partition_by` are **not** reloaded: a backfill replaces partitions, and such a
///   table has none, so reloading it would replace (or re-merge) the whole table, which is what a
///   run does, not a backfill.
/// - Models downstream of a replaced table are rebuilt (on SQLite a table model is rebuilt whole,
///   which includes the affected days), and checks on anything replaced or rebuilt run.
/// - Every other step is kept as it is: it is recorded as succeeded without running.
public struct BackfillScope: Sendable, Equatable {
    /// Loads whose partitions are replaced, in manifest order.
    public var replacedLoads: [Load]
    /// Loads left alone because they are not partitioned.
    public var skippedLoads: [Load]
    /// Models rebuilt, in run order.
    public var rebuiltModels: [Model]
    /// Checks that run.
    public var checks: [Check]
    /// Tables of the steps kept as they are (unpartitioned loads, unaffected models): they must
    /// exist already, since a backfill day reads them without building them.
    public var keptTables: [TableName]
    /// Ids of the steps a backfill day executes; every other step of the run is kept.
    public var executedStepIDs: Set<String>

    /// The scope of a backfill of `pipeline`.
    public init(pipeline: Pipeline) {
        let plan = RunPlan.steps(for: pipeline)
        let replaced = pipeline.loads.filter { $0.partitionBy != nil }
        var executed = Set(replaced.map { RunPlan.loadStepID($0.table) })
        var changed = true
        while changed {
            changed = false
            for step in plan where !executed.contains(step.id) && step.dependsOn.contains(where: executed.contains) {
                executed.insert(step.id)
                changed = true
            }
        }
        let modelsByStep = Dictionary(pipeline.models.map { (RunPlan.modelStepID($0.name), $0) }, uniquingKeysWith: { first, _ in first })
        replacedLoads = replaced
        skippedLoads = pipeline.loads.filter { $0.partitionBy == nil }
        rebuiltModels = plan.filter { $0.kind == .model && executed.contains($0.id) }.compactMap { modelsByStep[$0.id] }
        checks = pipeline.checks.filter { executed.contains(RunPlan.checkStepID($0.name)) }
        keptTables = pipeline.loads.filter { $0.partitionBy == nil }.map(\.table) + pipeline.models.filter { !executed.contains(RunPlan.modelStepID($0.name)) }.map(\.name)
        executedStepIDs = executed
    }

    /// True when the pipeline has nothing a backfill could replace (no load has `partition_by`).
    public var isEmpty: Bool { replacedLoads.isEmpty }

    /// The detail recorded on a step a backfill day keeps without running it, or nil when it runs.
    public func keptDetail(stepID: String, kind: StepKind) -> String? {
        guard !executedStepIDs.contains(stepID) else { return nil }
        return kind == .load ? "not reloaded by a backfill: the table is not partitioned" : "not affected by the backfill"
    }
}
