import BigQueryAPI
import Foundation
import Logging
import SluiceApp
import SluiceCore
import StateStore
import Testing
import Warehouse
import Worker

@Suite("sluice validate compiles every model and check against the warehouse")
struct ValidateCompileTests {
    static func manifestText(warehouse: String) -> String {
        """
        timezone: UTC
        warehouse: \(warehouse)
        slack: { default_channel: "#alerts" }
        pipelines:
          sales:
            sources:
              sales: { kind: csv, path: data/sales.csv }
            loads:
              - source: sales
                table: raw.sales
                write: truncate
                columns: { id: integer, amount: float, sold_at: timestamp }
            models:
              - { name: staging.stg_sales, sql: models/stg_sales.sql }
              - { name: staging.daily, sql: models/daily.sql, sqlite_sql: models/daily.sqlite.sql }
              - { name: mart.totals, sql: models/totals.sql }
            checks:
              - { not_null: raw.sales, column: idd }
              - { unique: raw.sales, column: id }
              - { not_null: staging.stg_sales, column: id }
              - { sql: big_sales, query: "select * from raw.sales where amonut > 100" }
        """
    }

    /// `stg_sales` names `idd` on line 5, column 3 (its statement starts on line 3); the SQLite
    /// variant of `daily` names `sold_att` on line 2, column 8; `totals` reads the staging model.
    static let models = [
        "models/stg_sales.sql": "\n\n-- Sales, cleaned.\nselect\n  idd,\n  amount\nfrom raw.sales;\n",
        "models/daily.sql": "select date(sold_at) as day, count(*) as n from raw.sales group by day\n",
        "models/daily.sqlite.sql": "select\n  date(sold_att) as day, count(*) as n\nfrom raw.sales group by day\n",
        "models/totals.sql": "select sum(amount) as total from staging.stg_sales\n",
    ]

    static func workspace(warehouse: String) throws -> (Workspace, String, Manifest) {
        let workspace = try Workspace()
        try workspace.write("data/sales.csv", "id,amount,sold_at\n1,9.5,2026-11-20 10:00:00\n")
        for (path, text) in models { try workspace.write(path, text) }
        let yaml = manifestText(warehouse: warehouse)
        return (workspace, yaml, try workspace.manifest(yaml))
    }

    /// `sluice.yml:LINE:COLUMN` of `fragment`'s first character in the manifest text.
    static func position(of fragment: String, in yaml: String) throws -> String {
        let lines = yaml.components(separatedBy: "\n")
        let line = try #require(lines.firstIndex { $0.contains(fragment) })
        let column = try #require(lines[line].range(of: fragment)).lowerBound
        return "sluice.yml:\(line + 1):\(lines[line].distance(from: lines[line].startIndex, to: column) + 1)"
    }

