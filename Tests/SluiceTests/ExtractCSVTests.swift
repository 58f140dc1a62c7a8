import Foundation
import GRDBSQLite
import SluiceCore
import Testing
import Warehouse
import Worker

/// CSV: quoting, line ends, BOMs, declared and undeclared columns, long records; bad records
/// counted, or failing the load when there are too many.
@Suite("Extract: CSV format and bad records")
struct ExtractCSVTests: ExtractSuite {
    // MARK: CSV format

    @Test func csvQuotingLineEndsBomAndEmptyFields() throws {
        let space = try Workspace()
        let text = "\u{FEFF}order_id,status,order_date,updated_at,total\r\n"
            + "1,\"shipped, fast\",2026-03-01,2026-03-01 10:00:00,12.50\r\n"
            + "2,\"said \"\"hi\"\"\",2026-03-02,2026-03-02T08:00:00Z,\r\n"
            + "3,\"two\nlines\",,,7\n"
            + "\n"
            + "4,,2026-03-03,2026-03-03 09:00:00+01:00,1e2"
        try space.write("orders.csv", text)
        let rows = try ExtractedRows(
            source: csv("orders.csv"), load: load(orderColumns), baseDirectory: space.root, watermark: nil, days: nil)
        #expect(rows.columns == orderColumns)
        let all = try readAll(rows)
        #expect(all == [
            [.integer(1), .string("shipped, fast"), .date("2026-03-01"), .timestamp("2026-03-01 10:00:00"), .float(12.5)],
            [.integer(2), .string("said \"hi\""), .date("2026-03-02"), .timestamp("2026-03-02 08:00:00"), .null],
            [.integer(3), .string("two\nlines"), .null, .null, .float(7)],
            [.integer(4), .null, .date("2026-03-03"), .timestamp("2026-03-03 08:00:00"), .float(100)],
        ])
        #expect(rows.rowsRead == 4)
        #expect(rows.badRecords == 0)
    }

    @Test func undeclaredColumnsAreEveryHeaderColumnAsText() throws {
        let space = try Workspace()
        try space.write("people.csv", " name , age\nAda,36\n\"Grace\",\n")
        let rows = try ExtractedRows(
            source: csv("people.csv"), load: load([]), baseDirectory: space.root, watermark: nil, days: nil)
        #expect(rows.columns == [Column(name: "name", type: .string), Column(name: "age", type: .string)])
        #expect(try readAll(rows) == [[.string("Ada"), .string("36")], [.string("Grace"), .null]])
    }

    @Test func declaredColumnsPickTheirFieldsByNameAndIgnoreTheRest() throws {
        let space = try Workspace()
        try space.write("orders.csv", "total,extra,order_id\n9.5,x,1\n")
        let columns = [Column(name: "order_id", type: .integer), Column(name: "total", type: .float)]
        let rows = try ExtractedRows(
            source: csv("orders.csv"), load: load(columns), baseDirectory: space.root, watermark: nil, days: nil)
        #expect(try readAll(rows) == [[.integer(1), .float(9.5)]])
    }

    @Test func recordsSpanningManyBufferRefillsStayIntact() throws {
        let space = try Workspace()
        var text = "id,note\n"
        let count = 40_000
        for id in 1...count { text += "\(id),\"note \(id), with \"\"quotes\"\"\nand a second line\"\n" }
        let huge = String(repeating: "x", count: 3 << 20)
        text += "\(count + 1),\"\(huge)\"\n"
        try space.write("notes.csv", text)
        let columns = [Column(name: "id", type: .integer), Column(name: "note", type: .string)]
        let rows = try ExtractedRows(
            source: csv("notes.csv"), load: load(columns, maxFieldSize: 4 << 20), baseDirectory: space.root,
            watermark: nil, days: nil)
        var seen = 0
        while let row = try rows.nextRow() {
            seen += 1
            #expect(row[0] == .integer(Int64(seen)))
            if seen <= count {
                guard row[1] != .string("note \(seen), with \"quotes\"\nand a second line") else { continue }
                Issue.record("row \(seen) came back as \(row[1])")
                break
            } else {
                #expect(row[1] == .string(huge))
            }
        }
        #expect(seen == count + 1)
    }

    // MARK: Bad records

    @Test func badRecordsAreCountedWithFileAndLine() throws {
        let space = try Workspace()
        try space.write(
            "orders.csv",
            "order_id,status,order_date,updated_at,total\n"
                + "1,ok,2026-03-01,2026-03-01 10:00:00,1\n"
                + "x12,ok,2026-03-01,2026-03-01 10:00:00,1\n"
                + "3,\"multi\nline\",2026-03-01,2026-03-01 10:00:00,1\n"
                + "4,short\n"
                + "5,ok,2026-02-30,2026-03-01 10:00:00,1\n"
                + "6,ok,2026-03-01,2026-03-01 10:00:00,1\n")
        let rows = try ExtractedRows(
            source: csv("orders.csv"), load: load(orderColumns, maxBadRecords: 3), baseDirectory: space.root,
            watermark: nil, days: nil)
        let all = try readAll(rows)
        #expect(all.map { $0[0] } == [.integer(1), .integer(3), .integer(6)])
        #expect(rows.badRecords == 3)
        #expect(rows.rowsRead == 6)
        #expect(rows.badExamples == [
            "orders.csv:3: column order_id: 'x12' is not an integer",
            "orders.csv:6: expected 5 fields as in the header, found 2",
            "orders.csv:7: column order_date: '2026-02-30' is not a valid date (YYYY-MM-DD)",
        ])
    }

    @Test func tooManyBadRecordsFailWithCountAndExamples() throws {
        let space = try Workspace()
        var text = "order_id,status,order_date,updated_at,total\n"
        for line in 2...9 { text += "n\(line),ok,2026-03-01,2026-03-01 10:00:00,1\n" }
        try space.write("orders.csv", text)
        let rows = try ExtractedRows(
            source: csv("orders.csv"), load: load(orderColumns, maxBadRecords: 6), baseDirectory: space.root,
            watermark: nil, days: nil)
        let error = extractError { _ = try readAll(rows) }
        #expect(error?.code == .tooManyBadRecords)
        let message = error?.message ?? ""
        #expect(message.contains("7 bad records"))
        #expect(message.contains("max_bad_records (6)"))
        #expect(message.contains("orders.csv:2: column order_id: 'n2' is not an integer"))
        #expect(message.contains("orders.csv:6:"))
        #expect(!message.contains("orders.csv:7:"))
        #expect(rows.badExamples.count == 5)
    }

    @Test func anUnclosedQuoteIsABadRecordOfOneLine() throws {
        let space = try Workspace()
        try space.write("orders.csv", "order_id,status\n1,ok\n2,\"never closed\n3,ok\n")
        let columns = [Column(name: "order_id", type: .integer), Column(name: "status", type: .string)]
        let rows = try ExtractedRows(
            source: csv("orders.csv"), load: load(columns, maxBadRecords: 1), baseDirectory: space.root,
            watermark: nil, days: nil)
        #expect(try readAll(rows) == [[.integer(1), .string("ok")], [.integer(3), .string("ok")]])
        #expect(rows.badExamples == ["orders.csv:3: a quoted field is never closed"])
    }
}
