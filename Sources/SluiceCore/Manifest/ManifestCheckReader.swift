import Yams

/// Reads one item of a pipeline's `checks:` list: exactly one kind key (`freshness: raw.orders`, …),
/// the kind's settings, and the optional `name:` and `severity:`. Table references are resolved later
/// by `ManifestCrossReferences`.
enum ManifestCheckReader {
    /// The kind keys, in the order messages list them.
    static let kinds = ["freshness", "volume", "not_null", "unique", "accepted_values", "relationships", "sql"]

    /// Keys every check may have.
    private static let commonKeys = ["name", "severity"]

    /// Keys each kind may have besides its kind key and the common ones.
    private static let kindKeys: [String: [String]] = [
        "freshness": ["loaded_at", "warn_after", "error_after"],
        "volume": ["date_column", "sensitivity", "training_days", "seasonality", "direction"],
        "not_null": ["column"],
        "unique": ["column", "columns"],
        "accepted_values": ["column", "values"],
        "relationships": ["column", "to", "field"],
        "sql": ["query"],
    ]

    /// One check.
    /// `sources` are the pipeline's valid sources and `sourceNames` all its source names: a freshness
    /// check may name a source instead of a table.
    static func check(
        _ reader: YAMLReader, _ node: Node, number: Int, pipeline: String, sources: [Source] = [], sourceNames: [String] = []
    ) -> ManifestCheckDraft {
        let label = tentativeName(node).map { "check '\($0)'" } ?? "check #\(number) of pipeline '\(pipeline)'"
        let problemsBefore = reader.diagnostics.count
        guard let mapping = reader.mapping(node, what: label) else { return ManifestCheckDraft() }
        let present = mapping.entries.filter { kinds.contains($0.key) }
        guard let kindEntry = present.first else {
            reportMissingKind(reader, mapping, label: label)
            return ManifestCheckDraft()
        }
        let kind = kindEntry.key
        if present.count > 1 {
            reader.report(
                "\(label) has more than one kind ('\(kind)' and '\(present[1].key)'); write each as its own check",
                at: present[1].keyNode
            )
            return ManifestCheckDraft(mark: kindEntry.keyNode.mark)
        }
        reader.checkKeys(mapping, allowed: [kind] + commonKeys + (kindKeys[kind] ?? []))

        var draft = ManifestCheckDraft(mark: kindEntry.keyNode.mark, location: location(mapping, kindKey: kindEntry.keyNode))
        let severityWord = reader.choice(mapping, "severity", options: ["error", "warn"])
        let givenName = reader.identifier(mapping, "name")

        let checkKind: CheckKind?
        let derivedName: String?
        if kind == "sql" {
            let sqlName = reader.identifier(mapping, kind, required: true)
            checkKind = sqlKind(reader, mapping, draft: &draft)
            derivedName = sqlName
        } else if kind == "freshness", let named = mapping.value(kind)?.scalar?.string, !named.contains(".") {
            checkKind = sourceFreshness(reader, mapping, name: named, label: label, pipeline: pipeline, sources: sources, sourceNames: sourceNames)
            derivedName = "source_freshness_\(named)"
        } else {
            let table = reader.tableName(mapping, kind, required: true)
            draft.table = table.map { ManifestTableReference(table: $0.name, mark: $0.mark) }
            let read = tableKind(reader, mapping, kind: kind, table: table?.name, label: label, draft: &draft)
            checkKind = read.kind
            derivedName = table.map { derive(kind: kind, table: $0.name, columns: read.columns) }
        }
        draft.name = givenName ?? derivedName
        if reader.diagnostics.count == problemsBefore, let checkKind, let name = draft.name {
            // A volume anomaly is an irregularity, so it warns unless the manifest says otherwise.
            let defaultSeverity: Severity = if case .volume = checkKind { .warn } else { .error }
            draft.check = Check(
                name: name, kind: checkKind, severity: severityWord.flatMap(Severity.init(rawValue:)) ?? defaultSeverity)
        }
        return draft
    }

    /// A check without a kind key: a key that looks like a misspelt kind is reported with the kind it
    /// resembles; otherwise the missing kind is reported at the check.
    private static func reportMissingKind(_ reader: YAMLReader, _ mapping: YAMLMapping, label: String) {
        let settings = Set(commonKeys + kindKeys.values.flatMap { $0 })
        var suggested = false
        for entry in mapping.entries where !settings.contains(entry.key) {
            let hint = YAMLReader.didYouMean(entry.key, kinds)
            if !hint.isEmpty {
                reader.report("unknown key '\(entry.key)' in \(label)\(hint)", at: entry.keyNode)
                suggested = true
            }
        }
        if !suggested {
            reader.report(
                "\(label) needs exactly one kind key: \(YAMLReader.alternatives(kinds, quoted: false))", at: mapping.mark
            )
        }
    }

