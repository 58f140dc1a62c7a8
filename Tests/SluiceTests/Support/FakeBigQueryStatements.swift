import Foundation

/// One BigQuery statement, parsed far enough for the fake to run it on SQLite. SQL pieces are
/// already translated to SQLite.
enum FakeStatement: Sendable {
    case select(sql: String)
    case createTable(target: FakeDestination, replace: Bool, ifNotExists: Bool, fields: [FakeField]?, partitionField: String?, query: String?)
    case createView(target: FakeDestination, replace: Bool, ifNotExists: Bool, query: String, original: String)
    case drop(target: FakeDestination, view: Bool, ifExists: Bool)
    case dml(type: String, target: FakeDestination, sql: String)
    case merge(FakeMerge)
    case truncate(target: FakeDestination)

    /// BigQuery's `statementType`.
    var statementType: String {
        switch self {
        case .select: "SELECT"
        case let .createTable(_, _, _, _, _, query): query == nil ? "CREATE_TABLE" : "CREATE_TABLE_AS_SELECT"
        case .createView: "CREATE_VIEW"
        case let .drop(_, view, _): view ? "DROP_VIEW" : "DROP_TABLE"
        case let .dml(type, _, _): type
        case .merge: "MERGE"
        case .truncate: "TRUNCATE_TABLE"
        }
    }

    /// The table the statement writes, if any.
    var target: FakeDestination? {
        switch self {
        case .select: nil
        case let .createTable(target, _, _, _, _, _), let .createView(target, _, _, _, _), let .drop(target, _, _),
            let .dml(_, target, _), let .truncate(target):
            target
        case let .merge(merge): merge.target
        }
    }

    /// Whether the statement reads its target (and is billed for it).
    var readsTarget: Bool {
        switch self {
        case .merge: true
        case let .dml(type, _, _): type != "INSERT"
        default: false
        }
    }
}

/// A `MERGE` statement.
struct FakeMerge: Sendable {
    var target: FakeDestination
    var targetAlias: String
    /// The source as a SQLite FROM item (a table name or a parenthesised query).
    var source: String
    var sourceAlias: String
    var condition: String
    var matched: FakeMergeAction?
    var matchedCondition: String?
    var notMatched: FakeMergeAction?
    var notMatchedCondition: String?
}

/// What a `WHEN [NOT] MATCHED` clause does.
enum FakeMergeAction: Sendable {
    case update([(column: String, value: String)])
    case delete
    /// `INSERT (columns) VALUES (values)`; nil columns and values = `INSERT ROW`.
    case insert(columns: [String]?, values: [String]?)
}

extension FakeSQLTranslator {
    /// Parses the whole token list as one statement.
    mutating func statement() throws(FakeBigQueryFailure) -> FakeStatement {
        guard let first = tokens.first else { throw .invalidQuery("Syntax error: Unexpected end of script") }
        if tokens.contains(.symbol(";")) {
            throw .invalidQuery("This fake runs one statement per job; split the script into jobs")
        }
        switch first.keyword {
        case "SELECT", "WITH": return .select(sql: try emit(tokens.indices))
        case "CREATE": return try create()
        case "DROP": return try drop()
        case "INSERT": return try insert()
        case "DELETE", "UPDATE": return try deleteOrUpdate()
        case "MERGE": return .merge(try merge())
        case "TRUNCATE":
            guard tokens.count > 2, tokens[1].keyword == "TABLE" else { throw .invalidQuery("Syntax error: Expected TABLE after TRUNCATE") }
            let (target, _) = try destination(at: 2)
            return .truncate(target: target)
        default:
            if first == .symbol("(") { return .select(sql: try emit(tokens.indices)) }
            throw .invalidQuery("Syntax error: Unexpected keyword \(first.keyword ?? "token") at [1:1]")
        }
    }

    /// The table path at `index` as a destination, and the index after it.
    private mutating func destination(at index: Int) throws(FakeBigQueryFailure) -> (FakeDestination, Int) {
        let (parts, next) = path(from: index, limit: tokens.count)
        guard !parts.isEmpty else { throw .invalidQuery("Syntax error: Expected a table name") }
        guard case let .table(dataset, table) = try table(parts) else {
            throw .invalidQuery("INFORMATION_SCHEMA views cannot be written")
        }
        return (FakeDestination(project: project, dataset: dataset, table: table), next)
    }

