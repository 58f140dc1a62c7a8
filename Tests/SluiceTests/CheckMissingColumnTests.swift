import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Warehouse
import Worker

@Suite("A check naming a column its table does not have fails, on SQLite and on (fake) BigQuery")
struct CheckMissingColumnTests {
    /// Two loaded tables and a check of every column-naming kind, each with a misspelt column, plus
    /// one spelt in other case (which is the same column).
    static func manifestText(warehouse: String) -> String {
        """
        timezone: UTC
        warehouse: \(warehouse)
        cost: { maximum_bytes_billed: 50GB }
        slack: { default_channel: "#alerts" }
        pipelines:
          sales:
            sources:
              customers: { kind: csv, path: data/customers.csv }
              sales: { kind: csv, path: data/sales.csv }
            loads:
              - { source: customers, table: raw.customers, write: truncate, columns: { customer_id: integer, name: string } }
              - source: sales
                table: raw.sales
                write: truncate
                columns: { id: integer, customer_id: integer, amount: float, sold_at: timestamp }
            checks:
              - { not_null: raw.sales, column: idd }
              - { unique: raw.sales, columns: [id, amonut] }
              - { freshness: raw.sales, loaded_at: sold_att, warn_after: 3h }
              - { volume: raw.sales, date_column: sold_on }
              - { relationships: raw.sales, column: customer_id, to: raw.customers, field: custmer_id }
              - { accepted_values: raw.sales, column: zzzz, values: [a] }
              - { not_null: raw.sales, column: ID }
        """
    }

    static let salesColumns = "its columns: id, customer_id, amount, sold_at"

    /// Each failing check's step and its error, exactly.
    static let expected: [String: String] = [
        "check:not_null_sales_idd": "table raw.sales has no column 'idd' (\(salesColumns); did you mean 'id'?)",
        "check:unique_sales_id_amonut": "table raw.sales has no column 'amonut' (\(salesColumns); did you mean 'amount'?)",
        "check:freshness_sales": "table raw.sales has no column 'sold_att' (\(salesColumns); did you mean 'sold_at'?)",
        "check:volume_sales": "table raw.sales has no column 'sold_on' (\(salesColumns); did you mean 'sold_at'?)",
        "check:relationships_sales_customer_id":
            "table raw.customers has no column 'custmer_id' (its columns: customer_id, name; did you mean 'customer_id'?)",
        "check:accepted_values_sales_zzzz": "table raw.sales has no column 'zzzz' (\(salesColumns))",
    ]

    static func workspace(warehouse: String) throws -> (Workspace, Manifest) {
        let workspace = try Workspace()
        try workspace.write("data/customers.csv", "customer_id,name\n1,a\n2,b\n")
        try workspace.write("data/sales.csv", "id,customer_id,amount,sold_at\n1,1,9.5,2026-11-20 10:00:00\n2,2,3,2026-11-20 11:00:00\n")
        return (workspace, try workspace.manifest(manifestText(warehouse: warehouse)))
    }

    /// Runs the pipeline and checks every step of it against `expected`; the check on `ID` passes.
    static func expectTheMissingColumnsFail(runner: PipelineRunner, state: SQLiteStateStore) async throws {
        let run = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t", costConfirmed: true))
        #expect(run.state == .failed)
        let steps = Dictionary(uniqueKeysWithValues: try await state.read { try $0.steps(runID: run.id) }.map { ($0.stepID, $0) })
        for (step, message) in expected {
            let record = try #require(steps[step], "\(step) missing")
            #expect(record.state == .failed, "\(step)")
            #expect(record.error == message, "\(step)")
            let alert = try await state.read { try $0.unresolvedAlert(fingerprint: "sales/\(step.dropFirst(6))/raw.sales") }
            #expect(alert?.title == message, "\(step): the alert says it too")
        }
        #expect(steps["check:not_null_sales_ID"]?.state == .succeeded, "a column in other case is the same column")
        #expect(steps["load:raw.sales"]?.state == .succeeded && steps["load:raw.customers"]?.state == .succeeded)
    }

    @Test func onSQLiteEveryMisspeltColumnFailsItsCheckWithTheTablesColumns() async throws {
        let (workspace, manifest) = try Self.workspace(warehouse: "{ kind: sqlite, path: warehouse }")
        let state = try workspace.stateStore()
        let warehouse = try workspace.warehouse()
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: TestClock(), logger: Logger(label: "t"))
        try await Self.expectTheMissingColumnsFail(runner: runner, state: state)
    }

    @Test func onSQLiteAMisspeltColumnsQueryAlonePassesWhichIsWhyItsColumnsAreLookedUpFirst() async throws {
        let (workspace, manifest) = try Self.workspace(warehouse: "{ kind: sqlite, path: warehouse }")
        let state = try workspace.stateStore()
        let warehouse = try workspace.warehouse()
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: TestClock(), logger: Logger(label: "t"))
        let run = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))
        let check = try #require(manifest.pipelines.first?.checks.first { $0.name == "not_null_sales_idd" })
        let sql = try #require(CheckSQL.failingRowsQuery(for: check, dialect: .sqlite))
        #expect(sql == #"select * from "raw"."sales" where "idd" is null"#, "quoted as an identifier")
        let result = try await warehouse.query(sql, limit: 5, context: JobContext(pipeline: "sales", runID: run.id, stepID: "t"))
        #expect(result.totalRows == 0, "SQLite reads the unknown \"idd\" as the string 'idd', which is never NULL")
        let step = try await state.read { try $0.steps(runID: run.id) }.first { $0.stepID == "check:not_null_sales_idd" }
        #expect(step?.state == .failed && step?.checkStatus == .fail, "yet the check fails: the column is looked up first")
    }

    @Test func onBigQueryEveryMisspeltColumnFailsItsCheckFromTheTablesSchema() async throws {
        let (workspace, manifest) = try Self.workspace(warehouse: "{ kind: bigquery, project: sluice-test, location: US }")
        let clock = TestClock()
        try await FakeBigQuery.run(now: { clock.now }) { fake in
            let state = try workspace.stateStore()
            let warehouse = BigQueryPipelineTests.warehouse(fake, manifest: manifest, clock: clock)
            let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: clock, logger: BigQueryPipelineTests.logger)
            try await Self.expectTheMissingColumnsFail(runner: runner, state: state)
            #expect(fake.table("raw", "sales")?.fields.map(\.name) == ["id", "customer_id", "amount", "sold_at"], "the schema came from the load")
            let checkJobs = fake.jobs.filter { job in ["check_", "freshness_", "volume_"].contains { job.labels["sluice_step"]?.hasPrefix($0) == true } }
            #expect(checkJobs.map { $0.labels["sluice_step"] ?? "" } == ["check_not_null_sales_id"], "only the check on a real column ran a query")
        }
    }
}
