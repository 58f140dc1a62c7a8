import Foundation
import Yams

/// Reads `pipelines:` and, per pipeline, its settings, sources, loads and models (checks are read by
/// `ManifestCheckReader`). References within a pipeline (a load's source, a load's columns) are checked
/// here; references across the manifest are checked by `ManifestCrossReferences`.
enum ManifestPipelineReader {
    /// Keys of a pipeline.
    static let pipelineKeys = [
        "schedule", "channel", "owners", "max_parallelism", "sources", "loads", "models", "checks",
    ]

    /// Every pipeline under `pipelines:` (required, at least one), in manifest order.
    static func pipelines(
        _ reader: YAMLReader, _ root: YAMLMapping, readFile: (String) -> String?
    ) -> [ManifestPipelineDraft] {
        guard let node = reader.value(root, "pipelines", required: true),
              let mapping = reader.mapping(node, what: "'pipelines'") else { return [] }
        guard !mapping.entries.isEmpty else {
            reader.report("'pipelines' must define at least one pipeline", at: node)
            return []
        }
        return mapping.entries.compactMap { entry in
            pipeline(reader, name: entry.key, keyNode: entry.keyNode, node: entry.value, readFile: readFile)
        }
    }

    /// One pipeline.
    private static func pipeline(
        _ reader: YAMLReader, name: String, keyNode: Node, node: Node, readFile: (String) -> String?
    ) -> ManifestPipelineDraft? {
        if !TableName.isIdentifier(name) {
            reader.report(
                "pipeline name '\(name)' must be a plain name (letters, digits and _, not starting with a digit)",
                at: keyNode
            )
        }
        let what = "pipeline '\(name)'"
        guard let mapping = reader.mapping(node, what: what, allowed: pipelineKeys) else { return nil }
        var draft = ManifestPipelineDraft(name: name, nameMark: keyNode.mark)
        if let scheduleNode = reader.value(mapping, "schedule", required: false),
           let expression = reader.text(scheduleNode, label: "schedule") {
            do {
                draft.schedule = try CronSchedule(parsing: expression)
            } catch {
                reader.report("invalid 'schedule' in \(what): \(error.message)", at: scheduleNode)
            }
        }
        draft.channel = reader.string(mapping, "channel")
        draft.owners = ManifestSettingsReader.slackIDs(reader, mapping, "owners")
        draft.maxParallelism = reader.integer(mapping, "max_parallelism", in: 1...32) ?? 4

        let (sources, sourceNames) = sources(reader, mapping, pipeline: name)
        draft.sources = sources
        for (index, item) in items(reader, mapping, "loads", pipeline: name).enumerated() {
            draft.loads.append(
                load(reader, item, number: index + 1, pipeline: name, sources: sources, sourceNames: sourceNames)
            )
        }
        for (index, item) in items(reader, mapping, "models", pipeline: name).enumerated() {
            draft.models.append(model(reader, item, number: index + 1, pipeline: name, readFile: readFile))
        }
        for (index, item) in items(reader, mapping, "checks", pipeline: name).enumerated() {
            draft.checks.append(ManifestCheckReader.check(
                reader, item, number: index + 1, pipeline: name, sources: sources, sourceNames: sourceNames))
        }
        return draft
    }

    /// The items of the list under `key` (empty, and reported, when it is not a list).
    private static func items(_ reader: YAMLReader, _ mapping: YAMLMapping, _ key: String, pipeline: String) -> [Node] {
        guard let node = mapping.value(key) else { return [] }
        guard case let .sequence(sequence) = node else {
            reader.report(
                "'\(key)' of pipeline '\(pipeline)' must be a list (one '- ' item each), got \(node.shownInMessage)",
                at: node
            )
            return []
        }
        return Array(sequence)
    }

    // MARK: Sources

    /// `sources:` — complete sources, and the names of all sources (valid or not) for reference checks.
    private static func sources(
        _ reader: YAMLReader, _ pipeline: YAMLMapping, pipeline name: String
    ) -> (sources: [Source], names: [String]) {
        guard let node = pipeline.value("sources"),
              let mapping = reader.mapping(node, what: "'sources' of pipeline '\(name)'") else { return ([], []) }
        var sources: [Source] = []
        for entry in mapping.entries {
            if !TableName.isIdentifier(entry.key) {
                reader.report(
                    "source name '\(entry.key)' must be a plain name (letters, digits and _, not starting with a digit)",
                    at: entry.keyNode
                )
            }
            if let source = ManifestSourceReader.source(reader, name: entry.key, node: entry.value) {
                sources.append(source)
            }
        }
        return (sources, mapping.entries.map(\.key))
    }