    private func expect(_ word: String, at index: Int) throws(FakeBigQueryFailure) {
        guard index < tokens.count, tokens[index].keyword == word else {
            throw .invalidQuery("Syntax error: Expected keyword \(word)")
        }
    }

    private mutating func create() throws(FakeBigQueryFailure) -> FakeStatement {
        var index = 1
        var replace = false
        if tokens.count > 2, tokens[1].keyword == "OR", tokens[2].keyword == "REPLACE" {
            replace = true
            index = 3
        }
        guard index < tokens.count, let kind = tokens[index].keyword, kind == "TABLE" || kind == "VIEW" else {
            throw .invalidQuery("This fake creates only tables and views (CREATE [OR REPLACE] TABLE|VIEW)")
        }
        index += 1
        var ifNotExists = false
        if index + 2 < tokens.count, tokens[index].keyword == "IF", tokens[index + 1].keyword == "NOT", tokens[index + 2].keyword == "EXISTS" {
            ifNotExists = true
            index += 3
        }
        let (target, next) = try destination(at: index)
        index = next
        var fields: [FakeField]?
        if kind == "TABLE", index < tokens.count, tokens[index] == .symbol("("),
           index + 1 < tokens.count, !["SELECT", "WITH"].contains(tokens[index + 1].keyword ?? "") {
            let close = try closing(index)
            fields = try columnDefinitions((index + 1)..<close)
            index = close + 1
        }
        var partitionField: String?
        while index < tokens.count, tokens[index].keyword != "AS" {
            switch tokens[index].keyword {
            case "PARTITION":
                try expect("BY", at: index + 1)
                index += 2
                let (field, next) = try partitionColumn(at: index)
                partitionField = field
                index = next
            case "CLUSTER":
                index += 2
                while index < tokens.count, tokens[index].isName || tokens[index] == .symbol(","),
                      !["OPTIONS", "AS"].contains(tokens[index].keyword ?? "") {
                    index += 1
                }
            case "OPTIONS":
                guard index + 1 < tokens.count, tokens[index + 1] == .symbol("(") else { throw .invalidQuery("Syntax error: OPTIONS needs (…)") }
                index = try closing(index + 1) + 1
            default:
                throw .invalidQuery("Syntax error: Unexpected \(tokens[index]) in CREATE \(kind)")
            }
        }
        var query: String?
        var original = ""
        if index < tokens.count {
            query = try emit((index + 1)..<tokens.count)
            original = tokens[(index + 1)...].map(Self.text).joined(separator: " ")
        }
        if kind == "VIEW" {
            guard let query else { throw .invalidQuery("Syntax error: CREATE VIEW needs AS query") }
            return .createView(target: target, replace: replace, ifNotExists: ifNotExists, query: query, original: original)
        }
        guard fields != nil || query != nil else {
            throw .invalidQuery("A table must have a schema or AS query: CREATE TABLE \(target.key)")
        }
        return .createTable(
            target: target, replace: replace, ifNotExists: ifNotExists, fields: fields, partitionField: partitionField, query: query)
    }

    /// Token text for echoing a view's SQL back.
    private static func text(_ token: FakeSQLToken) -> String {
        switch token {
        case let .word(word): word
        case let .quoted(text): "`\(text)`"
        case let .string(text): "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        case let .number(text), let .symbol(text): text
        }
    }

    /// `col`, `DATE(col)`, `TIMESTAMP_TRUNC(col, DAY)`, `_PARTITIONDATE`: the column and the index after.
    private func partitionColumn(at index: Int) throws(FakeBigQueryFailure) -> (String, Int) {
        guard index < tokens.count else { throw .invalidQuery("Syntax error: PARTITION BY needs a column") }
        if index + 1 < tokens.count, tokens[index + 1] == .symbol("(") {
            let close = try closing(index + 1)
            guard index + 2 < close, case let .word(column) = tokens[index + 2] else {
                throw .invalidQuery("Syntax error: PARTITION BY needs a column")
            }
            return (column, close + 1)
        }
        switch tokens[index] {
        case let .word(column), let .quoted(column): return (column, index + 1)
        default: throw .invalidQuery("Syntax error: PARTITION BY needs a column")
        }
    }

