import Foundation
import GRDBSQLite
import SluiceCore
import Testing
import Warehouse
import Worker

@Suite struct ExtractTests {
    private let orderColumns = [
        Column(name: "order_id", type: .integer), Column(name: "status", type: .string),
        Column(name: "order_date", type: .date), Column(name: "updated_at", type: .timestamp),
        Column(name: "total", type: .float),
    ]

    private func load(
        _ columns: [Column], partitionBy: String? = nil, maxBadRecords: Int = 0
    ) -> Load {
        Load(
            source: "orders", table: TableName(dataset: "raw", table: "orders"), write: .append,
            partitionBy: partitionBy, columns: columns, maxBadRecords: maxBadRecords)
    }

    private func csv(_ path: String, cursor: String? = nil) -> Source {
        Source(name: "orders", kind: .csv(path: path), cursor: cursor)
    }

    private func readAll(_ rows: ExtractedRows) throws -> [[Value]] {
        var result: [[Value]] = []
        while let row = try rows.nextRow() { result.append(row) }
        return result
    }

    private func extractError(_ body: () throws -> Void) -> ExtractError? {
        do {
            try body()
            return nil
        } catch let error as ExtractError {
            return error
        } catch {
            return nil
        }
    }

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
            source: csv("notes.csv"), load: load(columns), baseDirectory: space.root, watermark: nil, days: nil)
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

    @Test func anUnclosedQuoteIsABadRecord() throws {
        let space = try Workspace()
        try space.write("orders.csv", "order_id,status\n1,ok\n2,\"never closed\n3,ok\n")
        let columns = [Column(name: "order_id", type: .integer), Column(name: "status", type: .string)]
        let rows = try ExtractedRows(
            source: csv("orders.csv"), load: load(columns, maxBadRecords: 1), baseDirectory: space.root,
            watermark: nil, days: nil)
        #expect(try readAll(rows) == [[.integer(1), .string("ok")]])
        #expect(rows.badExamples == ["orders.csv:3: a quoted field is never closed"])
    }

    // MARK: Cursor and backfill filters

    @Test func cursorEmitsOnlyRowsAfterTheWatermarkAndReportsTheNewMaximum() throws {
        let space = try Workspace()
        try space.write(
            "orders.csv",
            "order_id,status,order_date,updated_at,total\n"
                + "1,a,2026-03-01,2026-03-01 09:00:00,1\n"
                + "2,a,2026-03-01,2026-03-01T10:30:00+01:00,1\n"
                + "3,a,2026-03-01,2026-03-01 12:00:00,1\n"
                + "4,a,2026-03-01,2026-03-01 11:00:00,1\n"
                + "5,a,2026-03-01,,1\n")
        let rows = try ExtractedRows(
            source: csv("orders.csv", cursor: "updated_at"), load: load(orderColumns), baseDirectory: space.root,
            watermark: "2026-03-01 10:00:00", days: nil)
        #expect(try readAll(rows).map { $0[0] } == [.integer(3), .integer(4)])
        #expect(rows.skippedByCursor == 3)
        #expect(rows.newWatermark == "2026-03-01 12:00:00")

        let first = try ExtractedRows(
            source: csv("orders.csv", cursor: "updated_at"), load: load(orderColumns), baseDirectory: space.root,
            watermark: nil, days: nil)
        #expect(try readAll(first).count == 5)
        #expect(first.newWatermark == "2026-03-01 12:00:00")
    }

    @Test func integerCursorComparesNumbers() throws {
        let space = try Workspace()
        try space.write("events.csv", "id\n8\n10\n100\n9\n")
        let rows = try ExtractedRows(
            source: csv("events.csv", cursor: "id"), load: load([Column(name: "id", type: .integer)]),
            baseDirectory: space.root, watermark: "9", days: nil)
        #expect(try readAll(rows) == [[.integer(10)], [.integer(100)]])
        #expect(rows.newWatermark == "100")
    }

    @Test func noRowsAfterTheWatermarkLeavesNoNewWatermark() throws {
        let space = try Workspace()
        try space.write("events.csv", "id\n1\n2\n")
        let rows = try ExtractedRows(
            source: csv("events.csv", cursor: "id"), load: load([Column(name: "id", type: .integer)]),
            baseDirectory: space.root, watermark: "2", days: nil)
        #expect(try rows.nextRow() == nil)
        #expect(rows.newWatermark == nil)
        #expect(rows.skippedByCursor == 2)
    }

    @Test func backfillEmitsOnlyRowsOfTheRequestedDays() throws {
        let space = try Workspace()
        try space.write(
            "orders.csv",
            "order_id,status,order_date,updated_at,total\n"
                + "1,a,2026-03-01,2026-03-01 09:00:00,1\n"
                + "2,a,2026-03-02,2026-03-02 09:00:00,1\n"
                + "3,a,2026-03-03,2026-03-03 09:00:00,1\n"
                + "4,a,2026-03-02,2026-03-02 10:00:00,1\n")
        let rows = try ExtractedRows(
            source: csv("orders.csv"), load: load(orderColumns, partitionBy: "order_date"), baseDirectory: space.root,
            watermark: nil, days: ["2026-03-02", "2026-03-03"])
        #expect(try readAll(rows).map { $0[0] } == [.integer(2), .integer(3), .integer(4)])
        #expect(rows.skippedByDay == 1)

        let byTimestamp = try ExtractedRows(
            source: csv("orders.csv"), load: load(orderColumns, partitionBy: "updated_at"), baseDirectory: space.root,
            watermark: nil, days: ["2026-03-01"])
        #expect(try readAll(byTimestamp).map { $0[0] } == [.integer(1)])
    }

    // MARK: Paths

    @Test func globReadsEveryMatchInSortedOrderEachWithItsHeader() throws {
        let space = try Workspace()
        try space.write("in/b.csv", "id,name\n3,c\n")
        try space.write("in/a.csv", "name,id\nx,1\ny,2\n")
        try space.write("in/notes.txt", "id\n99\n")
        let rows = try ExtractedRows(
            source: csv("in/*.csv"), load: load([Column(name: "id", type: .integer)]), baseDirectory: space.root,
            watermark: nil, days: nil)
        #expect(try readAll(rows) == [[.integer(1)], [.integer(2)], [.integer(3)]])

        let error = extractError {
            _ = try ExtractedRows(
                source: csv("in/*.tsv"), load: load([]), baseDirectory: space.root, watermark: nil, days: nil)
        }
        #expect(error?.code == .missingFile)
        #expect(error?.message.contains("in/*.tsv") == true)
        #expect(error?.message.contains("'orders'") == true)
    }

    @Test func dateTemplateReadsAllDaysOrExactlyTheBackfillDays() throws {
        let space = try Workspace()
        try space.write("daily/orders_2026-03-01.csv", "id\n1\n")
        try space.write("daily/orders_2026-03-02.csv", "id\n2\n")
        try space.write("daily/orders_latest.csv", "id\n99\n")
        let columns = [Column(name: "id", type: .integer)]
        let all = try ExtractedRows(
            source: csv("daily/orders_{date}.csv"), load: load(columns), baseDirectory: space.root,
            watermark: nil, days: nil)
        #expect(try readAll(all) == [[.integer(1)], [.integer(2)]])

        let oneDay = try ExtractedRows(
            source: csv("daily/orders_{date}.csv"), load: load(columns), baseDirectory: space.root,
            watermark: nil, days: ["2026-03-02"])
        #expect(try readAll(oneDay) == [[.integer(2)]])

        let error = extractError {
            _ = try ExtractedRows(
                source: csv("daily/orders_{date}.csv"), load: load(columns), baseDirectory: space.root,
                watermark: nil, days: ["2026-03-02", "2026-03-05"])
        }
        #expect(error?.code == .missingFile)
        #expect(error?.message.contains("daily/orders_2026-03-05.csv") == true)
    }

    @Test func aMissingFileNamesThePathAndTheSource() throws {
        let space = try Workspace()
        let error = extractError {
            _ = try ExtractedRows(
                source: csv("manifest/demo/orders.csv"), load: load([]), baseDirectory: space.root,
                watermark: nil, days: nil)
        }
        #expect(error?.code == .missingFile)
        #expect(error?.message.contains("manifest/demo/orders.csv") == true)
        #expect(error?.message.contains("source 'orders'") == true)
    }

    @Test func aDeclaredColumnMissingFromTheHeaderIsABadHeader() throws {
        let space = try Workspace()
        try space.write("orders.csv", "order_id,status\n1,ok\n")
        let error = extractError {
            _ = try ExtractedRows(
                source: csv("orders.csv"), load: load(orderColumns), baseDirectory: space.root, watermark: nil, days: nil)
        }
        #expect(error?.code == .badHeader)
        #expect(error?.message.contains("'order_date'") == true)
        #expect(error?.message.contains("order_id, status") == true)
        #expect(error?.message.contains("raw.orders") == true)
    }

    @Test func aCursorOutsideTheColumnsIsABadHeader() throws {
        let space = try Workspace()
        try space.write("orders.csv", "order_id\n1\n")
        let error = extractError {
            _ = try ExtractedRows(
                source: csv("orders.csv", cursor: "updated_at"), load: load([Column(name: "order_id", type: .integer)]),
                baseDirectory: space.root, watermark: nil, days: nil)
        }
        #expect(error?.code == .badHeader)
        #expect(error?.message.contains("updated_at") == true)
    }

    @Test func anEmptyFileOrDuplicateHeaderIsABadHeader() throws {
        let space = try Workspace()
        try space.write("empty.csv", "")
        try space.write("twice.csv", "id,id\n1,2\n")
        for name in ["empty.csv", "twice.csv"] {
            let error = extractError {
                _ = try ExtractedRows(source: csv(name), load: load([]), baseDirectory: space.root, watermark: nil, days: nil)
            }
            #expect(error?.code == .badHeader, "\(name)")
        }
    }

    // MARK: NDJSON

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

    // MARK: SQLite

    private func shopDatabase(_ space: Workspace) throws {
        var db: OpaquePointer?
        defer { sqlite3_close(db) }
        try #require(sqlite3_open(space.path("shop.db"), &db) == SQLITE_OK)
        let sql = """
            create table orders (order_id integer, status text, order_date text, updated_at text, total real);
            insert into orders values (1, 'delivered', '2026-03-01', '2026-03-01 10:00:00', 12.5);
            insert into orders values (2, null, '2026-03-02', '2026-03-02 11:00:00', null);
            insert into orders values (3, 'shipped', 'soon', '2026-03-03 12:00:00', 4);
            """
        try #require(sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK)
    }

    @Test func sqliteSourceStreamsTheQueryAsTypedRows() throws {
        let space = try Workspace()
        try shopDatabase(space)
        let source = Source(
            name: "orders", kind: .sqlite(path: "shop.db", query: "select * from \"orders\" order by order_id"),
            cursor: "updated_at")
        let rows = try ExtractedRows(
            source: source, load: load(orderColumns, maxBadRecords: 1), baseDirectory: space.root,
            watermark: "2026-03-01 10:00:00", days: nil)
        #expect(try readAll(rows) == [
            [.integer(2), .null, .date("2026-03-02"), .timestamp("2026-03-02 11:00:00"), .null],
        ])
        #expect(rows.skippedByCursor == 1)
        #expect(rows.badExamples == ["shop.db: row 3: column order_date: 'soon' is not a valid date (YYYY-MM-DD)"])
        #expect(rows.newWatermark == "2026-03-02 11:00:00")
    }

    @Test func sqliteSourceErrorsNameTheProblem() throws {
        let space = try Workspace()
        try shopDatabase(space)
        let missingColumn = extractError {
            _ = try ExtractedRows(
                source: Source(name: "orders", kind: .sqlite(path: "shop.db", query: "select order_id from orders")),
                load: load(orderColumns), baseDirectory: space.root, watermark: nil, days: nil)
        }
        #expect(missingColumn?.code == .badHeader)
        let badQuery = extractError {
            _ = try ExtractedRows(
                source: Source(name: "orders", kind: .sqlite(path: "shop.db", query: "select * from nowhere")),
                load: load([]), baseDirectory: space.root, watermark: nil, days: nil)
        }
        #expect(badQuery?.code == .unreadable)
        #expect(badQuery?.message.contains("nowhere") == true)
        let writing = extractError {
            _ = try ExtractedRows(
                source: Source(name: "orders", kind: .sqlite(path: "shop.db", query: "delete from orders")),
                load: load([]), baseDirectory: space.root, watermark: nil, days: nil)
        }
        #expect(writing?.code == .unreadable)
        let missingFile = extractError {
            _ = try ExtractedRows(
                source: Source(name: "orders", kind: .sqlite(path: "other.db", query: "select 1")),
                load: load([]), baseDirectory: space.root, watermark: nil, days: nil)
        }
        #expect(missingFile?.code == .missingFile)
        #expect(missingFile?.message.contains("other.db") == true)
    }
}
