import SluiceCore
import Testing

@Suite("Compile errors told at the SQL file's own line and column, with the nearest name")
struct SQLCompileMessageTests {
    /// A model file whose statement starts on line 3 and names `idd` on line 5, column 3.
    static let file = "\n\n-- Sales, cleaned.\nselect\n  idd,\n  amount\nfrom raw.sales;\n"

    static func utf8Offset(of fragment: String, in statement: String) throws -> Int {
        let range = try #require(statement.range(of: fragment))
        return statement.utf8.distance(from: statement.startIndex, to: range.lowerBound)
    }

    @Test func theEmbeddedBodyDropsSurroundingWhitespaceAndTrailingSemicolons() {
        #expect(EmbeddedSQL.body(of: Self.file) == "-- Sales, cleaned.\nselect\n  idd,\n  amount\nfrom raw.sales")
        #expect(EmbeddedSQL.body(of: "  select 1 ;\n ;; \n") == "select 1")
    }

    @Test func aByteOffsetInTheStatementIsTheFilesLineAndColumnWhateverSluiceWroteAroundIt() throws {
        let embedded = EmbeddedSQL(text: Self.file)
        let alone = embedded.body
        #expect(embedded.filePosition(of: .utf8Offset(try Self.utf8Offset(of: "idd", in: alone)), in: alone) == TextPosition(line: 5, column: 3))
        let wrapped = "CREATE TABLE \"staging\".\"x\" AS\n" + alone + "\n"
        #expect(embedded.filePosition(of: .utf8Offset(try Self.utf8Offset(of: "idd", in: wrapped)), in: wrapped) == TextPosition(line: 5, column: 3))
        #expect(embedded.filePosition(of: .utf8Offset(3), in: wrapped) == TextPosition(line: 3, column: 1), "in Sluice's own text: the body's start")
        let accented = EmbeddedSQL(text: "select 'é', idd from raw.sales")
        #expect(accented.filePosition(of: .utf8Offset(13), in: accented.body) == TextPosition(line: 1, column: 13), "columns count characters, not bytes")
    }

    @Test func aLineAndColumnInTheStatementIsTheFilesLineAndColumn() {
        let embedded = EmbeddedSQL(text: Self.file)
        #expect(embedded.filePosition(of: .lineColumn(line: 3, column: 3), in: embedded.body) == TextPosition(line: 5, column: 3))
        let merged = "MERGE `staging.x` AS T\nUSING (\n" + embedded.body + "\n) AS S\nON T.`id` = S.`id`"
        #expect(embedded.filePosition(of: .lineColumn(line: 5, column: 3), in: merged) == TextPosition(line: 5, column: 3))
    }

    @Test func bigQuerysPositionIsTakenOutOfItsMessage() {
        #expect(SQLCompileProblem(bigQueryMessage: "Unrecognized name: idd at [3:8]")
            == SQLCompileProblem(message: "Unrecognized name: idd", position: .lineColumn(line: 3, column: 8)))
        #expect(SQLCompileProblem(bigQueryMessage: "Not found: Table p:raw.x was not found in location US")
            == SQLCompileProblem(message: "Not found: Table p:raw.x was not found in location US"))
        #expect(SQLCompileProblem(bigQueryMessage: "Odd [x] at [a:b]").position == nil)
    }

    @Test func anUnknownColumnOrTableGetsTheNearestKnownName() {
        let columns = ["id", "amount", "sold_at"]
        let tables = ["raw.sales", "raw.customers"]
        #expect(SQLCompileMessage.message("no such column: idd", columns: columns, tables: tables) == "no such column: idd (did you mean 'id'?)")
        #expect(SQLCompileMessage.message("no such column: s.amonut", columns: columns, tables: tables) == "no such column: s.amonut (did you mean 'amount'?)")
        #expect(SQLCompileMessage.message("Unrecognized name: sold_att", columns: columns, tables: tables) == "Unrecognized name: sold_att (did you mean 'sold_at'?)")
        #expect(SQLCompileMessage.message("Name idd not found inside s", columns: columns, tables: tables) == "Name idd not found inside s (did you mean 'id'?)")
        #expect(SQLCompileMessage.message("no such table: raw.sale", columns: columns, tables: tables) == "no such table: raw.sale (did you mean 'raw.sales'?)")
        #expect(SQLCompileMessage.message("Unrecognized name: idd; Did you mean id?", columns: columns, tables: tables) == "Unrecognized name: idd; Did you mean id?")
        #expect(SQLCompileMessage.message("no such column: zzzz", columns: columns, tables: tables) == "no such column: zzzz")
        #expect(SQLCompileMessage.message("near \"selec\": syntax error", columns: columns, tables: tables) == "near \"selec\": syntax error")
    }

    @Test func aDiagnosticNamesTheSQLFileAndItsPosition() throws {
        let statement = EmbeddedSQL.body(of: Self.file)
        let problem = SQLCompileProblem(message: "no such column: idd", position: .utf8Offset(try Self.utf8Offset(of: "idd", in: statement)))
        let diagnostic = SQLCompileMessage.diagnostic(
            for: problem, statement: statement, file: ("models/stg_sales.sql", Self.file), columns: ["id", "amount"], tables: [])
        #expect(diagnostic.description == "models/stg_sales.sql:5:3: no such column: idd (did you mean 'id'?)")
        let unplaced = SQLCompileMessage.diagnostic(
            for: SQLCompileProblem(message: "incomplete input"), statement: statement, file: ("m.sql", Self.file), columns: [], tables: [])
        #expect(unplaced.description == "m.sql:3:1: incomplete input", "without a position: where the statement starts")
    }

    @Test func skippedModelsAndChecksSayWhichTablesAreMissingAndWhatToRun() {
        var skip = CompileSkip(pipeline: "shop")
        let orders = TableName(dataset: "raw", table: "orders")
        skip.add(model: TableName(dataset: "staging", table: "stg_orders"), missing: [orders], builders: ["shop"])
        skip.add(check: "not_null_orders_id", missing: [orders], builders: ["shop"])
        skip.add(check: "unique_orders_id", missing: [orders], builders: ["shop"])
        #expect(skip.description == "skipped 1 model and 2 checks of pipeline shop: raw.orders is not built yet; run the pipeline once: sluice run shop")
        var other = CompileSkip(pipeline: "mart")
        other.add(check: "c", missing: [TableName(dataset: "raw", table: "b"), orders], builders: ["shop", "feed"])
        #expect(other.description == "skipped 1 check of pipeline mart: raw.b and raw.orders are not built yet; run these pipelines once: sluice run shop, sluice run feed")
        var report = ManifestCompileReport()
        report.compiledModels = 1
        report.skipped = [skip]
        #expect(report.notes == ["compiled 1 model and 0 checks against the warehouse", skip.description])
        #expect(ManifestCompileReport(unavailable: "no credentials").notes
            == ["compiling models and checks against the warehouse was skipped: no credentials"])
    }
}
