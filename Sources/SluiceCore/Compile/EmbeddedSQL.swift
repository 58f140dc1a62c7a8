import Foundation

/// The SQL of a file (a model's `.sql`) as Sluice embeds it in the statements it sends, and the way
/// back from a position a warehouse reports in such a statement to the file's own line and column.
public struct EmbeddedSQL: Sendable, Equatable {
    /// The file's whole text.
    public var text: String

    /// Wraps a file's text.
    public init(text: String) {
        self.text = text
    }

    /// The statement as Sluice embeds it: without surrounding whitespace and trailing semicolons.
    public var body: String { Self.body(of: text) }

    /// `sql` without surrounding whitespace and trailing semicolons, ready to run alone or to nest in
    /// a larger statement (`CREATE TABLE … AS`, `MERGE … USING (…)`).
    public static func body(of sql: String) -> String {
        var text = Substring(sql)
        while let last = text.last, last.isWhitespace || last == ";" { text = text.dropLast() }
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        return String(text)
    }

    /// The file's line and column of `position` in `statement`, a statement that holds `body` once,
    /// alone or inside what Sluice wrote around it. A position in Sluice's own text maps to where the
    /// body starts in the file; one past the end stays at the body's end.
    public func filePosition(of position: SQLErrorPosition, in statement: String) -> TextPosition {
        let body = self.body
        let scalars = Self.scalarOffset(of: position, in: statement)
        var bodyStart = 0
        if let found = statement.range(of: body, options: .literal) {
            bodyStart = statement.unicodeScalars.distance(from: statement.startIndex, to: found.lowerBound)
        }
        let bodyLength = body.unicodeScalars.count
        let leading = text.range(of: body, options: .literal).map {
            text.unicodeScalars.distance(from: text.startIndex, to: $0.lowerBound)
        } ?? 0
        let within = (bodyStart...(bodyStart + bodyLength)).contains(scalars) ? scalars - bodyStart : 0
        return Self.lineAndColumn(ofScalar: leading + within, in: text)
    }

    /// The Unicode-scalar offset of a warehouse's position in `statement`, clamped to the statement.
    static func scalarOffset(of position: SQLErrorPosition, in statement: String) -> Int {
        switch position {
        case let .utf8Offset(bytes):
            var consumed = 0
            var offset = 0
            for scalar in statement.unicodeScalars {
                if consumed >= bytes { break }
                consumed += UTF8.width(scalar)
                offset += 1
            }
            return offset
        case let .lineColumn(line, column):
            var currentLine = 1
            var offset = 0
            var iterator = statement.unicodeScalars.makeIterator()
            while currentLine < line, let scalar = iterator.next() {
                offset += 1
                if scalar == "\n" { currentLine += 1 }
            }
            var currentColumn = 1
            while currentColumn < column, let scalar = iterator.next(), scalar != "\n" {
                offset += 1
                currentColumn += 1
            }
            return offset
        }
    }

    /// The 1-based line and column of the scalar at `offset` in `text`.
    static func lineAndColumn(ofScalar offset: Int, in text: String) -> TextPosition {
        var position = TextPosition(line: 1, column: 1)
        for scalar in text.unicodeScalars.prefix(offset) {
            if scalar == "\n" {
                position.line += 1
                position.column = 1
            } else {
                position.column += 1
            }
        }
        return position
    }
}
