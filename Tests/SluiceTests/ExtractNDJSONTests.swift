import Foundation
import GRDBSQLite
import SluiceCore
import Testing
import Warehouse
import Worker

/// NDJSON: fields by key, scalars as text, columns from the first object without declared ones.
@Suite("Extract: NDJSON")
struct ExtractNDJSONTests: ExtractSuite {
    @Test func ndjsonFieldsByKeyWithScalarsAsText() throws {
        let space = try Workspace()
        try space.write(
            "events.ndjson",
            #"{"id": 1, "ok": true, "score": 2.5, "name": "a, \"b\"", "day": "2026-03-01"}"# + "\n"
                + #"{"id": 2, "ok": false, "score": null}"# + "\r\n"
                + "\n"
                + "not json\n"
                + #"{"id": 3, "name": {"nested": 1}}"# + "\n"
                + #"{"id": "x"}"# + "\n"
                + #"{"id": 4, "ok": 1, "score": 3, "extra": [1]}"#)
        let columns = [
            Column(name: "id", type: .integer), Column(name: "ok", type: .boolean), Column(name: "score", type: .float),
            Column(name: "name", type: .string), Column(name: "day", type: .date),
        ]
        let rows = try ExtractedRows(
            source: Source(name: "events", kind: .ndjson(path: "events.ndjson")), load: load(columns, maxBadRecords: 3),
            baseDirectory: space.root, watermark: nil, days: nil)
        #expect(try readAll(rows) == [
            [.integer(1), .boolean(true), .float(2.5), .string("a, \"b\""), .date("2026-03-01")],
            [.integer(2), .boolean(false), .null, .null, .null],
            [.integer(4), .boolean(true), .float(3), .null, .null],
        ])
        #expect(rows.badRecords == 3)
        #expect(rows.badExamples.first == "events.ndjson:4: the line is not a JSON object")
        #expect(rows.badExamples.contains { $0.hasPrefix("events.ndjson:5: key 'name'") })
        #expect(rows.badExamples.last == "events.ndjson:6: column id: 'x' is not an integer")
    }

    @Test func ndjsonWithoutDeclaredColumnsUsesTheFirstObjectsSortedKeys() throws {
        let space = try Workspace()
        try space.write("events.ndjson", #"{"b": 1, "a": "x"}"# + "\n" + #"{"a": "y", "c": 3}"# + "\n")
        let rows = try ExtractedRows(
            source: Source(name: "events", kind: .ndjson(path: "events.ndjson")), load: load([]),
            baseDirectory: space.root, watermark: nil, days: nil)
        #expect(rows.columns.map(\.name) == ["a", "b"])
        #expect(try readAll(rows) == [[.string("x"), .string("1")], [.string("y"), .null]])
    }
}
