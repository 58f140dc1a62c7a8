import Foundation

/// Turns a warehouse's compile error into a `sluice validate` diagnostic: the warehouse's own
/// message, a nearest-name suggestion for an unknown column or table, and the position in the SQL
/// file (or the manifest) rather than in the statement Sluice sent.
public enum SQLCompileMessage {
    /// The diagnostic for a model whose SQL did not compile: at the line and column of `file`
    /// (`manifest/models/stg_orders.sql:3:8: no such column: idd (did you mean 'id'?)`).
    /// - Parameters:
    ///   - problem: What the warehouse said.
    ///   - statement: The statement that was compiled, which embeds the file's SQL.
    ///   - file: The SQL file's path as the manifest writes it, and its text.
    ///   - columns: Columns of the tables the SQL reads, for suggestions.
    ///   - tables: Tables the manifest knows, for suggestions.
    public static func diagnostic(
        for problem: SQLCompileProblem, statement: String, file: (path: String, text: String), columns: [String], tables: [String]
    ) -> ManifestDiagnostic {
        // Without a position, the statement's start: where the file's SQL starts.
        let at = EmbeddedSQL(text: file.text).filePosition(of: problem.position ?? .utf8Offset(0), in: statement)
        return ManifestDiagnostic(
            file: file.path, line: at.line, column: at.column, message: message(problem.message, columns: columns, tables: tables))
    }

    /// The warehouse's message with ` (did you mean 'x'?)` when it names an unknown column or table
    /// (`no such column: idd`, `Unrecognized name: idd`, `Name idd not found inside o`, `no such
    /// table: raw.ordrs`) that is near a known one, and the warehouse made no suggestion itself.
    public static func message(_ text: String, columns: [String], tables: [String]) -> String {
        guard !text.lowercased().contains("did you mean") else { return text }
        let columnPatterns = [("no such column: ", ""), ("Unrecognized name: ", ""), ("Name ", " not found inside")]
        for (before, after) in columnPatterns {
            if let name = unknownName(in: text, before: before, after: after) {
                let bare = name.split(separator: ".").last.map(String.init) ?? name
                return text + suggestion(for: bare, in: columns)
            }
        }
        if let name = unknownName(in: text, before: "no such table: ", after: "") {
            return text + suggestion(for: name, in: tables)
        }
        return text
    }

    /// The name between `before` and `after` (or the end of the name), when the message has that shape.
    private static func unknownName(in text: String, before: String, after: String) -> String? {
        guard let start = text.range(of: before) else { return nil }
        let rest = text[start.upperBound...]
        let name: Substring
        if after.isEmpty {
            name = rest.prefix { !$0.isWhitespace && $0 != ";" && $0 != "," }
        } else {
            guard let end = rest.range(of: after) else { return nil }
            name = rest[..<end.lowerBound]
        }
        let trimmed = name.trimmingCharacters(in: CharacterSet(charactersIn: "`\"'"))
        return trimmed.isEmpty ? nil : trimmed
    }

    /// ` (did you mean 'x'?)`, or nothing when no candidate is near.
    private static func suggestion(for name: String, in candidates: [String]) -> String {
        let nearest = NearestName.suggestions(for: name, in: candidates)
        return nearest.isEmpty ? "" : " (did you mean \(YAMLReader.alternatives(nearest, quoted: true))?)"
    }
}