    @Test func onSQLiteModelErrorsAreAtTheSQLFilesLineAndColumnAndCheckColumnsAtTheManifests() async throws {
        let (workspace, yaml, manifest) = try Self.workspace(warehouse: "{ kind: sqlite, path: warehouse }")
        let warehouse = try workspace.warehouse()
        let runner = PipelineRunner(
            manifest: manifest, state: try workspace.stateStore(), warehouse: warehouse, clock: TestClock(), logger: Logger(label: "t"))
        _ = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))
        #expect(try await warehouse.columns(of: try #require(TableName("raw.sales"))) == ["id", "amount", "sold_at"])
        #expect(try await warehouse.columns(of: try #require(TableName("staging.stg_sales"))) == nil, "its SQL is broken: never built")

        let report = await ManifestCompiler(manifest: manifest, warehouse: warehouse).compile()
        let column = try Self.position(of: "idd }", in: yaml)
        let query = try Self.position(of: "\"select * from raw.sales where amonut", in: yaml)
        #expect(report.problems.map(\.description) == [
            "models/stg_sales.sql:5:3: no such column: idd (did you mean 'id'?)",
            "models/daily.sqlite.sql:2:8: no such column: sold_att (did you mean 'sold_at'?)",
            "\(column): table raw.sales has no column 'idd' (its columns: id, amount, sold_at; did you mean 'id'?)",
            "\(query): check 'big_sales' does not compile: no such column: amonut (did you mean 'amount'?)",
        ])
        #expect(report.compiledModels == 2 && report.compiledChecks == 3)
        #expect(report.notes == [
            "compiled 2 models and 3 checks against the warehouse",
            "skipped 1 model and 1 check of pipeline sales: staging.stg_sales is not built yet; run the pipeline once: sluice run sales",
        ])
    }

    @Test func onSQLiteAManifestThatCompilesHasNoProblems() async throws {
        let (workspace, _, _) = try Self.workspace(warehouse: "{ kind: sqlite, path: warehouse }")
        try workspace.write("models/stg_sales.sql", "select id, amount from raw.sales")
        try workspace.write("models/daily.sqlite.sql", "select date(sold_at) as day, count(*) as n from raw.sales group by day")
        let yaml = Self.manifestText(warehouse: "{ kind: sqlite, path: warehouse }")
            .replacingOccurrences(of: "column: idd", with: "column: id").replacingOccurrences(of: "amonut", with: "amount")
        let manifest = try workspace.manifest(yaml)
        let warehouse = try workspace.warehouse()
        let runner = PipelineRunner(
            manifest: manifest, state: try workspace.stateStore(), warehouse: warehouse, clock: TestClock(), logger: Logger(label: "t"))
        #expect(try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t")).state == .succeeded)
        let report = await ManifestCompiler(manifest: manifest, warehouse: warehouse).compile()
        #expect(report.problems.isEmpty)
        #expect(report.notes == ["compiled 3 models and 4 checks against the warehouse"])
    }

    @Test func beforeAnyRunValidateSaysWhatItSkippedAndCreatesNothing() async throws {
        let (workspace, _, manifest) = try Self.workspace(warehouse: "{ kind: sqlite, path: warehouse }")
        let configuration = try SluiceConfiguration(environment: [:], baseDirectory: workspace.root)
        let report = await WarehouseCompilation.compile(manifest, configuration: configuration, logger: Logger(label: "t"))
        #expect(report.problems.isEmpty, "nothing to compile against is not a problem")
        #expect(report.notes == [
            "skipped 3 models and 4 checks of pipeline sales: raw.sales and staging.stg_sales are not built yet; run the pipeline once: sluice run sales",
        ])
        #expect(!FileManager.default.fileExists(atPath: workspace.path("warehouse")), "validate does not create the warehouse")
    }

    @Test func bigQueryWithoutUsableCredentialsSaysInOneLineThatCompilingWasSkipped() async throws {
        let (workspace, _, manifest) = try Self.workspace(warehouse: "{ kind: bigquery, project: sluice-test, location: US }")
        let configuration = try SluiceConfiguration(
            environment: ["GOOGLE_APPLICATION_CREDENTIALS": workspace.path("missing-key.json")], baseDirectory: workspace.root)
        let report = await WarehouseCompilation.compile(manifest, configuration: configuration, logger: Logger(label: "t"))
        #expect(report.problems.isEmpty)
        #expect(report.notes.count == 1)
        #expect(report.notes.first?.hasPrefix("compiling models and checks against the warehouse was skipped: BigQuery credentials are not usable") == true)
        #expect(report.notes.first?.contains("missing-key.json") == true, "\(report.notes)")
    }

    @Test func onBigQueryADryRunsLineAndColumnIsMappedToTheModelFile() async throws {
        let (_, yaml, manifest) = try Self.workspace(warehouse: "{ kind: bigquery, project: sluice-test, location: US }")
        let clock = TestClock()
        try await FakeBigQuery.run(now: { clock.now }) { fake in
            fake.setTable("raw", "sales", fields: [
                FakeField(name: "id", type: "INT64"), FakeField(name: "amount", type: "FLOAT64"), FakeField(name: "sold_at", type: "TIMESTAMP"),
            ])
            // BigQuery counts lines from the statement Sluice sent, which starts at the file's line 3.
            fake.respond(toQueryContaining: "  idd,", with: .failing("invalidQuery", "Unrecognized name: idd at [3:3]"))
            fake.respond(toQueryContaining: "amonut", with: .failing("invalidQuery", "Unrecognized name: amonut; Did you mean amount? at [1:31]"))
            let warehouse = BigQueryPipelineTests.warehouse(fake, manifest: manifest, clock: clock)
            let report = await ManifestCompiler(manifest: manifest, warehouse: warehouse).compile()
            let column = try Self.position(of: "idd }", in: yaml)
            let query = try Self.position(of: "\"select * from raw.sales where amonut", in: yaml)
            #expect(report.problems.map(\.description) == [
                "models/stg_sales.sql:5:3: Unrecognized name: idd (did you mean 'id'?)",
                "\(column): table raw.sales has no column 'idd' (its columns: id, amount, sold_at; did you mean 'id'?)",
                "\(query): check 'big_sales' does not compile: Unrecognized name: amonut; Did you mean amount?",
            ])
            #expect(report.notes.last == "skipped 1 model and 1 check of pipeline sales: staging.stg_sales is not built yet; run the pipeline once: sluice run sales")
            #expect(fake.jobs.isEmpty, "nothing ran: every statement was a dry run")
            let sent = fake.requests(.jobsInsert).compactMap { request -> String? in
                let configuration = request.json["configuration"] as? [String: Any]
                #expect(configuration?["dryRun"] as? Bool == true)
                return (configuration?["query"] as? [String: Any])?["query"] as? String
            }
            #expect(sent.contains(EmbeddedSQL.body(of: Self.models["models/stg_sales.sql"] ?? "")), "the model's own statement, as a build nests it")
            #expect(sent.contains { $0.hasPrefix("select date(sold_at)") }, "the BigQuery SQL, not the SQLite variant")
        }
    }

    @Test func aBigQueryThatCannotBeAskedSaysInOneLineThatCompilingWasSkipped() async throws {
        let (_, _, manifest) = try Self.workspace(warehouse: "{ kind: bigquery, project: sluice-test, location: US }")
        let clock = TestClock()
        try await FakeBigQuery.run(now: { clock.now }) { fake in
            fake.inject(.http(status: 403, reason: "accessDenied", message: "Access Denied: Table sluice-test:raw.sales"), times: 100, on: .tablesGet)
            let warehouse = BigQueryPipelineTests.warehouse(fake, manifest: manifest, clock: clock)
            let report = await ManifestCompiler(manifest: manifest, warehouse: warehouse).compile()
            #expect(report.problems.isEmpty)
            #expect(report.notes == [
                "compiling models and checks against the warehouse was skipped: BigQuery could not read the metadata of raw.sales: "
                    + "Access Denied: Table sluice-test:raw.sales — the service account lacks BigQuery permissions on project sluice-test: "
                    + "grant it roles/bigquery.jobUser and roles/bigquery.dataEditor [accessDenied]",
            ])
        }
    }
}
