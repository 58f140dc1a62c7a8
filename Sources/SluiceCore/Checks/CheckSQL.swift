import Foundation

/// Compiles row-level checks to SQL that returns their **failing rows**, and turns the result into a
/// `CheckOutcome`. Freshness and volume are judged from metadata and have no query here.
///
/// Identifiers are always quoted (SQLite `"raw"."orders"`, BigQuery `` `raw.orders` ``) and accepted
/// values are written as escaped string literals, so nothing from the manifest can change the
/// query's shape.
public enum CheckSQL {
    /// How many failing rows a summary shows at most.
    public static let sampleSize = 5

    /// Longest rendered cell in a sample; longer values are cut with `…`.
    public static let maximumSampleValueLength = 60

    /// A query returning one row per failure, or nil for freshness and volume:
    /// - `not_null`: the rows whose column is NULL;
    /// - `unique`: one row per duplicated key (rows with a NULL key column are not compared, as with
    ///   SQL `UNIQUE`), with its `occurrences`, most repeated first;
    /// - `accepted_values`: the rows whose non-NULL value, compared as text, is not in the list;
    /// - `relationships`: the child rows whose non-NULL value has no parent row;
    /// - `sql`: the query itself, without a trailing `;`.
    public static func failingRowsQuery(for check: Check, dialect: SQLDialect) -> String? {
        switch check.kind {
        case .freshness, .sourceFreshness, .volume:
            return nil
        case let .notNull(table, column):
            return "select * from \(quote(table, dialect)) where \(quote(column, dialect)) is null"
        case let .unique(table, columns):
            let keys = columns.map { quote($0, dialect) }
            let list = keys.joined(separator: ", ")
            let filter = keys.map { "\($0) is not null" }.joined(separator: " and ")
            let occurrences = quote("occurrences", dialect)
            return "select \(list), count(*) as \(occurrences) from \(quote(table, dialect))"
                + (filter.isEmpty ? "" : " where \(filter)")
                + " group by \(list) having count(*) > 1 order by \(occurrences) desc"
                + (list.isEmpty ? "" : ", \(list)")
        case let .acceptedValues(table, column, values):
            let quoted = quote(column, dialect)
            let base = "select * from \(quote(table, dialect)) where \(quoted) is not null"
            guard !values.isEmpty else { return base }
            let textType = dialect == .sqlite ? "text" : "string"
            let literals = values.map { literal($0, dialect) }.joined(separator: ", ")
            return base + " and cast(\(quoted) as \(textType)) not in (\(literals))"
        case let .relationships(table, column, parentTable, field):
            let child = "child." + quote(column, dialect)
            let parent = "parent." + quote(field, dialect)
            return "select child.* from \(quote(table, dialect)) as child"
                + " left join \(quote(parentTable, dialect)) as parent on \(child) = \(parent)"
                + " where \(child) is not null and \(parent) is null"
        case let .sql(query):
            var text = query.trimmingCharacters(in: .whitespacesAndNewlines)
            while text.hasSuffix(";") {
                text = String(text.dropLast()).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return text
        }
    }

    /// The outcome of a row-level check from its failing-row count and the first rows of its query
    /// (`columns` names the cells of each row; nil cells are NULL). No failing rows pass; otherwise the
    /// check fails, or warns when its severity is `warn`.
    public static func outcome(
        for check: Check, failingRows: Int64, columns: [String], rows: [[String?]], sql: String? = nil
    ) -> CheckOutcome {
        let failing = max(failingRows, 0)
        let status: CheckStatus = failing == 0 ? .pass : (check.severity == .warn ? .warn : .fail)
        let sample = failing == 0 ? [] : rows.prefix(sampleSize).map { render(row: $0, columns: columns) }
        return CheckOutcome(
            status: status, summary: summary(for: check, failing: failing), failingRows: failing,
            sample: sample, sql: sql)
    }

    /// A quoted table name in the dialect.
    public static func quote(_ table: TableName, _ dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite: quote(table.dataset, dialect) + "." + quote(table.table, dialect)
        case .bigquery: "`" + escapeBackticks("\(table.dataset).\(table.table)") + "`"
        }
    }

    /// A quoted column (or other identifier) in the dialect.
    public static func quote(_ identifier: String, _ dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite: "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        case .bigquery: "`" + escapeBackticks(identifier) + "`"
        }
    }

    /// A SQL string literal in the dialect: SQLite doubles quotes; BigQuery escapes with backslashes.
    public static func literal(_ value: String, _ dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite:
            return "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
        case .bigquery:
            var escaped = ""
            for character in value.unicodeScalars {
                switch character {
                case "\\": escaped += "\\\\"
                case "'": escaped += "\\'"
                case "\n": escaped += "\\n"
                case "\r": escaped += "\\r"
                case "\t": escaped += "\\t"
                default: escaped.unicodeScalars.append(character)
                }
            }
            return "'" + escaped + "'"
        }
    }

    private static func escapeBackticks(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "`", with: "\\`")
    }

    private static func summary(for check: Check, failing: Int64) -> String {
        let verb = failing == 1 ? "has" : "have"
        switch check.kind {
        case let .notNull(table, column):
            return failing == 0
                ? "No NULL \(column) in \(table)"
                : "\(Format.rows(failing)) of \(table) \(verb) NULL \(column)"
        case let .unique(table, columns):
            let key = columns.count == 1 ? columns[0] : "(" + columns.joined(separator: ", ") + ")"
            let noun = columns.count == 1 ? "value" : "combination"
            if failing == 0 { return "\(key) is unique in \(table)" }
            return "\(Format.count(failing)) \(noun)\(failing == 1 ? "" : "s") of \(key) "
                + "\(failing == 1 ? "appears" : "appear") more than once in \(table)"
        case let .acceptedValues(table, column, values):
            if failing == 0 { return "Every \(column) in \(table) is an accepted value" }
            let shown = values.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            let more = values.count > 5 ? " and \(values.count - 5) more" : ""
            return "\(Format.rows(failing)) of \(table) \(verb) \(column) outside \(shown)\(more)"
        case let .relationships(table, column, parent, field):
            if failing == 0 { return "Every \(column) in \(table) exists in \(parent).\(field)" }
            return "\(Format.rows(failing)) of \(table) \(verb) \(column) not found in \(parent).\(field)"
        case .sql, .sourceFreshness:
            return failing == 0
                ? "\(check.name) returned no rows"
                : "\(check.name) returned \(Format.rows(failing))"
        case let .freshness(table, _, _, _), let .volume(table, _):
            return failing == 0
                ? "\(check.name) passed on \(table)"
                : "\(check.name) found \(Format.rows(failing)) in \(table)"
        }
    }

    private static func render(row: [String?], columns: [String]) -> String {
        row.enumerated().map { index, cell in
            let name = index < columns.count ? columns[index] : "column\(index + 1)"
            let value = cell.map(shorten) ?? "NULL"
            return "\(name)=\(value)"
        }.joined(separator: ", ")
    }

    private static func shorten(_ value: String) -> String {
        let flat = value.replacingOccurrences(of: "\n", with: " ")
        return flat.count > maximumSampleValueLength ? String(flat.prefix(maximumSampleValueLength - 1)) + "…" : flat
    }
}
