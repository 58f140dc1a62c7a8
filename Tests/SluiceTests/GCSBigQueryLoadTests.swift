import BigQueryAPI
import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Warehouse
@testable import Worker

/// `gcs` sources on BigQuery: the objects are listed from the (real) Cloud Storage emulator, and
/// BigQuery (the fake's wire) loads them itself from `sourceUris`; Sluice uploads no byte of them.
@Suite("GCS sources on (fake) BigQuery", .fakeGCSServer)
struct GCSBigQueryLoadTests {
    static func manifest(_ space: Workspace, uri: String, format: String, write: String) throws -> Manifest {
        try space.manifest(yaml(uri: uri, format: format, write: write))
    }

    static func yaml(uri: String, format: String, write: String) -> String {
        onePipelineYAML(
            "sales", channel: "#alerts", warehouse: "{ kind: bigquery, project: sluice-test, location: US }",
            sources: "exports: { kind: gcs, uri: \"\(uri)\", format: \(format), cursor: updated_at }",
            loads: """
                - source: exports
                  table: raw.sales
                  write: \(write)
                \(write == "merge" ? "  key: id\n" : "")\
                  max_bad_records: 2
                  columns: { id: integer, sale_date: date, amount: integer, updated_at: timestamp }
                """)
    }

    /// Puts an object in the emulator and where the fake BigQuery reads `sourceUris`; returns its generation.
    @discardableResult
    static func put(_ fake: FakeBigQuery, _ bucket: String, _ name: String, _ text: String) async throws -> Int64 {
        fake.storeObject("gs://\(bucket)/\(name)", text)
        return try await FakeGCSServer.shared().upload(bucket, name, text)
    }

    static func run(_ runner: PipelineRunner, _ state: any StateStore) async throws -> (RunRecord, StepRecord?) {
        let connection = GCSConnection(
            environment: ["STORAGE_EMULATOR_HOST": try FakeGCSServer.shared().baseURL], retry: .immediate, pageSize: 1)
        return try await GCSConnection.$current.withValue(connection) {
            let run = try await runner.run(RunRequest(pipeline: "sales", trigger: .manual, requestedBy: "t"))
            return (run, try await state.read { try $0.steps(runID: run.id) }.first { $0.stepID == "load:raw.sales" })
        }
    }

    /// `configuration.load` of a job as sent.
    static func load(_ job: FakeJob) -> [String: Any] {
        let body = (try? JSONSerialization.jsonObject(with: Data(job.body))) as? [String: Any]
        return (body?["configuration"] as? [String: Any])?["load"] as? [String: Any] ?? [:]
    }

    static func schema(_ load: [String: Any]) -> [String] {
        ((load["schema"] as? [String: Any])?["fields"] as? [[String: Any]] ?? []).map { "\($0["name"] ?? "") \($0["type"] ?? "")" }
    }

    static func uploads(_ fake: FakeBigQuery) -> Int {
        fake.requests(.uploadMultipart).count + fake.requests(.uploadResumableStart).count + fake.requests(.uploadResumableChunk).count
    }

