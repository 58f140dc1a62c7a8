/// Finds the `dataset.table` names a SQL query reads, so models can be ordered by dependency and
/// references to unknown tables reported before anything runs.
public enum SQLTableReferences {
    /// Every `dataset.table` (also `project.dataset.table`, `` `dataset.table` ``, `` `dataset`.`table` ``
    /// or `"dataset"."table"`) that follows `FROM` or `JOIN`, including comma-separated lists after `FROM`,
    /// unique and in first-seen order. String literals, comments (`--`, `#`, `/* */`), single-part names
    /// (CTEs, unqualified tables), table functions (`UNNEST(…)`), wildcard tables, `INFORMATION_SCHEMA`
    /// views, `FROM` inside function calls (`EXTRACT(YEAR FROM o.day)`, `IS DISTINCT FROM`) and
    /// array paths through an alias (`FROM raw.orders o, o.items`) are ignored. Keywords match in any case.
    public static func find(in sql: String) -> [TableName] {
        let tokens = SQLTokenizer.tokens(in: sql)
        var candidates: [(position: Int, parts: [String])] = []
        var aliases: Set<String> = []
        var queryParens: [Bool] = []
        for index in tokens.indices {
            switch tokens[index] {
            case .symbol("("):
                queryParens.append(opensQuery(tokens, after: index))
            case .symbol(")"):
                _ = queryParens.popLast()
            case let .word(word):
                switch word.uppercased() {
                case "FROM":
                    let insideCall = queryParens.last == false
                    let distinctFrom = index > 0 && tokens[index - 1].keyword == "DISTINCT"
                    if !insideCall, !distinctFrom {
                        readTableList(tokens, from: index + 1, allowsComma: true, into: &candidates, aliases: &aliases)
                    }
                case "JOIN":
                    readTableList(tokens, from: index + 1, allowsComma: false, into: &candidates, aliases: &aliases)
                case "AS":
                    if index > 0, case let .word(name) = tokens[index - 1], token(tokens, index + 1) == .symbol("(") {
                        aliases.insert(name.lowercased())
                    }
                default:
                    break
                }
            default:
                break
            }
        }
        var seen: Set<TableName> = []
        var result: [TableName] = []
        for (_, parts) in candidates.sorted(by: { $0.position < $1.position }) {
            guard parts.count == 2 || parts.count == 3,
                  !parts.contains(where: { $0.uppercased() == "INFORMATION_SCHEMA" }) else { continue }
            let dataset = parts[parts.count - 2]
            let table = parts[parts.count - 1]
            if parts.count == 2, aliases.contains(dataset.lowercased()) { continue }
            guard TableName.isIdentifier(dataset), TableName.isIdentifier(table) else { continue }
            let name = TableName(dataset: dataset, table: table)
            if seen.insert(name).inserted {
                result.append(name)
            }
        }
        return result
    }

    /// Words that end a table reference instead of naming its alias.
    private static let reserved: Set<String> = [
        "WHERE", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "OUTER", "CROSS", "NATURAL", "ON", "USING", "GROUP",
        "ORDER", "HAVING", "LIMIT", "UNION", "INTERSECT", "EXCEPT", "WINDOW", "QUALIFY", "SELECT", "FROM", "AS",
        "FOR", "TABLESAMPLE", "LATERAL", "WITH", "OFFSET", "FETCH", "PIVOT", "UNPIVOT", "RETURNING", "SET",
        "VALUES", "INTO", "WHEN", "THEN", "ELSE", "END", "AND", "OR", "NOT",
    ]

    /// The token at `index`, or nil past the end.
    private static func token(_ tokens: [SQLToken], _ index: Int) -> SQLToken? {
        tokens.indices.contains(index) ? tokens[index] : nil
    }

    /// True when the parenthesis at `index` opens a query (`(select …`, `(with …`, `((…`) rather than
    /// a function call's arguments.
    private static func opensQuery(_ tokens: [SQLToken], after index: Int) -> Bool {
        switch token(tokens, index + 1) {
        case .symbol("("): true
        case let .word(word): ["SELECT", "WITH"].contains(word.uppercased())
        default: false
        }
    }

    /// Reads the table references after `FROM`/`JOIN`: names (with aliases) and, after `FROM`, further
    /// comma-separated ones, each with the index of its first token. Parenthesised subqueries are skipped
    /// here; their own `FROM`s are read when the scan reaches them.
    private static func readTableList(
        _ tokens: [SQLToken], from start: Int, allowsComma: Bool, into candidates: inout [(position: Int, parts: [String])],
        aliases: inout Set<String>
    ) {
        var index = start
        while true {
            if token(tokens, index) == .symbol("(") {
                index = indexAfterParentheses(tokens, from: index)
            } else {
                let start = index
                let (parts, next) = readName(tokens, from: index)
                guard !parts.isEmpty else { return }
                index = next
                switch token(tokens, index) {
                case .symbol("("):
                    index = indexAfterParentheses(tokens, from: index)
                case .symbol("*"):
                    index += 1
                default:
                    candidates.append((start, parts))
                }
            }
            if token(tokens, index)?.keyword == "AS" {
                index += 1
            }
            switch token(tokens, index) {
            case let .word(alias) where !reserved.contains(alias.uppercased()):
                aliases.insert(alias.lowercased())
                index += 1
            case let .quoted(alias):
                aliases.insert(alias.lowercased())
                index += 1
            default:
                break
            }
            guard allowsComma, token(tokens, index) == .symbol(",") else { return }
            index += 1
        }
    }

