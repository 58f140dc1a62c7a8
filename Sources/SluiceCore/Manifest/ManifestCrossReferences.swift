import Yams

/// Checks that need the whole manifest: unique table names, tables that checks and SQL refer to,
/// model dependency cycles, unique check names per pipeline and the default channel; then resolves
/// model dependencies and assembles the pipelines.
enum ManifestCrossReferences {
    /// Runs every cross-check on `drafts`, reporting problems through `reader`, and returns the pipelines
    /// with model dependencies filled in (complete only when nothing was reported).
    static func resolve(
        _ reader: YAMLReader, _ drafts: [ManifestPipelineDraft], slack: ManifestSlackDraft
    ) -> [Pipeline] {
        let owners = tableOwners(reader, drafts)
        let known = Array(owners.keys).sorted().map(\.description)
        checkDefaultChannel(reader, drafts, slack: slack)
        var dependencies: [TableName: [TableName]] = [:]
        var modelMarks: [TableName: Mark?] = [:]
        for draft in drafts {
            checkChecks(reader, draft, owners: owners, known: known)
            for model in draft.models {
                guard let name = model.name else { continue }
                modelMarks[name.table] = modelMarks[name.table] ?? name.mark
                dependencies[name.table] = resolveModelReferences(reader, model, name: name.table, owners: owners, known: known)
            }
        }
        let order = drafts.flatMap { $0.models.compactMap { $0.name?.table } }
        reportCycles(reader, order: order, dependencies: dependencies, marks: modelMarks)

        return drafts.map { draft in
            Pipeline(
                name: draft.name, schedule: draft.schedule, channel: draft.channel, owners: draft.owners,
                maxParallelism: draft.maxParallelism, sources: draft.sources,
                loads: draft.loads.compactMap(\.load),
                models: draft.models.compactMap { model in
                    guard var built = model.model else { return nil }
                    built.dependencies = dependencies[built.name] ?? []
                    return built
                },
                checks: draft.checks.compactMap(\.check)
            )
        }
    }

    /// Which pipeline writes each table; a table written twice is reported at its later occurrence.
    private static func tableOwners(_ reader: YAMLReader, _ drafts: [ManifestPipelineDraft]) -> [TableName: String] {
        var written: [(table: ManifestTableReference, pipeline: String, verb: String)] = []
        for draft in drafts {
            written += draft.loads.compactMap { $0.table.map { ($0, draft.name, "loaded") } }
            written += draft.models.compactMap { $0.name.map { ($0, draft.name, "built by a model") } }
        }
        written.sort { ($0.table.mark?.line ?? 0, $0.table.mark?.column ?? 0) < ($1.table.mark?.line ?? 0, $1.table.mark?.column ?? 0) }
        var owners: [TableName: String] = [:]
        var first: [TableName: (pipeline: String, verb: String, line: Int)] = [:]
        for entry in written {
            if let earlier = first[entry.table.table] {
                reader.report(
                    "table '\(entry.table.table)' is already \(earlier.verb) in pipeline '\(earlier.pipeline)' "
                        + "(line \(earlier.line)); each table must be written by exactly one load or model",
                    at: entry.table.mark
                )
            } else {
                first[entry.table.table] = (entry.pipeline, entry.verb, entry.table.mark?.line ?? 1)
                owners[entry.table.table] = entry.pipeline
            }
        }
        return owners
    }

    /// Every pipeline without `channel` (and a digest without one) needs `slack.default_channel`.
    private static func checkDefaultChannel(_ reader: YAMLReader, _ drafts: [ManifestPipelineDraft], slack: ManifestSlackDraft) {
        guard slack.defaultChannel == nil else { return }
        for draft in drafts where draft.channel == nil {
            reader.report(
                "pipeline '\(draft.name)' has no 'channel' and 'slack.default_channel' is not set; set one of them",
                at: draft.nameMark
            )
        }
        if let digest = slack.digest, digest.channel == nil {
            reader.report(
                "'slack.digest' has no 'channel' and 'slack.default_channel' is not set; set one of them",
                at: slack.digestMark
            )
        }
    }

