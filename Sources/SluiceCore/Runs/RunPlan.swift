import Foundation

/// One step of a run, before it is persisted: what it does and what it waits for.
public struct PlannedStep: Sendable, Equatable {
    /// `load:raw.orders`, `model:mart.daily_sales`, `check:not_null_stg_orders_order_id`.
    public var id: String
    /// Load, model or check.
    public var kind: StepKind
    /// Ids of steps that must succeed first.
    public var dependsOn: [String]

    /// Creates a planned step.
    public init(id: String, kind: StepKind, dependsOn: [String]) {
        self.id = id
        self.kind = kind
        self.dependsOn = dependsOn
    }
}

/// Turns a pipeline into the DAG of a run: an extract+load step per load, a transform step per
/// model after the steps that build the tables it reads, a check step per check after its table.
public enum RunPlan {
    /// Step id of the load into `table`.
    public static func loadStepID(_ table: TableName) -> String { "load:\(table)" }
    /// Step id of a model.
    public static func modelStepID(_ table: TableName) -> String { "model:\(table)" }
    /// Step id of a check.
    public static func checkStepID(_ name: String) -> String { "check:\(name)" }

    /// All steps of a run of `pipeline` in a topological order (loads, then models by dependency,
    /// then checks), stable with respect to manifest order.
    public static func steps(for pipeline: Pipeline) -> [PlannedStep] {
        var producer: [TableName: String] = [:]
        for load in pipeline.loads { producer[load.table] = loadStepID(load.table) }
        for model in pipeline.models { producer[model.name] = modelStepID(model.name) }

        var steps = pipeline.loads.map { PlannedStep(id: loadStepID($0.table), kind: .load, dependsOn: []) }
        steps += orderedModels(pipeline.models).map { model in
            PlannedStep(
                id: modelStepID(model.name), kind: .model,
                dependsOn: unique(model.dependencies.compactMap { producer[$0] }))
        }
        let everyProducer = steps.map(\.id)
        steps += pipeline.checks.map { check in
            PlannedStep(id: checkStepID(check.name), kind: .check, dependsOn: checkDependencies(check, producer, everyProducer))
        }
        return steps
    }

    /// The steps a rerun executes again: with `all`, every step; otherwise every step that did not
    /// succeed last time, and everything downstream of those.
    public static func stepsToRerun(previous: [StepRecord], all: Bool) -> Set<String> {
        let ids = Set(previous.map(\.stepID))
        guard !all else { return ids }
        var selected = Set(previous.filter { $0.state != .succeeded }.map(\.stepID))
        var changed = true
        while changed {
            changed = false
            for step in previous where !selected.contains(step.stepID) && step.dependsOn.contains(where: selected.contains) {
                selected.insert(step.stepID)
                changed = true
            }
        }
        return selected
    }

    private static func checkDependencies(
        _ check: Check, _ producer: [TableName: String], _ everyProducer: [String]
    ) -> [String] {
        let referenced = unique(check.tablesRead.compactMap { producer[$0] })
        if case .sql = check.kind, referenced.isEmpty { return everyProducer }
        return referenced
    }

    /// Kahn's algorithm over model dependencies, keeping manifest order among ready models.
    /// The manifest validator rejects cycles; any left over are appended in manifest order.
    private static func orderedModels(_ models: [Model]) -> [Model] {
        let names = Set(models.map(\.name))
        var remaining = models
        var done = Set<TableName>()
        var ordered: [Model] = []
        while !remaining.isEmpty {
            guard let index = remaining.firstIndex(where: { model in
                model.dependencies.allSatisfy { !names.contains($0) || done.contains($0) || $0 == model.name }
            }) else {
                return ordered + remaining
            }
            let model = remaining.remove(at: index)
            done.insert(model.name)
            ordered.append(model)
        }
        return ordered
    }

    private static func unique(_ ids: [String]) -> [String] {
        var seen = Set<String>()
        return ids.filter { seen.insert($0).inserted }
    }
}
