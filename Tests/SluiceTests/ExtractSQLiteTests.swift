import Foundation
import GRDBSQLite
import SluiceCore
import Testing
import Warehouse
import Worker

/// SQLite sources: a query streamed as typed rows, and errors that name the problem.
@Suite("Extract: SQLite sources")
struct ExtractSQLiteTests: ExtractSuite {
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
        // The row at the watermark is read again (the merge key absorbs it): the cursor compares with >=.
        #expect(try readAll(rows) == [
            [.integer(1), .string("delivered"), .date("2026-03-01"), .timestamp("2026-03-01 10:00:00"), .float(12.5)],
            [.integer(2), .null, .date("2026-03-02"), .timestamp("2026-03-02 11:00:00"), .null],
        ])
        #expect(rows.skippedByCursor == 0)
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
