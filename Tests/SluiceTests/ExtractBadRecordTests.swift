import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Warehouse
import Worker

/// Bad records that cannot hide rows: a bad CSV record is one physical line and the rows after it
/// load; fields are bounded by the load's `max_field_size`; a merge key may not be empty.
@Suite("Extract: a bad record is one row")
struct ExtractBadRecordTests: ExtractSuite {
    private let idAndNote = [Column(name: "id", type: .integer), Column(name: "note", type: .string)]

    private func extract(_ space: Workspace, _ path: String, _ load: Load) throws -> ExtractedRows {
        let kind: SourceKind = path.hasSuffix(".ndjson") ? .ndjson(path: path) : .csv(path: path)
        return try ExtractedRows(
            source: Source(name: "orders", kind: kind), load: load, baseDirectory: space.root, watermark: nil, days: nil)
    }

    // MARK: One physical line

    @Test func anUnterminatedQuoteOnLine3IsOneBadRowAndTheOtherNineLoad() async throws {
        let space = try Workspace()
        var lines = ["id,amount,customer,updated_at"]
        for id in 1...10 { lines.append("\(id),\(id)0,customer \(id),2026-11-01 10:\(id + 10):00") }
        lines[2] = "2,20,\"customer 2,2026-11-01 10:12:00"
        try space.write("data/orders.csv", lines.joined(separator: "\n") + "\n")
        try space.write("models/totals.sql", "select count(*) as orders, sum(amount) as revenue from raw.orders")
        let manifest = try space.manifest(PipelineRunnerTests.miniManifest(maxBadRecords: 1))
        let state = try space.stateStore()
        let warehouse = try space.warehouse()
        let runner = PipelineRunner(
            manifest: manifest, state: state, warehouse: warehouse, clock: TestClock(), logger: Logger(label: "test"))
        let run = try await runner.run(RunRequest(pipeline: "mini", trigger: .manual, requestedBy: "test"))
        let steps = try await state.read { try $0.steps(runID: run.id) }
        let step = try #require(steps.first { $0.stepID == "load:raw.orders" })
        #expect(run.state == .succeeded, "\(step.error ?? "")")
        #expect(step.detail?.hasPrefix("10 rows read, 9 new") == true, "\(step.detail ?? "")")
        #expect(step.detail?.contains("1 bad skipped") == true, "\(step.detail ?? "")")
        let loaded = try await warehouse.query(
            "select id from raw.orders order by id", limit: 20, context: JobContext(pipeline: "mini", runID: 0, stepID: "t"))
        #expect(loaded.rows.map { $0.first ?? nil } == ["1", "3", "4", "5", "6", "7", "8", "9", "10"])

        let reread = try ExtractedRows(
            source: csv("data/orders.csv"), load: load([], maxBadRecords: 0), baseDirectory: space.root,
            watermark: nil, days: nil)
        let error = extractError { _ = try readAll(reread) }
        #expect(error?.code == .tooManyBadRecords)
        #expect(error?.message.contains("data/orders.csv:3: a quoted field is never closed") == true)
    }