    /// A dotted name starting at `start` (quoted parts may themselves contain dots), and the index after it.
    private static func readName(_ tokens: [SQLToken], from start: Int) -> (parts: [String], next: Int) {
        var parts: [String] = []
        var index = start
        while true {
            switch token(tokens, index) {
            case let .word(word):
                if parts.isEmpty, reserved.contains(word.uppercased()) { return (parts, index) }
                parts.append(word)
            case let .quoted(text):
                parts.append(contentsOf: text.split(separator: ".", omittingEmptySubsequences: false).map(String.init))
            default:
                return (parts, index)
            }
            index += 1
            guard token(tokens, index) == .symbol(".") else { return (parts, index) }
            index += 1
        }
    }

    /// The index just after the parenthesis that closes the one at `start`.
    private static func indexAfterParentheses(_ tokens: [SQLToken], from start: Int) -> Int {
        var depth = 0
        var index = start
        while index < tokens.count {
            if tokens[index] == .symbol("(") { depth += 1 }
            if tokens[index] == .symbol(")") {
                depth -= 1
                if depth == 0 { return index + 1 }
            }
            index += 1
        }
        return index
    }
}

/// A lexical unit of SQL, as far as finding table references needs.
private enum SQLToken: Equatable {
    /// A bare identifier or keyword.
    case word(String)
    /// A backquoted or double-quoted identifier's contents (double quotes are strings in BigQuery, but
    /// never where a table name stands, so reading them as identifiers there is safe).
    case quoted(String)
    /// A string literal; its contents never matter.
    case string
    /// Any other single character.
    case symbol(Character)

    /// The uppercased word, for keyword comparisons; nil for other tokens.
    var keyword: String? {
        if case let .word(word) = self { word.uppercased() } else { nil }
    }
}

/// Splits SQL into tokens, dropping whitespace and comments.
private enum SQLTokenizer {
    /// The tokens of `sql`, in order.
    static func tokens(in sql: String) -> [SQLToken] {
        let chars = Array(sql)
        var tokens: [SQLToken] = []
        var index = 0
        func at(_ offset: Int) -> Character? {
            chars.indices.contains(index + offset) ? chars[index + offset] : nil
        }
        while index < chars.count {
            let char = chars[index]
            if char.isWhitespace {
                index += 1
            } else if char == "#" || (char == "-" && at(1) == "-") {
                while index < chars.count, !chars[index].isNewline { index += 1 }
            } else if char == "/" && at(1) == "*" {
                index += 2
                while index < chars.count, !(chars[index] == "*" && at(1) == "/") { index += 1 }
                index += 2
            } else if char == "'" || char == "\"" || char == "`" {
                let triple = char != "`" && at(1) == char && at(2) == char
                let contents = quoted(chars, from: &index, quote: char, triple: triple)
                tokens.append(char == "'" || triple ? .string : .quoted(contents))
            } else if char == "_" || (char.isASCII && (char.isLetter || char.isNumber)) {
                let start = index
                while index < chars.count, chars[index] == "_" || (chars[index].isASCII && (chars[index].isLetter || chars[index].isNumber)) {
                    index += 1
                }
                tokens.append(.word(String(chars[start..<index])))
            } else {
                tokens.append(.symbol(char))
                index += 1
            }
        }
        return tokens
    }

    /// Reads a quoted run starting at `index` (on the opening quote), leaving `index` after the closing
    /// quote. Backslash escapes the next character; a doubled quote stands for one quote.
    private static func quoted(_ chars: [Character], from index: inout Int, quote: Character, triple: Bool) -> String {
        var contents = ""
        index += triple ? 3 : 1
        while index < chars.count {
            let char = chars[index]
            if char == "\\", index + 1 < chars.count {
                contents.append(chars[index + 1])
                index += 2
            } else if char == quote {
                if triple {
                    if index + 2 < chars.count, chars[index + 1] == quote, chars[index + 2] == quote {
                        index += 3
                        return contents
                    }
                    contents.append(char)
                    index += 1
                } else if index + 1 < chars.count, chars[index + 1] == quote {
                    contents.append(quote)
                    index += 2
                } else {
                    index += 1
                    return contents
                }
            } else {
                contents.append(char)
                index += 1
            }
        }
        return contents
    }
}