    /// A freshness check on a source of the pipeline: `freshness: exports`. The source must be one
    /// whose newest data can be told without reading it all: files (modification time), Cloud Storage
    /// objects (`updated`) or a PostgreSQL source with a cursor (its greatest value).
    private static func sourceFreshness(
        _ reader: YAMLReader, _ mapping: YAMLMapping, name: String, label: String, pipeline: String,
        sources: [Source], sourceNames: [String]
    ) -> CheckKind? {
        let node = mapping.value("freshness") ?? mapping.node
        guard sourceNames.contains(name) else {
            let hint = sourceNames.isEmpty ? "" : "; its sources are \(YAMLReader.alternatives(sourceNames, quoted: true))"
            reader.report(
                "\(label) checks '\(name)', which is neither a table (write dataset.table) nor a source of pipeline '\(pipeline)'"
                    + (YAMLReader.didYouMean(name, sourceNames).isEmpty ? hint : YAMLReader.didYouMean(name, sourceNames)),
                at: node)
            return nil
        }
        if let entry = mapping.entry("loaded_at") {
            reader.report("'loaded_at' applies to a table's freshness; a source's freshness is read from the source itself", at: entry.keyNode)
        }
        let warn = reader.timeSpan(mapping, "warn_after")
        let error = reader.timeSpan(mapping, "error_after")
        if !mapping.has("warn_after"), !mapping.has("error_after") {
            reader.report("\(label) needs 'warn_after', 'error_after' or both (for example warn_after: 26h)", at: mapping.mark)
        }
        if let warn, let error, warn >= error, let node = mapping.value("warn_after") {
            reader.report("'warn_after' (\(warn)) must be shorter than 'error_after' (\(error)) in \(label)", at: node)
        }
        // An invalid source was reported where it is defined; nothing more to say about it here.
        guard let source = sources.first(where: { $0.name == name }) else { return nil }
        switch source.kind {
        case .csv, .ndjson, .gcs:
            break
        case .postgres where source.cursor != nil:
            break
        case .postgres:
            reader.report("\(label): source '\(name)' needs a 'cursor' for its freshness to be its greatest cursor value", at: node)
        case .sqlite, .http:
            reader.report(
                "\(label): the freshness of a \(source.kind.word) source cannot be read from the source; check the table it loads instead (freshness: dataset.table, loaded_at: \(source.cursor ?? "COLUMN"))",
                at: node)
        }
        return .sourceFreshness(source: name, warnAfter: warn, errorAfter: error)
    }

    /// The settings of a `sql` check.
    private static func sqlKind(_ reader: YAMLReader, _ mapping: YAMLMapping, draft: inout ManifestCheckDraft) -> CheckKind? {
        guard let node = reader.value(mapping, "query", required: true),
              let query = reader.text(node, label: "query") else { return nil }
        draft.queryReferences = SQLTableReferences.find(in: query).map {
            ManifestSQLReference(table: $0, mark: node.mark, origin: "its query")
        }
        return .sql(query: query)
    }