    // MARK: Loads

    /// Keys of a load.
    private static let loadKeys = [
        "source", "table", "write", "key", "partition_by", "max_bad_records", "max_field_size", "columns",
    ]

    /// One item of `loads:`.
    private static func load(
        _ reader: YAMLReader, _ node: Node, number: Int, pipeline: String, sources: [Source], sourceNames: [String]
    ) -> ManifestLoadDraft {
        let label = node.mapping?["table"]?.scalar.map { "load into '\($0.string)'" }
            ?? "load #\(number) of pipeline '\(pipeline)'"
        let problemsBefore = reader.diagnostics.count
        guard let mapping = reader.mapping(node, what: label, allowed: loadKeys) else { return ManifestLoadDraft() }
        var draft = ManifestLoadDraft()
        let table = reader.tableName(mapping, "table", required: true)
        draft.table = table.map { ManifestTableReference(table: $0.name, mark: $0.mark) }

        let sourceName = reader.identifier(mapping, "source", required: true)
        var source: Source?
        if let sourceName, let sourceNode = mapping.value("source") {
            source = sources.first { $0.name == sourceName }
            if !sourceNames.contains(sourceName) {
                reader.report(
                    "unknown source '\(sourceName)' in pipeline '\(pipeline)'"
                        + YAMLReader.didYouMean(sourceName, sourceNames)
                        + (sourceNames.isEmpty ? "; declare it under 'sources:'" : ""),
                    at: sourceNode
                )
            }
        }

        let write = reader.choice(mapping, "write", options: ["truncate", "append", "merge"], required: true)
        let key = reader.stringList(mapping, "key", identifiers: true)
        if write == "merge", key == nil, !mapping.has("key") {
            reader.report("\(label) uses 'write: merge' and needs 'key': the column or columns rows are matched on", at: mapping.mark)
        }
        if let write, write == "truncate", let keyEntry = mapping.entry("key") {
            reader.report(
                "'key' applies to 'write: merge' (the upsert key) and 'write: append' (a row whose key is loaded is not "
                    + "appended again), but \(label) uses 'write: truncate'",
                at: keyEntry.keyNode)
        }
        let partitionBy = reader.identifier(mapping, "partition_by")
        let maxBadRecords = reader.integer(mapping, "max_bad_records", in: 0...Int.max)
        let maxFieldSize = reader.byteSize(
            mapping, "max_field_size", examples: "1MiB or 512KB", maximum: Int64(Load.largestMaxFieldSize))
        let columns = self.columns(reader, mapping)

        if let columns, !columns.isEmpty {
            let names = columns.map(\.name)
            func requireColumn(_ column: String, subject: String, at node: Node?) {
                guard !names.contains(column) else { return }
                reader.report(
                    "\(subject) is not among the columns of \(label)" + YAMLReader.didYouMean(column, names),
                    at: node?.mark
                )
            }
            for column in key ?? [] {
                requireColumn(column, subject: "key column '\(column)'", at: mapping.value("key"))
            }
            if let partitionBy {
                requireColumn(partitionBy, subject: "partition column '\(partitionBy)'", at: mapping.value("partition_by"))
                if let type = columns.first(where: { $0.name == partitionBy })?.type, type != .date, type != .timestamp {
                    reader.report(
                        "partition column '\(partitionBy)' of \(label) must be declared as date or timestamp, not \(type.rawValue)",
                        at: mapping.value("partition_by")?.mark
                    )
                }
            }
            if let source, let cursor = source.cursor {
                requireColumn(
                    cursor, subject: "cursor '\(cursor)' of source '\(source.name)'", at: mapping.entry("columns")?.keyNode
                )
            }
        }

        guard reader.diagnostics.count == problemsBefore, let table, let source, let write, let columns else {
            return draft
        }
        let mode: WriteMode = switch write {
        case "truncate": .truncate
        case "append": .append
        default: .merge(key: key ?? [])
        }
        draft.load = Load(
            source: source.name, table: table.name, write: mode, partitionBy: partitionBy,
            columns: columns, maxBadRecords: maxBadRecords ?? 0, appendKey: write == "append" ? key ?? [] : [],
            maxFieldSize: maxFieldSize.map { Int($0) } ?? Load.defaultMaxFieldSize
        )
        return draft
    }