    @Test func aMergeLoadsExactlyTheNewObjectsFromTheirURIsThroughStaging() async throws {
        try await FakeGCSServer.shared().createBucket("bq-merge")
        try await FakeBigQuery.run { fake in
            // The header lists the columns in another order than the load declares them.
            let header = "updated_at,id,amount,sale_date"
            try await Self.put(fake, "bq-merge", "land/a.csv", "\(header)\n2026-05-01 09:00:00,1,10,2026-05-01\n")
            let firstB = try await Self.put(fake, "bq-merge", "land/b.csv", "\(header)\n2026-05-02 09:00:00,2,20,2026-05-02\n")
            let space = try Workspace()
            let clock = TestClock()
            let manifest = try Self.manifest(space, uri: "gs://bq-merge/land/*.csv", format: "csv", write: "merge")
            let state = try space.stateStore()
            let runner = PipelineRunner(
                manifest: manifest, state: state, warehouse: BigQueryPipelineTests.warehouse(fake, manifest: manifest, clock: clock),
                clock: clock, logger: Logger(label: "t"))

            let (first, step) = try await Self.run(runner, state)
            #expect(first.state == .succeeded, "\(step?.error ?? "")")
            let loads = fake.jobs.filter { $0.type == "LOAD" }
            try #require(loads.count == 1)
            #expect(loads[0].destination == "raw._sluice_stage_sales_\(first.id)")
            let load = Self.load(loads[0])
            #expect(load["sourceUris"] as? [String] == ["gs://bq-merge/land/a.csv", "gs://bq-merge/land/b.csv"])
            #expect(load["sourceFormat"] as? String == "CSV")
            #expect(load["skipLeadingRows"] as? Int == 1)
            #expect(load["maxBadRecords"] as? Int == 2)
            #expect(load["writeDisposition"] as? String == "WRITE_TRUNCATE")
            // BigQuery maps CSV fields by position: the schema follows the header, typed as declared.
            #expect(Self.schema(load) == ["updated_at TIMESTAMP", "id INT64", "amount INT64", "sale_date DATE"])
            #expect(loads[0].labels["sluice_pipeline"] == "sales" && loads[0].labels["sluice_run"] == "\(first.id)")
            let merge = try #require(fake.jobs.first { $0.sql?.hasPrefix("MERGE") == true })
            #expect(merge.sql?.contains("_sluice_stage_sales_\(first.id)") == true)
            #expect(merge.maximumBytesBilled != nil || manifest.cost.maximumBytesBilled == nil)
            #expect(Self.uploads(fake) == 0, "no byte of the objects went through Sluice")
            let recorded = try await state.read { try $0.sourceFiles(pipeline: "sales", source: "exports", table: "raw.sales") }
            #expect(recorded["gs://bq-merge/land/b.csv"]?.modifiedNanoseconds == firstB)

            // A new object and an overwritten one: the next load reads exactly those two.
            fake.clearRecords()
            try await Self.put(fake, "bq-merge", "land/c.csv", "\(header)\n2026-05-03 09:00:00,3,30,2026-05-03\n")
            try await Self.put(fake, "bq-merge", "land/b.csv", "\(header)\n2026-05-02 10:00:00,2,22,2026-05-02\n")
            let (second, secondStep) = try await Self.run(runner, state)
            #expect(second.state == .succeeded, "\(secondStep?.error ?? "")")
            let next = fake.jobs.filter { $0.type == "LOAD" }
            #expect(next.map { Self.load($0)["sourceUris"] as? [String] ?? [] } == [["gs://bq-merge/land/b.csv", "gs://bq-merge/land/c.csv"]])
            #expect(secondStep?.detail?.hasSuffix("2 files read, 1 unchanged since read") == true, "\(secondStep?.detail ?? "")")

            // Nothing new: no load job at all.
            fake.clearRecords()
            let (third, _) = try await Self.run(runner, state)
            #expect(third.state == .succeeded)
            #expect(fake.jobs.filter { $0.type == "LOAD" }.count == 0)
            #expect(Self.uploads(fake) == 0)
        }
    }

