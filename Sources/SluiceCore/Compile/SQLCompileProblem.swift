import Foundation

/// Where in a statement a warehouse says its error is.
public enum SQLErrorPosition: Sendable, Equatable {
    /// A byte offset into the statement's UTF-8 (SQLite's `sqlite3_error_offset`).
    case utf8Offset(Int)
    /// A 1-based line and column of the statement (BigQuery's `[line:column]`).
    case lineColumn(line: Int, column: Int)
}

/// Why a warehouse would not compile a statement: its own message, and where in the statement the
/// error is when it says.
public struct SQLCompileProblem: Sendable, Equatable {
    /// The warehouse's message, without its position (`no such column: idd`).
    public var message: String
    /// Where in the statement, when known.
    public var position: SQLErrorPosition?

    /// Creates a problem.
    public init(message: String, position: SQLErrorPosition? = nil) {
        self.message = message
        self.position = position
    }

    /// A BigQuery error message, whose position comes last as ` at [line:column]`
    /// (`Unrecognized name: idd at [3:8]`): the position is taken out of the message.
    public init(bigQueryMessage text: String) {
        guard text.hasSuffix("]"), let open = text.range(of: " at [", options: .backwards) else {
            self.init(message: text)
            return
        }
        let inside = text[open.upperBound...].dropLast()
        let parts = inside.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let line = Int(parts[0]), let column = Int(parts[1]), line > 0, column > 0 else {
            self.init(message: text)
            return
        }
        self.init(message: String(text[..<open.lowerBound]), position: .lineColumn(line: line, column: column))
    }
}