    private func columnDefinitions(_ range: Range<Int>) throws(FakeBigQueryFailure) -> [FakeField] {
        var fields: [FakeField] = []
        for argument in arguments(range) {
            guard argument.count >= 2 else { throw .invalidQuery("Syntax error: a column needs a name and a type") }
            let name: String
            switch tokens[argument.lowerBound] {
            case let .word(word), let .quoted(word): name = word
            default: throw .invalidQuery("Syntax error: a column needs a name and a type")
            }
            guard case let .word(typeName) = tokens[argument.lowerBound + 1], let type = FakeBigQueryValues.canonicalType(typeName) else {
                throw .invalidQuery("Type not found: \(tokens[argument.lowerBound + 1])")
            }
            let notNull = argument.contains { tokens[$0].keyword == "NOT" }
            fields.append(FakeField(name: name, type: type, mode: notNull ? "REQUIRED" : "NULLABLE"))
        }
        return fields
    }

    private mutating func drop() throws(FakeBigQueryFailure) -> FakeStatement {
        guard tokens.count > 2, let kind = tokens[1].keyword, kind == "TABLE" || kind == "VIEW" else {
            throw .invalidQuery("This fake drops only tables and views")
        }
        var index = 2
        var ifExists = false
        if index + 1 < tokens.count, tokens[index].keyword == "IF", tokens[index + 1].keyword == "EXISTS" {
            ifExists = true
            index += 2
        }
        let (target, _) = try destination(at: index)
        return .drop(target: target, view: kind == "VIEW", ifExists: ifExists)
    }

    private mutating func insert() throws(FakeBigQueryFailure) -> FakeStatement {
        var index = 1
        if index < tokens.count, tokens[index].keyword == "INTO" { index += 1 }
        let (target, next) = try destination(at: index)
        index = next
        var columns = ""
        if index < tokens.count, tokens[index] == .symbol("("), index + 1 < tokens.count,
           !["SELECT", "WITH"].contains(tokens[index + 1].keyword ?? "") {
            let close = try closing(index)
            let names = arguments((index + 1)..<close).compactMap { range -> String? in
                switch tokens[range.lowerBound] {
                case let .word(word), let .quoted(word): "\"\(word)\""
                default: nil
                }
            }
            columns = " (" + names.joined(separator: ", ") + ")"
            index = close + 1
        }
        let rest = try emit(index..<tokens.count)
        let name = FakeSQLTranslator.sqliteName(.table(dataset: target.dataset, table: target.table))
        return .dml(type: "INSERT", target: target, sql: "INSERT INTO \(name)\(columns) \(rest)")
    }

    private mutating func deleteOrUpdate() throws(FakeBigQueryFailure) -> FakeStatement {
        let isDelete = tokens[0].keyword == "DELETE"
        guard find("WHERE", in: tokens.indices) != nil else {
            throw .invalidQuery("\(isDelete ? "DELETE" : "UPDATE") must have a WHERE clause")
        }
        var index = 1
        if isDelete, index < tokens.count, tokens[index].keyword == "FROM" { index += 1 }
        let (target, next) = try destination(at: index)
        let name = FakeSQLTranslator.sqliteName(.table(dataset: target.dataset, table: target.table))
        let rest = try emit(next..<tokens.count)
        let sql = isDelete ? "DELETE FROM \(name) \(rest)" : "UPDATE \(name) \(rest)"
        return .dml(type: isDelete ? "DELETE" : "UPDATE", target: target, sql: sql)
    }

    /// An optional `[AS] alias` at `index` (not one of `stop`), and the index after it.
    private func alias(at index: Int, stop: Set<String>) -> (String?, Int) {
        var index = index
        if index < tokens.count, tokens[index].keyword == "AS" { index += 1 }
        guard index < tokens.count else { return (nil, index) }
        switch tokens[index] {
        case let .word(word) where !stop.contains(word.uppercased()): return (word, index + 1)
        case let .quoted(word): return (word, index + 1)
        default: return (nil, index)
        }
    }