    /// Checks' tables must belong to their pipeline (`relationships.to` and `sql` queries: any table of the
    /// manifest); check names must be unique within the pipeline.
    private static func checkChecks(
        _ reader: YAMLReader, _ draft: ManifestPipelineDraft, owners: [TableName: String], known: [String]
    ) {
        let own = draft.tableNames
        var names: [String: Int] = [:]
        for check in draft.checks {
            let label = check.name.map { "check '\($0)'" } ?? "a check"
            if let table = check.table, !own.contains(table.table) {
                if let owner = owners[table.table] {
                    reader.report(
                        "\(label) checks '\(table.table)', which belongs to pipeline '\(owner)'; "
                            + "a check may only check tables its own pipeline loads or builds",
                        at: table.mark
                    )
                } else {
                    reader.report(
                        "\(label) checks unknown table '\(table.table)'; pipeline '\(draft.name)' does not load or build it"
                            + YAMLReader.didYouMean(table.table.description, own.map(\.description)),
                        at: table.mark
                    )
                }
            }
            if let target = check.target, owners[target.table] == nil {
                reader.report(
                    "\(label) refers to unknown table '\(target.table)'; no load or model writes it"
                        + YAMLReader.didYouMean(target.table.description, known),
                    at: target.mark
                )
            }
            for reference in check.queryReferences where owners[reference.table] == nil {
                reader.report(
                    "\(label) reads unknown table '\(reference.table)' in \(reference.origin); no load or model writes it"
                        + YAMLReader.didYouMean(reference.table.description, known),
                    at: reference.mark
                )
            }
            if let name = check.name {
                if let line = names[name] {
                    reader.report(
                        "duplicate check name '\(name)' in pipeline '\(draft.name)' (first at line \(line)); "
                            + "add 'name:' to tell the checks apart",
                        at: check.mark
                    )
                } else {
                    names[name] = check.mark?.line ?? 1
                }
            }
        }
    }

    /// A model's dependencies: the known tables its SQL reads, in first-seen order. Unknown tables and
    /// reading its own table are reported.
    private static func resolveModelReferences(
        _ reader: YAMLReader, _ model: ManifestModelDraft, name: TableName, owners: [TableName: String], known: [String]
    ) -> [TableName] {
        var dependencies: [TableName] = []
        for reference in model.references {
            if reference.table == name {
                reader.report(
                    "model '\(name)' reads its own table in \(reference.origin); a model cannot depend on itself",
                    at: reference.mark
                )
            } else if owners[reference.table] == nil {
                reader.report(
                    "model '\(name)' reads unknown table '\(reference.table)' in \(reference.origin); "
                        + "no load or model writes it" + YAMLReader.didYouMean(reference.table.description, known),
                    at: reference.mark
                )
            } else if !dependencies.contains(reference.table) {
                dependencies.append(reference.table)
            }
        }
        return dependencies
    }

    /// Reports each dependency cycle between models once, at the model of the cycle that comes first in
    /// the manifest, listing the cycle from it (`staging.a → staging.b → staging.a`).
    private static func reportCycles(
        _ reader: YAMLReader, order: [TableName], dependencies: [TableName: [TableName]], marks: [TableName: Mark?]
    ) {
        let position = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var state: [TableName: Bool] = [:]
        var stack: [TableName] = []
        var reported: Set<[TableName]> = []

        func visit(_ node: TableName) {
            state[node] = false
            stack.append(node)
            for next in dependencies[node] ?? [] where position[next] != nil {
                switch state[next] {
                case nil:
                    visit(next)
                case .some(false):
                    guard let start = stack.firstIndex(of: next) else { continue }
                    var cycle = Array(stack[start...])
                    if let first = cycle.indices.min(by: { position[cycle[$0]] ?? 0 < position[cycle[$1]] ?? 0 }) {
                        cycle = Array(cycle[first...] + cycle[..<first])
                    }
                    if reported.insert(cycle).inserted {
                        let path = (cycle + [cycle[0]]).map(\.description).joined(separator: " → ")
                        reader.report(
                            "models depend on each other in a cycle: \(path); remove one of these references",
                            at: marks[cycle[0]] ?? nil
                        )
                    }
                default:
                    continue
                }
            }
            stack.removeLast()
            state[node] = true
        }

        for node in order where state[node] == nil {
            visit(node)
        }
    }
}
