import PostgresNIO
import SluiceCore

/// The SQL a postgres source runs: its relation (a table's every column, or the manifest's query as a
/// subquery), probed with `limit 0` for its columns, then read with every column in a form
/// `PostgresFieldText` turns into text, ordered by the cursor and, with a watermark, filtered by
/// `cursor >= $1`: a bound parameter of unstated type, so PostgreSQL reads the watermark's text as the
/// cursor column's own type (timestamptz, date, integer, numeric, text…) and compares like with like.
struct PostgresReadQuery: Sendable {
    /// The rows of the source, before any filter: `select * from "schema"."table"` or the query.
    let relation: String
    /// The cursor column, if the source has one.
    let cursor: String?

    /// The relation of `spec`, identifiers quoted.
    init(_ spec: PostgresSourceSpec, cursor: String?) {
        switch spec.relation {
        case let .table(schema, name):
            relation = "select * from \(Self.quoted(schema ?? "public")).\(Self.quoted(name))"
        case let .query(query):
            relation = Self.trimmed(query)
        }
        self.cursor = cursor
    }

    /// How messages name what is read: `table public.orders` or `the source's query`.
    static func subject(_ spec: PostgresSourceSpec) -> String {
        switch spec.relation {
        case let .table(schema, name): "table \(schema ?? "public").\(name)"
        case .query: "the source's query"
        }
    }

    /// No rows, every column: the result's description says the names and types.
    var probe: String { "select * from (\(relation)\n) as source limit 0" }

    /// The read: one column per row, the record of `columns` in the result's order (`row(…)`, sent in
    /// its binary form: a field count, then each field's type, length and bytes, which
    /// `PostgresRecordFields` splits without a cell per value), each as `PostgresFieldText` reads it
    /// (arrays as JSON, types without a binary reading as their text), ordered by the cursor and,
    /// when `filtered`, from `$1` on.
    func read(_ columns: [PostgresSourceColumn], filtered: Bool) -> String {
        let list = columns.map { column -> String in
            let name = Self.quoted(column.name)
            switch column.reading {
            case .native: return name
            case .json: return "to_json(\(name))"
            case .text: return "\(name)::text"
            }
        }
        var sql = "select row(\(list.joined(separator: ", "))) as record from (\(relation)\n) as source"
        if let cursor {
            if filtered { sql += " where \(Self.quoted(cursor)) >= $1" }
            sql += " order by \(Self.quoted(cursor))"
        }
        return sql
    }

    /// The newest cursor value, as text in `PostgresFieldText`'s form (read natively by its type).
    func newest(cursor: String) -> String {
        "select max(\(Self.quoted(cursor))) as newest from (\(relation)\n) as source"
    }

    /// `"name"`, inner quotes doubled.
    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The query without surrounding white space and trailing semicolons (which would end the
    /// subquery early).
    private static func trimmed(_ query: String) -> String {
        var text = Substring(query)
        while let last = text.last, last == ";" || last.isWhitespace { text = text.dropLast() }
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        return String(text)
    }
}

/// One column of a postgres source's result, and how it is read.
struct PostgresSourceColumn: Sendable, Equatable {
    /// How a column travels.
    enum Reading: Sendable, Equatable {
        /// As is: `PostgresFieldText` reads the type's binary form.
        case native
        /// `to_json(column)`: arrays, as JSON arrays.
        case json
        /// `column::text`: every other type (intervals, enums, network addresses…), as PostgreSQL prints it.
        case text
    }

    let name: String
    /// The column's type, as the result describes it (a domain's base type).
    let type: PostgresDataType
    let reading: Reading

    /// How `PostgresFieldText` turns the field's bytes into text: the type's own reading, or text
    /// (JSON and `::text` arrive as text).
    var kind: PostgresFieldText.Kind {
        reading == .native ? PostgresFieldText.kind(of: type) ?? .text : .text
    }
}
