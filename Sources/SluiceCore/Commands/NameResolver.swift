import Foundation

/// Resolves words typed in Slack to names of a `CommandVocabulary` (exact first, then ignoring case;
/// a bare table part when it names one table), with errors that offer the nearest valid names.
struct NameResolver {
    /// What a lookup among names found.
    private enum Lookup<Name> {
        case found(Name)
        case ambiguous([String])
        case missing
    }

    /// The names that may be used.
    let vocabulary: CommandVocabulary

    /// A pipeline name.
    func pipeline(_ word: String) throws(CommandError) -> String {
        switch pipelineLookup(word) {
        case let .found(name):
            return name
        case let .ambiguous(names):
            throw CommandError(message: "\(CommandText.quoted(word)) could be \(Self.either(names)); write it exactly.")
        case .missing:
            if case let .found(table) = tableLookup(word) {
                throw CommandError(message: "`\(table)` is a table, not a pipeline. \(pipelineList)")
            }
            throw missing(word, what: "a pipeline", candidates: vocabulary.pipelines, otherwise: pipelineList)
        }
    }

    /// A table the manifest knows.
    func table(_ word: String) throws(CommandError) -> TableName {
        switch tableLookup(word) {
        case let .found(table):
            return table
        case let .ambiguous(names):
            throw ambiguousTable(word, names)
        case .missing:
            if case let .found(pipeline) = pipelineLookup(word) {
                throw CommandError(message: "`\(pipeline)` is a pipeline, not a table. \(tableList)")
            }
            throw missing(word, what: "a table", candidates: vocabulary.tables.map(\.description), otherwise: tableList)
        }
    }

    /// A pipeline, else a table.
    func freshnessTarget(_ word: String) throws(CommandError) -> FreshnessTarget {
        if case let .found(pipeline) = pipelineLookup(word) { return .pipeline(pipeline) }
        switch tableLookup(word) {
        case let .found(table):
            return .table(table)
        case let .ambiguous(names):
            throw ambiguousTable(word, names)
        case .missing:
            throw missing(
                word, what: "a table or pipeline", candidates: vocabulary.tables.map(\.description) + vocabulary.pipelines,
                otherwise: "\(tableList) \(pipelineList)")
        }
    }

    /// A pipeline, a `dataset.table`, a check name, `pipeline/check`, or a bare table part, in that order.
    func muteTarget(_ word: String) throws(CommandError) -> MuteTarget {
        if let slash = word.firstIndex(of: "/") {
            let pipeline = try pipeline(String(word[..<slash]))
            return .check(pipeline: pipeline, name: try check(String(word[word.index(after: slash)...]), in: pipeline))
        }
        if case let .found(pipeline) = pipelineLookup(word) { return .pipeline(pipeline) }
        if word.contains(".") { return .table(try table(word)) }
        let checks = Self.matches(word, in: vocabulary.checks, by: \.name)
        if checks.count == 1, let check = checks.first { return .check(pipeline: check.pipeline, name: check.name) }
        if checks.count > 1 {
            let qualified = checks.map { "\($0.pipeline)/\($0.name)" }
            throw CommandError(message: "\(CommandText.quoted(word)) is a check in several pipelines; write \(Self.either(qualified)).")
        }
        switch tableLookup(word) {
        case let .found(table):
            return .table(table)
        case let .ambiguous(names):
            throw ambiguousTable(word, names)
        case .missing:
            let candidates = vocabulary.pipelines + vocabulary.tables.map(\.description) + vocabulary.checks.map(\.name)
            throw missing(word, what: "a pipeline, table or check", candidates: candidates, otherwise: muteTargetHint)
        }
    }

    /// The pipeline `word` names, if it names exactly one.
    func knownPipeline(_ word: String) -> String? {
        if case let .found(pipeline) = pipelineLookup(word) { return pipeline }
        return nil
    }

    /// The table `word` names, if it names exactly one.
    func knownTable(_ word: String) -> TableName? {
        if case let .found(table) = tableLookup(word) { return table }
        return nil
    }

    // MARK: - Lookups

    private func pipelineLookup(_ word: String) -> Lookup<String> {
        let found = Self.matches(word, in: vocabulary.pipelines, by: \.self)
        if found.count > 1 { return .ambiguous(found) }
        return found.first.map(Lookup.found) ?? .missing
    }

    private func tableLookup(_ word: String) -> Lookup<TableName> {
        var found = Self.matches(word, in: vocabulary.tables, by: \.description)
        if found.isEmpty, !word.contains(".") {
            found = Self.matches(word, in: vocabulary.tables, by: \.table)
        }
        if found.count > 1 { return .ambiguous(found.map(\.description)) }
        return found.first.map(Lookup.found) ?? .missing
    }

    private func check(_ word: String, in pipeline: String) throws(CommandError) -> String {
        let names = vocabulary.checks.filter { $0.pipeline == pipeline }.map(\.name)
        let found = Self.matches(word, in: names, by: \.self)
        if found.count == 1, let name = found.first { return name }
        let known = names.isEmpty ? "Pipeline `\(pipeline)` has no checks." : "Its checks: \(CommandText.list(names))."
        throw missing(word, what: "a check of pipeline `\(pipeline)`", candidates: names, otherwise: known)
    }

    /// The elements whose key equals `word`; failing that, those equal ignoring case.
    private static func matches<Element>(_ word: String, in elements: [Element], by key: (Element) -> String) -> [Element] {
        let exact = elements.filter { key($0) == word }
        if !exact.isEmpty { return exact }
        let lowered = word.lowercased()
        return elements.filter { key($0).lowercased() == lowered }
    }

    // MARK: - Messages

    private func missing(_ word: String, what: String, candidates: [String], otherwise: String) -> CommandError {
        let near = word.count <= 64 ? NearestName.suggestions(for: word, in: candidates) : []
        let hint = near.isEmpty ? otherwise : "Did you mean \(Self.either(near))?"
        return CommandError(message: "\(CommandText.quoted(word)) is not \(what) in the manifest. \(hint)")
    }

    private func ambiguousTable(_ word: String, _ names: [String]) -> CommandError {
        CommandError(message: "\(CommandText.quoted(word)) could be \(Self.either(names)); write the table as `dataset.table`.")
    }

    private var pipelineList: String {
        vocabulary.pipelines.isEmpty ? "The manifest has no pipelines." : "Pipelines: \(CommandText.list(vocabulary.pipelines))."
    }

    private var tableList: String {
        vocabulary.tables.isEmpty
            ? "The manifest has no tables." : "Tables: \(CommandText.list(vocabulary.tables.map(\.description)))."
    }

    private var muteTargetHint: String {
        var examples: [String] = []
        if let pipeline = vocabulary.pipelines.first { examples.append("a pipeline (`\(pipeline)`)") }
        if let table = vocabulary.tables.first { examples.append("a table (`\(table)`)") }
        if let check = vocabulary.checks.first { examples.append("a check (`\(check.name)`)") }
        guard !examples.isEmpty else { return "The manifest has nothing to mute." }
        return "A mute target is \(Self.either(examples))."
    }

    /// `` `a` ``, `` `a` or `b` ``, `` `a`, `b` or `c` `` — names in backticks unless already phrased.
    static func either(_ names: [String]) -> String {
        let shown = names.map { $0.contains("`") ? $0 : "`\($0)`" }
        guard let last = shown.last else { return "" }
        return shown.count == 1 ? last : shown.dropLast().joined(separator: ", ") + " or " + last
    }
}
