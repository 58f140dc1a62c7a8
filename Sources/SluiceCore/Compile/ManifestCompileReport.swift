/// Models and checks of one pipeline that could not be compiled because tables they read are not
/// built yet.
public struct CompileSkip: Sendable, Equatable, CustomStringConvertible {
    /// The pipeline.
    public var pipeline: String
    /// Models skipped.
    public var models: [TableName] = []
    /// Checks skipped, by name.
    public var checks: [String] = []
    /// The tables they need that do not exist yet, each once, sorted.
    public var missingTables: [TableName] = []
    /// The pipelines whose runs build those tables, each once, in manifest order.
    public var buildingPipelines: [String] = []

    /// Creates an empty skip list for a pipeline.
    public init(pipeline: String) {
        self.pipeline = pipeline
    }

    /// True when nothing was skipped.
    public var isEmpty: Bool { models.isEmpty && checks.isEmpty }

    /// Records a skipped model or check (`model` nil for a check) needing `missing`, built by `builders`.
    public mutating func add(model: TableName? = nil, check: String? = nil, missing: [TableName], builders: [String]) {
        if let model { models.append(model) }
        if let check { checks.append(check) }
        missingTables = Array(Set(missingTables + missing)).sorted()
        for builder in builders where !buildingPipelines.contains(builder) { buildingPipelines.append(builder) }
    }

    /// `skipped 2 models and 3 checks of pipeline shop: raw.orders is not built yet; run the pipeline
    /// once: sluice run shop`.
    public var description: String {
        let items = [ManifestCompileReport.counted(models.count, "model"), ManifestCompileReport.counted(checks.count, "check")]
            .filter { !$0.hasPrefix("0 ") }
        let shown = missingTables.prefix(4).map(\.description) + (missingTables.count > 4 ? ["\(missingTables.count - 4) more"] : [])
        let reason = missingTables.isEmpty
            ? "nothing is built in the warehouse yet"
            : ManifestCompileReport.listed(shown) + (missingTables.count == 1 ? " is" : " are") + " not built yet"
        let runs = (buildingPipelines.isEmpty ? [pipeline] : buildingPipelines).map { "sluice run \($0)" }
        let advice = runs.count == 1 ? "run the pipeline once: \(runs[0])" : "run these pipelines once: \(runs.joined(separator: ", "))"
        return "skipped \(items.joined(separator: " and ")) of pipeline \(pipeline): \(reason); \(advice)"
    }
}

/// What `sluice validate` found compiling a manifest's models and checks against the warehouse.
public struct ManifestCompileReport: Sendable, Equatable {
    /// Problems, each at the SQL file's or the manifest's line and column.
    public var problems: [ManifestDiagnostic] = []
    /// Models compiled.
    public var compiledModels = 0
    /// Checks compiled.
    public var compiledChecks = 0
    /// What could not be compiled yet, per pipeline (pipelines with nothing skipped are left out).
    public var skipped: [CompileSkip] = []
    /// Why nothing was compiled (no warehouse to ask), if so.
    public var unavailable: String?

    /// Creates an empty report.
    public init() {}

    /// A report of nothing compiled, because the warehouse cannot be asked: `reason` says why.
    public init(unavailable reason: String) {
        unavailable = reason
    }

    /// The lines that go with the problems: what was compiled (when anything was), what was
    /// skipped and why.
    public var notes: [String] {
        if let unavailable { return ["compiling models and checks against the warehouse was skipped: \(unavailable)"] }
        let compiled = "compiled \(Self.counted(compiledModels, "model")) and \(Self.counted(compiledChecks, "check")) against the warehouse"
        return (compiledModels + compiledChecks > 0 ? [compiled] : []) + skipped.map(\.description)
    }

    /// `1 model`, `3 checks`.
    static func counted(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    /// `a`, `a and b`, `a, b and c`.
    static func listed(_ items: [String]) -> String {
        guard let last = items.last else { return "" }
        return items.count == 1 ? last : items.dropLast().joined(separator: ", ") + " and " + last
    }
}