    /// The settings of a check on one table; `columns` are the ones its derived name mentions. The kind
    /// is only meaningful when no problem was reported meanwhile.
    private static func tableKind(
        _ reader: YAMLReader, _ mapping: YAMLMapping, kind: String, table: TableName?, label: String,
        draft: inout ManifestCheckDraft
    ) -> (kind: CheckKind?, columns: [String]) {
        switch kind {
        case "freshness":
            let loadedAt = reader.identifier(mapping, "loaded_at")
            let warn = reader.timeSpan(mapping, "warn_after")
            let error = reader.timeSpan(mapping, "error_after")
            if !mapping.has("warn_after"), !mapping.has("error_after") {
                reader.report("\(label) needs 'warn_after', 'error_after' or both (for example warn_after: 3h)", at: mapping.mark)
            }
            if let warn, let error, warn >= error, let node = mapping.value("warn_after") {
                reader.report("'warn_after' (\(warn)) must be shorter than 'error_after' (\(error)) in \(label)", at: node)
            }
            return (table.map { .freshness($0, loadedAt: loadedAt, warnAfter: warn, errorAfter: error) }, [])

        case "volume":
            var settings = VolumeSettings()
            settings.dateColumn = reader.identifier(mapping, "date_column")
            let sensitivity = reader.positiveNumber(mapping, "sensitivity")
            let trainingDays = reader.integer(mapping, "training_days", in: 7...Int.max)
            let seasonality = reader.choice(mapping, "seasonality", options: ["none", "day_of_week"])
            let direction = reader.choice(mapping, "direction", options: ["both", "spike", "drop"])
            settings.sensitivity = sensitivity ?? settings.sensitivity
            settings.trainingDays = trainingDays ?? settings.trainingDays
            settings.seasonality = seasonality.flatMap(Seasonality.init(rawValue:)) ?? settings.seasonality
            settings.direction = direction.flatMap(AnomalyDirection.init(rawValue:)) ?? settings.direction
            return (table.map { .volume($0, settings) }, [])

        case "not_null":
            let column = reader.identifier(mapping, "column", required: true)
            guard let table, let column else { return (nil, column.map { [$0] } ?? []) }
            return (.notNull(table, column: column), [column])

        case "unique":
            let columns: [String]?
            if mapping.entry("column") != nil, let both = mapping.entry("columns") {
                reader.report("\(label) has both 'column' and 'columns'; keep one of them", at: both.keyNode)
                return (nil, [])
            } else if mapping.entry("columns") != nil {
                columns = reader.stringList(mapping, "columns", required: true, allowsSingle: false, identifiers: true)
            } else if mapping.entry("column") != nil {
                columns = reader.identifier(mapping, "column", required: true).map { [$0] }
            } else {
                reader.report("\(label) needs 'column' (or 'columns' for a combination)", at: mapping.mark)
                return (nil, [])
            }
            guard let table, let columns else { return (nil, columns ?? []) }
            return (.unique(table, columns: columns), columns)

        case "accepted_values":
            let column = reader.identifier(mapping, "column", required: true)
            let values = reader.stringList(mapping, "values", required: true, allowsSingle: false)
            guard let table, let column, let values else { return (nil, column.map { [$0] } ?? []) }
            return (.acceptedValues(table, column: column, values: values), [column])

        case "relationships":
            let column = reader.identifier(mapping, "column", required: true)
            let target = reader.tableName(mapping, "to", required: true)
            let field = reader.identifier(mapping, "field", required: true)
            draft.target = target.map { ManifestTableReference(table: $0.name, mark: $0.mark) }
            guard let table, let column, let target, let field else { return (nil, column.map { [$0] } ?? []) }
            return (.relationships(table, column: column, to: target.name, field: field), [column])

        default:
            return (nil, [])
        }
    }

    /// Where the check's kind key, the values naming its columns and its query were written.
    private static func location(_ mapping: YAMLMapping, kindKey: Node) -> CheckLocation {
        func position(_ node: Node) -> TextPosition {
            TextPosition(line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        }
        var values: [String: [String: TextPosition]] = [:]
        for key in ["column", "field", "loaded_at", "date_column"] {
            if let node = mapping.value(key), let text = node.scalar?.string { values[key] = [text: position(node)] }
        }
        for node in mapping.value("columns")?.array() ?? [] {
            if let text = node.scalar?.string { values["columns", default: [:]][text] = position(node) }
        }
        return CheckLocation(check: position(kindKey), values: values, query: mapping.value("query").map(position))
    }

    /// The dbt-style name of an unnamed check: `<kind>_<table>[_<columns>]`, e.g. `not_null_stg_orders_order_id`.
    static func derive(kind: String, table: TableName, columns: [String]) -> String {
        ([kind, table.table] + columns).joined(separator: "_")
    }

    /// A name for messages before the check is validated: `name:`, a sql check's name, or the derived name
    /// from the raw values; nil when none can be told.
    private static func tentativeName(_ node: Node) -> String? {
        guard let mapping = node.mapping else { return nil }
        if let name = mapping["name"]?.scalar?.string { return name }
        if let sql = mapping["sql"]?.scalar?.string { return sql }
        for kind in kinds {
            guard let text = mapping[kind]?.scalar?.string, let table = TableName(text) else { continue }
            let columns = mapping["columns"].map { $0.array().compactMap(\.scalar?.string) }
                ?? mapping["column"]?.scalar.map { [$0.string] } ?? []
            return derive(kind: kind, table: table, columns: columns)
        }
        return nil
    }
}