    private mutating func merge() throws(FakeBigQueryFailure) -> FakeMerge {
        var index = 1
        if index < tokens.count, tokens[index].keyword == "INTO" { index += 1 }
        let (target, afterTarget) = try destination(at: index)
        let (targetAlias, afterAlias) = alias(at: afterTarget, stop: ["USING"])
        index = afterAlias
        try expect("USING", at: index)
        index += 1
        let source: String
        guard index < tokens.count else { throw .invalidQuery("Syntax error: MERGE needs USING source") }
        if tokens[index] == .symbol("(") {
            let close = try closing(index)
            source = "(" + (try emit((index + 1)..<close)) + ")"
            index = close + 1
        } else {
            let (parts, next) = path(from: index, limit: tokens.count)
            source = FakeSQLTranslator.sqliteName(try table(parts))
            index = next
        }
        let (sourceAlias, afterSourceAlias) = alias(at: index, stop: ["ON"])
        index = afterSourceAlias
        try expect("ON", at: index)
        let clauseStarts = tokens.indices.filter { $0 > index && tokens[$0].keyword == "WHEN" && depth(at: $0) == 0 }
        guard let firstClause = clauseStarts.first else { throw .invalidQuery("Syntax error: MERGE needs a WHEN clause") }
        var merge = FakeMerge(
            target: target, targetAlias: targetAlias ?? target.table, source: source, sourceAlias: sourceAlias ?? "S",
            condition: try emit((index + 1)..<firstClause))
        for (number, start) in clauseStarts.enumerated() {
            let end = number + 1 < clauseStarts.count ? clauseStarts[number + 1] : tokens.count
            try clause(start..<end, into: &merge)
        }
        return merge
    }

    private func depth(at position: Int) -> Int {
        var depth = 0
        for index in 0..<position {
            if tokens[index] == .symbol("(") { depth += 1 }
            if tokens[index] == .symbol(")") { depth -= 1 }
        }
        return depth
    }

    private mutating func clause(_ range: Range<Int>, into merge: inout FakeMerge) throws(FakeBigQueryFailure) {
        var index = range.lowerBound + 1
        let notMatched = tokens[index].keyword == "NOT"
        if notMatched { index += 1 }
        try expect("MATCHED", at: index)
        index += 1
        if index + 1 < range.upperBound, tokens[index].keyword == "BY" {
            guard tokens[index + 1].keyword == "TARGET" else {
                throw .invalidQuery("This fake does not support WHEN NOT MATCHED BY SOURCE")
            }
            index += 2
        }
        guard let thenIndex = find("THEN", in: index..<range.upperBound) else { throw .invalidQuery("Syntax error: Expected THEN") }
        var condition: String?
        if tokens[index].keyword == "AND" { condition = try emit((index + 1)..<thenIndex) }
        index = thenIndex + 1
        let action: FakeMergeAction
        switch tokens[index].keyword {
        case "UPDATE":
            try expect("SET", at: index + 1)
            var assignments: [(String, String)] = []
            for argument in arguments((index + 2)..<range.upperBound) {
                guard let equals = argument.first(where: { tokens[$0] == .symbol("=") }) else {
                    throw .invalidQuery("Syntax error: Expected \"=\" in UPDATE SET")
                }
                let (parts, _) = path(from: argument.lowerBound, limit: equals)
                guard let column = parts.last else { throw .invalidQuery("Syntax error: Expected a column in UPDATE SET") }
                assignments.append((column, try emit((equals + 1)..<argument.upperBound)))
            }
            action = .update(assignments)
        case "DELETE":
            action = .delete
        case "INSERT":
            index += 1
            if index < range.upperBound, tokens[index].keyword == "ROW" {
                action = .insert(columns: nil, values: nil)
                break
            }
            var columns: [String]?
            if index < range.upperBound, tokens[index] == .symbol("(") {
                let close = try closing(index)
                columns = arguments((index + 1)..<close).compactMap { range -> String? in
                    switch tokens[range.lowerBound] {
                    case let .word(word), let .quoted(word): word
                    default: nil
                    }
                }
                index = close + 1
            }
            try expect("VALUES", at: index)
            let close = try closing(index + 1)
            let values = try arguments((index + 2)..<close).map { range throws(FakeBigQueryFailure) in try emit(range) }
            action = .insert(columns: columns, values: values)
        default:
            throw .invalidQuery("Syntax error: Expected UPDATE, DELETE or INSERT after THEN")
        }
        switch (notMatched, action) {
        case (true, .insert):
            guard merge.notMatched == nil else { throw .invalidQuery("This fake supports one WHEN NOT MATCHED clause") }
            merge.notMatched = action
            merge.notMatchedCondition = condition
        case (false, .update), (false, .delete):
            guard merge.matched == nil else { throw .invalidQuery("This fake supports one WHEN MATCHED clause") }
            merge.matched = action
            merge.matchedCondition = condition
        default:
            throw .invalidQuery("Syntax error: WHEN MATCHED takes UPDATE or DELETE; WHEN NOT MATCHED takes INSERT")
        }
    }
}
