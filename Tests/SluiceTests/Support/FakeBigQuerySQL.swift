import Foundation

/// A lexical unit of BigQuery SQL.
enum FakeSQLToken: Equatable, Sendable {
    /// A bare identifier or keyword.
    case word(String)
    /// A backquoted identifier's contents.
    case quoted(String)
    /// A string literal's contents (escapes resolved).
    case string(String)
    case number(String)
    case symbol(String)

    /// The upper-cased word; nil for other tokens.
    var keyword: String? {
        if case let .word(word) = self { return word.uppercased() }
        return nil
    }

    /// True for a word or backquoted identifier.
    var isName: Bool {
        switch self {
        case .word, .quoted: true
        default: false
        }
    }
}

/// Splits BigQuery SQL into tokens, dropping whitespace and comments.
enum FakeSQLTokenizer {
    static func tokens(_ sql: String) throws(FakeBigQueryFailure) -> [FakeSQLToken] {
        let chars = Array(sql)
        var tokens: [FakeSQLToken] = []
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
                let start = index
                let triple = char != "`" && at(1) == char && at(2) == char
                guard let contents = quoted(chars, from: &index, quote: char, triple: triple) else {
                    throw .invalidQuery("Syntax error: Unclosed \(char == "`" ? "identifier" : "string") literal at [1:\(start + 1)]")
                }
                tokens.append(char == "`" ? .quoted(contents) : .string(contents))
            } else if char.isNumber || (char == "." && at(1)?.isNumber == true && !(tokens.last?.isName ?? false)) {
                let start = index
                while index < chars.count, chars[index].isNumber || chars[index] == "." { index += 1 }
                if index < chars.count, chars[index] == "e" || chars[index] == "E" {
                    index += 1
                    if index < chars.count, chars[index] == "+" || chars[index] == "-" { index += 1 }
                    while index < chars.count, chars[index].isNumber { index += 1 }
                }
                tokens.append(.number(String(chars[start..<index])))
            } else if char == "_" || char.isLetter {
                let start = index
                while index < chars.count, chars[index] == "_" || chars[index].isLetter || chars[index].isNumber { index += 1 }
                tokens.append(.word(String(chars[start..<index])))
            } else {
                let pair = at(1).map { String([char, $0]) }
                if let pair, ["<=", ">=", "<>", "!=", "||", "<<", ">>", "=>"].contains(pair) {
                    tokens.append(.symbol(pair))
                    index += 2
                } else {
                    tokens.append(.symbol(String(char)))
                    index += 1
                }
            }
        }
        return tokens
    }

    private static func quoted(_ chars: [Character], from index: inout Int, quote: Character, triple: Bool) -> String? {
        var contents = ""
        index += triple ? 3 : 1
        while index < chars.count {
            let char = chars[index]
            if char == "\\", index + 1 < chars.count {
                let next = chars[index + 1]
                switch next {
                case "n": contents.append("\n")
                case "t": contents.append("\t")
                case "r": contents.append("\r")
                default: contents.append(next)
                }
                index += 2
            } else if char == quote {
                if !triple {
                    index += 1
                    return contents
                }
                if index + 2 < chars.count, chars[index + 1] == quote, chars[index + 2] == quote {
                    index += 3
                    return contents
                }
                contents.append(char)
                index += 1
            } else {
                contents.append(char)
                index += 1
            }
        }
        return nil
    }
}

/// A table a statement names.
enum FakeTableReference: Hashable, Sendable {
    /// `dataset.table`.
    case table(dataset: String, table: String)
    /// `dataset.INFORMATION_SCHEMA.VIEW`.
    case informationSchema(dataset: String, view: String)
}

/// Translates ranges of BigQuery SQL tokens to SQLite SQL over the fake's tables (each stored as
/// `"dataset.table"`), and collects the tables they name.
struct FakeSQLTranslator {
    let project: String
    let datasets: Set<String>
    let defaultDataset: String?
    let tokens: [FakeSQLToken]
    private(set) var cteNames: Set<String> = []
    /// Tables named, in first-seen order.
    private(set) var tables: [FakeTableReference] = []
    /// Whether the SQL reads the clock (its results are never cached).
    private(set) var readsClock = false

