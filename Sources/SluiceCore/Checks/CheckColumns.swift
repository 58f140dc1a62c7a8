/// A column a check names, on the table that must have it.
public struct CheckColumnReference: Sendable, Hashable {
    /// The manifest key that names it: `column`, `columns`, `field`, `loaded_at` or `date_column`.
    public var key: String
    /// The column as the manifest writes it.
    public var column: String
    /// The table it must be a column of (for `field`, the parent table of a relationship).
    public var table: TableName

    /// Creates a reference.
    public init(key: String, column: String, table: TableName) {
        self.key = key
        self.column = column
        self.table = table
    }
}

/// A column a check names that its table does not have.
public struct MissingCheckColumn: Sendable, Equatable {
    /// The reference that names it.
    public var reference: CheckColumnReference
    /// What to tell the user: `table raw.sales has no column 'idd' (its columns: id, amount, sold_at; did you mean 'id'?)`.
    public var message: String

    /// Creates a missing-column finding.
    public init(reference: CheckColumnReference, message: String) {
        self.reference = reference
        self.message = message
    }
}

/// The one rule for the columns a check names: which they are, and what is said when a table lacks
/// one. A check's SQL quotes its columns as identifiers, but SQLite reads a double-quoted name that is
/// not a column as a string literal, so `not_null` on a misspelt column would pass; every named column
/// is therefore checked against the table's real columns before the check runs (and by `validate`).
/// Names compare without regard to case, as both warehouses compare column names.
public enum CheckColumns {
    /// The columns `check` names, in manifest order: the column of `not_null`, `accepted_values` and
    /// `relationships` (and the parent's `field`), every column of `unique`, freshness `loaded_at` and
    /// volume `date_column`. `sql` checks name none.
    public static func references(of check: Check) -> [CheckColumnReference] {
        switch check.kind {
        case let .notNull(table, column), let .acceptedValues(table, column, _):
            return [CheckColumnReference(key: "column", column: column, table: table)]
        case let .unique(table, columns):
            return columns.map { CheckColumnReference(key: columns.count == 1 ? "column" : "columns", column: $0, table: table) }
        case let .relationships(table, column, parent, field):
            return [
                CheckColumnReference(key: "column", column: column, table: table),
                CheckColumnReference(key: "field", column: field, table: parent),
            ]
        case let .freshness(table, loadedAt, _, _):
            return loadedAt.map { [CheckColumnReference(key: "loaded_at", column: $0, table: table)] } ?? []
        case let .volume(table, settings):
            return settings.dateColumn.map { [CheckColumnReference(key: "date_column", column: $0, table: table)] } ?? []
        case .sql, .sourceFreshness:
            return []
        }
    }

    /// The tables whose columns `check` names, each once, in manifest order.
    public static func tables(of check: Check) -> [TableName] {
        var seen = Set<TableName>()
        return references(of: check).map(\.table).filter { seen.insert($0).inserted }
    }

    /// Every column `check` names that its table lacks, given the tables' real columns. A table absent
    /// from `columns` (not built yet) is not judged, nor one without columns: every table has at
    /// least one, so none means its schema is unknown.
    public static func missing(in check: Check, columns: [TableName: [String]]) -> [MissingCheckColumn] {
        references(of: check).compactMap { reference in
            guard let existing = columns[reference.table], !existing.isEmpty else { return nil }
            let known = Set(existing.map { $0.lowercased() })
            guard !known.contains(reference.column.lowercased()) else { return nil }
            return MissingCheckColumn(
                reference: reference, message: message(table: reference.table, column: reference.column, columns: existing))
        }
    }

    /// `table raw.sales has no column 'idd' (its columns: id, amount, sold_at; did you mean 'id'?)`;
    /// the suggestion is left out when no column is near.
    public static func message(table: TableName, column: String, columns: [String]) -> String {
        "table \(table) has no column '\(column)' (its columns: \(columns.joined(separator: ", "))\(YAMLReader.didYouMean(column, columns)))"
    }
}