    @Test func aBadRecordSpanningLinesIsOnlyItsFirstLineAndScanningResumesOnTheNext() throws {
        let space = try Workspace()
        try space.write(
            "notes.csv",
            "id,note\n"
                + "1,ok\n"
                + "2,\"unbalanced\n"
                + "3,fine\n"
                + "4,\"multi\n"
                + "line\"\n"
                + "5,\"closed\"junk\n"
                + "6,fine\n"
                + "7,\"a\n"
                + "b\",extra\n"
                + "8,last\n")
        let rows = try extract(space, "notes.csv", load(idAndNote, maxBadRecords: 10))
        #expect(try readAll(rows) == [
            [.integer(1), .string("ok")], [.integer(3), .string("fine")], [.integer(4), .string("multi\nline")],
            [.integer(6), .string("fine")], [.integer(8), .string("last")],
        ])
        #expect(rows.badExamples == [
            "notes.csv:3: text follows a closing quote; quote the whole field and double inner quotes",
            "notes.csv:7: text follows a closing quote; quote the whole field and double inner quotes",
            "notes.csv:9: expected 2 fields as in the header, found 3",
            "notes.csv:10: column id: 'b\"' is not an integer",
        ])
        #expect(rows.rowsRead == 9)
    }

    // MARK: max_field_size

    @Test func aQuoteStillOpenPastMaxFieldSizeFailsTheStepAtTheLineWhereItOpened() throws {
        let space = try Workspace()
        var text = "id,note\n"
        for id in 2...16 { text += "\(id),ok\n" }
        text += "17,\"never closed\n" + String(repeating: "18,one of many rows after it\n", count: 50_000)
        try space.write("exports/sales_2024-01-03.csv", text)
        let rows = try extract(space, "exports/sales_2024-01-03.csv", load(idAndNote, maxBadRecords: 100))
        let error = extractError { _ = try readAll(rows) }
        #expect(error?.code == .unclosedQuote)
        #expect(error?.message == "exports/sales_2024-01-03.csv:17: a quoted field opened here runs past 1 MiB "
            + "(max_field_size); close the quote or raise max_field_size on the load")
        #expect(rows.rowsRead == 15)

        try space.write("late.csv", "id,note,extra\n1,\"two\nlines\",\"opens on line 3\n" + String(repeating: "x", count: 2_000))
        let late = try extract(space, "late.csv", load([], maxFieldSize: 1_000))
        #expect(extractError { _ = try readAll(late) }?.message.hasPrefix("late.csv:3: a quoted field opened here runs past 1000 B") == true)
    }

    @Test func aFieldLongerThanMaxFieldSizeIsABadRecordAndTheNextRowsLoad() throws {
        let space = try Workspace()
        let huge = String(repeating: "y", count: 3 << 20)
        try space.write(
            "notes.csv",
            "id,note\n"
                + "1,exactly 16 bytes\n"
                + "2,\"quoted, 16 bytes\"\n"
                + "3,seventeen bytes!!\n"
                + "4,\(huge)\n"
                + "5,fine\n")
        let rows = try extract(space, "notes.csv", load(idAndNote, maxBadRecords: 2, maxFieldSize: 16))
        #expect(try readAll(rows) == [
            [.integer(1), .string("exactly 16 bytes")], [.integer(2), .string("quoted, 16 bytes")],
            [.integer(5), .string("fine")],
        ])
        #expect(rows.badExamples == [
            "notes.csv:4: column note is longer than max_field_size (16 B); shorten it or raise max_field_size on the load",
            "notes.csv:5: column note is longer than max_field_size (16 B); shorten it or raise max_field_size on the load",
        ])
    }

    @Test func anNDJSONLineLongerThanMaxFieldSizeIsOneBadRecord() throws {
        let space = try Workspace()
        let long = String(repeating: "z", count: 3 << 20)
        try space.write(
            "events.ndjson",
            #"{"id": 1, "note": "short"}"# + "\n"
                + #"{"id": 2, "note": "\#(long)"}"# + "\n"
                + #"{"id": 3, "note": "a note of more than sixty-four bytes, as JSON text, so bad"}"# + "\n"
                + #"{"id": 4, "note": "fine"}"# + "\n")
        let rows = try extract(space, "events.ndjson", load(idAndNote, maxBadRecords: 2, maxFieldSize: 64))
        #expect(try readAll(rows) == [[.integer(1), .string("short")], [.integer(4), .string("fine")]])
        #expect(rows.badExamples == [
            "events.ndjson:2: the line is longer than max_field_size (64 B); shorten it or raise max_field_size on the load",
            "events.ndjson:3: the line is longer than max_field_size (64 B); shorten it or raise max_field_size on the load",
        ])
    }

    // MARK: Merge keys

    @Test func anEmptyOrNullMergeKeyIsABadRecordInEveryKeyColumn() throws {
        let space = try Workspace()
        try space.write("orders.csv", "order_id,region,status\n1,eu,ok\n,eu,no id\n2,,no region\n3,us,ok\n")
        let columns = [
            Column(name: "order_id", type: .integer), Column(name: "region", type: .string),
            Column(name: "status", type: .string),
        ]
        let merge = load(columns, write: .merge(key: ["order_id", "region"]), maxBadRecords: 4)
        let rows = try extract(space, "orders.csv", merge)
        #expect(try readAll(rows) == [
            [.integer(1), .string("eu"), .string("ok")], [.integer(3), .string("us"), .string("ok")],
        ])
        #expect(rows.badExamples == ["orders.csv:3: merge key order_id is empty", "orders.csv:4: merge key region is empty"])

        try space.write(
            "orders.ndjson",
            #"{"order_id": 1, "region": "eu"}"# + "\n" + #"{"order_id": null, "region": "eu"}"# + "\n"
                + #"{"region": "us"}"# + "\n")
        let json = try extract(space, "orders.ndjson", merge)
        #expect(try readAll(json) == [[.integer(1), .string("eu"), .null]])
        #expect(json.badExamples == ["orders.ndjson:2: merge key order_id is empty", "orders.ndjson:3: merge key order_id is empty"])

        let append = try extract(space, "orders.csv", load(columns))
        #expect(try readAll(append).count == 4)
    }
}