    /// `columns:` — an ordered mapping of column name to type; `[]` when absent, nil when invalid.
    private static func columns(_ reader: YAMLReader, _ load: YAMLMapping) -> [Column]? {
        guard let node = load.value("columns") else { return [] }
        guard let mapping = reader.mapping(node, what: "'columns'") else { return nil }
        guard !mapping.entries.isEmpty else {
            reader.report("'columns' must declare at least one column, or be left out", at: node)
            return nil
        }
        var columns: [Column] = []
        var valid = true
        let types = ColumnType.allCases.map(\.rawValue)
        for entry in mapping.entries {
            if !TableName.isIdentifier(entry.key) {
                reader.report(
                    "column name '\(entry.key)' must be a plain name (letters, digits and _, not starting with a digit)",
                    at: entry.keyNode
                )
                valid = false
            }
            guard let text = reader.text(entry.value, label: entry.key) else {
                valid = false
                continue
            }
            guard let type = ColumnType(rawValue: text) else {
                reader.report(
                    "type of column '\(entry.key)' must be \(YAMLReader.alternatives(types, quoted: false)), got '\(text)'"
                        + YAMLReader.didYouMean(text, types),
                    at: entry.value
                )
                valid = false
                continue
            }
            columns.append(Column(name: entry.key, type: type))
        }
        return valid ? columns : nil
    }

    // MARK: Models

    /// Keys of a model.
    private static let modelKeys = ["name", "sql", "sqlite_sql", "materialized", "unique_key", "partition_by"]

    /// One item of `models:`; its SQL files are read through `readFile`.
    private static func model(
        _ reader: YAMLReader, _ node: Node, number: Int, pipeline: String, readFile: (String) -> String?
    ) -> ManifestModelDraft {
        let label = node.mapping?["name"]?.scalar.map { "model '\($0.string)'" }
            ?? "model #\(number) of pipeline '\(pipeline)'"
        let problemsBefore = reader.diagnostics.count
        guard let mapping = reader.mapping(node, what: label, allowed: modelKeys) else { return ManifestModelDraft() }
        var draft = ManifestModelDraft()
        let name = reader.tableName(mapping, "name", required: true)
        draft.name = name.map { ManifestTableReference(table: $0.name, mark: $0.mark) }

        let sql = sqlFile(reader, mapping, "sql", model: label, required: true, readFile: readFile)
        let sqliteSQL = sqlFile(reader, mapping, "sqlite_sql", model: label, required: false, readFile: readFile)
        draft.references = (sql?.references ?? []) + (sqliteSQL?.references ?? [])

        let materialized = reader.choice(mapping, "materialized", options: ["table", "view", "incremental"])
        let uniqueKey = reader.stringList(mapping, "unique_key", identifiers: true)
        if materialized == "incremental", uniqueKey == nil, !mapping.has("unique_key") {
            reader.report(
                "\(label) is 'materialized: incremental' and needs 'unique_key': the column or columns rows are merged on",
                at: mapping.mark
            )
        }
        if materialized != "incremental", let entry = mapping.entry("unique_key") {
            reader.report(
                "'unique_key' only applies to 'materialized: incremental', but \(label) is "
                    + "'materialized: \(materialized ?? "table")'",
                at: entry.keyNode
            )
        }
        let partitionBy = reader.identifier(mapping, "partition_by")

        guard reader.diagnostics.count == problemsBefore, let name, let sql else { return draft }
        let materialization: Materialization = switch materialized {
        case "view": .view
        case "incremental": .incremental(uniqueKey: uniqueKey ?? [])
        default: .table
        }
        draft.model = Model(
            name: name.name, sqlPath: sql.path, sql: sql.text, sqliteSQL: sqliteSQL?.text, sqlitePath: sqliteSQL?.path,
            materialized: materialization, partitionBy: partitionBy, dependencies: []
        )
        return draft
    }

    /// A model's SQL file named by `key`: its path, contents and the tables it reads.
    private static func sqlFile(
        _ reader: YAMLReader, _ mapping: YAMLMapping, _ key: String, model: String, required: Bool,
        readFile: (String) -> String?
    ) -> (path: String, text: String, references: [ManifestSQLReference])? {
        guard let node = reader.value(mapping, key, required: required),
              let path = reader.text(node, label: key) else { return nil }
        guard let text = readFile(path) else {
            reader.report(
                "SQL file '\(path)' of \(model) was not found; paths are relative to the directory Sluice runs in",
                at: node
            )
            return nil
        }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            reader.report("SQL file '\(path)' of \(model) is empty; it must hold the model's select", at: node)
            return nil
        }
        let references = SQLTableReferences.find(in: text).map {
            ManifestSQLReference(table: $0, mark: node.mark, origin: path)
        }
        return (path, text, references)
    }
}