    @Test func aBackfillReplacesItsDaysFromEveryObjectStagedByURI() async throws {
        try await FakeGCSServer.shared().createBucket("bq-backfill")
        try await FakeBigQuery.run { fake in
            let header = "id,sale_date,amount,updated_at"
            try await Self.put(fake, "bq-backfill", "sales_2026-07-01.csv", "\(header)\n1,2026-07-01,10,2026-07-01 09:00:00\n")
            try await Self.put(fake, "bq-backfill", "sales_2026-07-02.csv", "\(header)\n1,2026-07-01,15,2026-07-02 09:00:00\n")
            let space = try Workspace()
            let clock = TestClock()
            let manifest = try space.manifest(
                Self.yaml(uri: "gs://bq-backfill/sales_{date}.csv", format: "csv", write: "merge").replacingOccurrences(
                    of: "        key: id\n", with: "        key: id\n        partition_by: sale_date\n"))
            let state = try space.stateStore()
            let runner = PipelineRunner(
                manifest: manifest, state: state, warehouse: BigQueryPipelineTests.warehouse(fake, manifest: manifest, clock: clock),
                clock: clock, logger: Logger(label: "t"))
            let connection = GCSConnection(environment: ["STORAGE_EMULATOR_HOST": try FakeGCSServer.shared().baseURL], retry: .immediate)
            let finished = try await GCSConnection.$current.withValue(connection) {
                let backfills = BackfillRunner(runner: runner)
                let started = try await backfills.start(pipeline: "sales", days: ["2026-07-01"], requestedBy: "t", channel: "#alerts")
                return try await backfills.execute(backfillID: started.backfill.id)
            }
            #expect(finished.state == .succeeded, "\(finished.error ?? "")")
            let loads = fake.jobs.filter { $0.type == "LOAD" }
            #expect(loads.map { Self.load($0)["sourceUris"] as? [String] ?? [] }
                == [["gs://bq-backfill/sales_2026-07-01.csv", "gs://bq-backfill/sales_2026-07-02.csv"]], "every object: a day's rows may sit in any")
            let day = try #require(fake.jobs.first { $0.destination == "raw.sales$20260701" })
            #expect(day.writeDisposition == "WRITE_TRUNCATE" && day.partitionField == "sale_date")
            #expect(day.sql?.contains("DATE '2026-07-01'") == true && day.sql?.contains("_sluice_rank = 1") == true)
            #expect(!fake.jobs.contains { $0.destination?.hasPrefix("raw.sales$") == true && $0.destination != "raw.sales$20260701" })
            #expect(Self.uploads(fake) == 0)
        }
    }

    @Test func aTruncateOfNDJSONObjectsLoadsStraightIntoTheTable() async throws {
        try await FakeGCSServer.shared().createBucket("bq-ndjson")
        try await FakeBigQuery.run { fake in
            try await Self.put(fake, "bq-ndjson", "events/1.ndjson", #"{"id": 1, "sale_date": "2026-06-01", "amount": 1, "updated_at": "2026-06-01 00:00:00", "note": "x"}"# + "\n")
            try await Self.put(fake, "bq-ndjson", "events/2.ndjson", #"{"id": 2, "sale_date": "2026-06-02", "amount": 2, "updated_at": "2026-06-02 00:00:00"}"# + "\n")
            let space = try Workspace()
            let clock = TestClock()
            let manifest = try Self.manifest(space, uri: "gs://bq-ndjson/events/", format: "ndjson", write: "truncate")
            let state = try space.stateStore()
            let runner = PipelineRunner(
                manifest: manifest, state: state, warehouse: BigQueryPipelineTests.warehouse(fake, manifest: manifest, clock: clock),
                clock: clock, logger: Logger(label: "t"))
            let (run, step) = try await Self.run(runner, state)
            #expect(run.state == .succeeded, "\(step?.error ?? "")")
            let loads = fake.jobs.filter { $0.type == "LOAD" }
            try #require(loads.count == 1)
            #expect(loads[0].destination == "raw.sales")
            let load = Self.load(loads[0])
            #expect(load["sourceUris"] as? [String] == ["gs://bq-ndjson/events/1.ndjson", "gs://bq-ndjson/events/2.ndjson"])
            #expect(load["sourceFormat"] as? String == "NEWLINE_DELIMITED_JSON")
            #expect(load["skipLeadingRows"] == nil)
            #expect(load["ignoreUnknownValues"] as? Bool == true)
            #expect(load["writeDisposition"] as? String == "WRITE_TRUNCATE")
            #expect(Self.schema(load) == ["id INT64", "sale_date DATE", "amount INT64", "updated_at TIMESTAMP"])
            #expect(fake.table("raw", "sales")?.numRows == 2)
            #expect(Self.uploads(fake) == 0)
        }
    }
}