    init(sql: String, project: String, datasets: Set<String>, defaultDataset: String?) throws(FakeBigQueryFailure) {
        self.project = project
        self.datasets = datasets
        self.defaultDataset = defaultDataset
        var tokens = try FakeSQLTokenizer.tokens(sql)
        while tokens.last == .symbol(";") { tokens.removeLast() }
        self.tokens = tokens
        for index in tokens.indices.dropFirst(2) where tokens[index] == .symbol("(") {
            guard tokens[index - 1].keyword == "AS", case let .word(name) = tokens[index - 2], index >= 3 else { continue }
            if tokens[index - 3].keyword == "WITH" || tokens[index - 3].keyword == "RECURSIVE" || tokens[index - 3] == .symbol(",") {
                cteNames.insert(name.lowercased())
            }
        }
    }

    /// The index of the `)` matching the `(` at `open`.
    func closing(_ open: Int, limit: Int? = nil) throws(FakeBigQueryFailure) -> Int {
        var depth = 0
        for index in open..<(limit ?? tokens.count) {
            if tokens[index] == .symbol("(") { depth += 1 }
            if tokens[index] == .symbol(")") {
                depth -= 1
                if depth == 0 { return index }
            }
        }
        throw .invalidQuery("Syntax error: Expected \")\" but got end of statement")
    }

    /// Splits a range at top-level commas.
    func arguments(_ range: Range<Int>) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var depth = 0
        var start = range.lowerBound
        for index in range {
            switch tokens[index] {
            case .symbol("("): depth += 1
            case .symbol(")"): depth -= 1
            case .symbol(",") where depth == 0:
                result.append(start..<index)
                start = index + 1
            default: break
            }
        }
        if start < range.upperBound || !result.isEmpty { result.append(start..<range.upperBound) }
        return result
    }

    /// The first top-level index in `range` whose token is the keyword `word`.
    func find(_ word: String, in range: Range<Int>) -> Int? {
        var depth = 0
        for index in range {
            switch tokens[index] {
            case .symbol("("): depth += 1
            case .symbol(")"): depth -= 1
            default: if depth == 0, tokens[index].keyword == word { return index }
            }
        }
        return nil
    }

    /// A dotted name starting at `start` (backquoted parts split at their dots), and the index after it.
    func path(from start: Int, limit: Int) -> (parts: [String], next: Int) {
        var parts: [String] = []
        var index = start
        while index < limit {
            switch tokens[index] {
            case let .word(word): parts.append(word)
            case let .quoted(text): parts.append(contentsOf: text.split(separator: ".", omittingEmptySubsequences: false).map(String.init))
            default: return (parts, index)
            }
            guard index + 2 < limit, tokens[index + 1] == .symbol("."), tokens[index + 2].isName else { return (parts, index + 1) }
            index += 2
        }
        return (parts, index)
    }

    /// Resolves a table path (`table`, `dataset.table`, `project.dataset.table`) and records it.
    mutating func table(_ parts: [String]) throws(FakeBigQueryFailure) -> FakeTableReference {
        if let schemaIndex = parts.firstIndex(where: { $0.uppercased() == "INFORMATION_SCHEMA" }) {
            guard schemaIndex >= 1, schemaIndex == parts.count - 2 else {
                throw .invalidQuery("INFORMATION_SCHEMA must be qualified with a dataset in this fake: \(parts.joined(separator: "."))")
            }
            if schemaIndex == 2, parts[0] != project { throw .notFound("Project \(parts[0])") }
            let reference = FakeTableReference.informationSchema(dataset: parts[schemaIndex - 1], view: parts[schemaIndex + 1].uppercased())
            record(reference)
            return reference
        }
        let reference: FakeTableReference
        switch parts.count {
        case 1:
            guard let defaultDataset else {
                throw .invalidQuery("Table \"\(parts[0])\" must be qualified with a dataset (e.g. dataset.table).")
            }
            reference = .table(dataset: defaultDataset, table: parts[0])
        case 2:
            reference = .table(dataset: parts[0], table: parts[1])
        case 3:
            guard parts[0] == project else { throw .notFound("Project \(parts[0])") }
            reference = .table(dataset: parts[1], table: parts[2])
        default:
            throw .invalidQuery("Invalid table name: \(parts.joined(separator: "."))")
        }
        record(reference)
        return reference
    }

    private mutating func record(_ reference: FakeTableReference) {
        if !tables.contains(reference) { tables.append(reference) }
    }

    /// The SQLite name of a table reference.
    static func sqliteName(_ reference: FakeTableReference) -> String {
        switch reference {
        case let .table(dataset, table): "\"\(dataset).\(table)\""
        case let .informationSchema(dataset, view): "temp.\"\(dataset).INFORMATION_SCHEMA.\(view)\""
        }
    }

    /// A SQLite string literal.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    private static let tablePositionWords: Set<String> = ["FROM", "JOIN", "INTO", "UPDATE", "MERGE", "USING", "TABLE", "VIEW"]

    /// SQLite SQL for the tokens in `range`.
    mutating func emit(_ range: Range<Int>) throws(FakeBigQueryFailure) -> String {
        var out: [String] = []
        var index = range.lowerBound
        while index < range.upperBound {
            let token = tokens[index]
            let next = index + 1 < range.upperBound ? tokens[index + 1] : nil
            switch token {
            case let .word(word):
                if case let .string(text) = next, let literal = try typedLiteral(word, text) {
                    out.append(literal)
                    index += 2
                    continue
                }
                if next == .symbol("("), let rewritten = try function(word, open: index + 1, limit: range.upperBound) {
                    out.append(rewritten.sql)
                    index = rewritten.next
                    continue
                }
                if ["CURRENT_TIMESTAMP", "CURRENT_DATE"].contains(word.uppercased()) {
                    readsClock = true
                    out.append(word.uppercased() == "CURRENT_DATE" ? "bq_current_date()" : "bq_current_timestamp()")
                    index += 1
                    continue
                }
                fallthrough
            case .quoted:
                let (parts, after) = path(from: index, limit: range.upperBound)
                out.append(try reference(parts, at: index, next: after < range.upperBound ? tokens[after] : nil))
                index = after
            case let .string(text):
                out.append(Self.literal(text))
                index += 1
            case let .number(text):
                out.append(text)
                index += 1
            case .symbol("/"):
                out.append("* 1.0 /")
                index += 1
            case let .symbol(symbol):
                out.append(symbol)
                index += 1
            }
        }
        return out.joined(separator: " ")
    }

    /// A name in an expression: a table in table position (or an obvious `dataset.table`), else a
    /// column path or keyword, written back as is (backquoted parts double-quoted).
    private mutating func reference(_ parts: [String], at index: Int, next: FakeSQLToken?) throws(FakeBigQueryFailure) -> String {
        let previous = index > 0 ? tokens[index - 1].keyword : nil
        let beforePrevious = index > 1 ? tokens[index - 2].keyword : nil
        let inTablePosition = previous.map(Self.tablePositionWords.contains) == true && beforePrevious != "DISTINCT"
            && next != .symbol("(")
        let namesSchema = parts.contains { $0.uppercased() == "INFORMATION_SCHEMA" }
        let lower = parts.first?.lowercased() ?? ""
        let isTable = namesSchema
            || (inTablePosition && !(parts.count == 1 && cteNames.contains(lower)))
            || (parts.count == 2 && datasets.contains(parts[0]) && next != .symbol("("))
            || (parts.count == 3 && parts[0] == project)
        if isTable {
            return Self.sqliteName(try table(parts))
        }
        if case .quoted = tokens[index] {
            return parts.map { "\"\($0)\"" }.joined(separator: ".")
        }
        var pieces: [String] = []
        var position = index
        while position < tokens.count, pieces.count < parts.count {
            switch tokens[position] {
            case let .word(word): pieces.append(word)
            case let .quoted(text): pieces.append("\"\(text)\"")
            default: break
            }
            position += 2
        }
        return pieces.joined(separator: ".")
    }

    /// `DATE '…'`, `TIMESTAMP '…'`, `NUMERIC '…'` literals.
    private func typedLiteral(_ word: String, _ text: String) throws(FakeBigQueryFailure) -> String? {
        switch word.uppercased() {
        case "DATE":
            guard let day = FakeBigQueryValues.normalizedDate(text) else {
                throw .invalidQuery("Could not cast literal \"\(text)\" to type DATE")
            }
            return Self.literal(day)
        case "TIMESTAMP", "DATETIME":
            guard let micros = FakeBigQueryValues.timestampMicros(text) else {
                throw .invalidQuery("Could not cast literal \"\(text)\" to type \(word.uppercased())")
            }
            return Self.literal(FakeBigQueryValues.timestampText(micros))
        case "NUMERIC", "BIGNUMERIC":
            guard Double(text) != nil else { throw .invalidQuery("Invalid NUMERIC literal: \"\(text)\"") }
            return text
        default:
            return nil
        }
    }

    /// Rewrites the BigQuery functions SQLite lacks or spells differently; nil leaves the call as is.
    private mutating func function(_ name: String, open: Int, limit: Int) throws(FakeBigQueryFailure) -> (sql: String, next: Int)? {
        let upper = name.uppercased()
        let rewritten: Set<String> = [
            "CAST", "SAFE_CAST", "DATE_ADD", "DATE_SUB", "TIMESTAMP_ADD", "TIMESTAMP_SUB", "DATETIME_ADD", "DATETIME_SUB",
            "TIMESTAMP_DIFF", "DATE_DIFF", "DATETIME_DIFF", "EXTRACT", "IF", "CURRENT_TIMESTAMP", "CURRENT_DATE",
            "TIMESTAMP", "TIMESTAMP_TRUNC", "DATE_TRUNC",
        ]
        guard rewritten.contains(upper) else { return nil }
        if open >= 2, tokens[open - 2] == .symbol(".") { return nil }
        let close = try closing(open, limit: limit)
        let inner = (open + 1)..<close
        let args = arguments(inner)
        let sql: String
        switch upper {
        case "CAST", "SAFE_CAST":
            guard let asIndex = find("AS", in: inner), asIndex + 1 < close, case let .word(typeName) = tokens[asIndex + 1],
                  let type = FakeBigQueryValues.canonicalType(typeName)
            else { throw .invalidQuery("Syntax error: \(upper) needs `expression AS type` with a known type") }
            let value = try emit(inner.lowerBound..<asIndex)
            sql = "\(upper == "CAST" ? "bq_cast" : "bq_safe_cast")(\(value), '\(type)')"
        case "DATE_ADD", "DATE_SUB", "TIMESTAMP_ADD", "TIMESTAMP_SUB", "DATETIME_ADD", "DATETIME_SUB":
            guard args.count == 2, tokens[args[1].lowerBound].keyword == "INTERVAL", args[1].count >= 3,
                  case let .word(unit) = tokens[args[1].upperBound - 1]
            else { throw .invalidQuery("Syntax error: \(upper) needs (value, INTERVAL n UNIT)") }
            let value = try emit(args[0])
            let amount = try emit((args[1].lowerBound + 1)..<(args[1].upperBound - 1))
            let sign = upper.hasSuffix("SUB") ? "-" : ""
            let function = upper.hasPrefix("DATE_") ? "bq_date_add" : "bq_timestamp_add"
            sql = "\(function)(\(value), \(sign)(\(amount)), '\(unit.uppercased())')"
        case "TIMESTAMP_DIFF", "DATE_DIFF", "DATETIME_DIFF":
            guard args.count == 3, args[2].count == 1, case let .word(unit) = tokens[args[2].lowerBound] else {
                throw .invalidQuery("Syntax error: \(upper) needs (end, start, UNIT)")
            }
            let function = upper == "DATE_DIFF" ? "bq_date_diff" : "bq_timestamp_diff"
            sql = "\(function)(\(try emit(args[0])), \(try emit(args[1])), '\(unit.uppercased())')"
        case "EXTRACT":
            guard let fromIndex = find("FROM", in: inner), case let .word(part) = tokens[inner.lowerBound] else {
                throw .invalidQuery("Syntax error: EXTRACT needs (PART FROM value)")
            }
            sql = "bq_extract('\(part.uppercased())', \(try emit((fromIndex + 1)..<close)))"
        case "IF":
            sql = "iif(\(try args.map { range throws(FakeBigQueryFailure) in try emit(range) }.joined(separator: ", ")))"
        case "CURRENT_TIMESTAMP", "CURRENT_DATE":
            readsClock = true
            sql = upper == "CURRENT_DATE" ? "bq_current_date()" : "bq_current_timestamp()"
        case "TIMESTAMP":
            guard args.count == 1 else { throw .invalidQuery("TIMESTAMP() with a time zone is not supported by this fake") }
            sql = "bq_timestamp(\(try emit(args[0])))"
        default:
            guard args.count == 2, args[1].count == 1, case let .word(unit) = tokens[args[1].lowerBound] else {
                throw .invalidQuery("Syntax error: \(upper) needs (value, UNIT)")
            }
            sql = "bq_trunc(\(try emit(args[0])), '\(unit.uppercased())')"
        }
        return (sql, close + 1)
    }
}
