import Foundation
import GRDBSQLite
import SluiceCore
import Testing
import Warehouse
import Worker

/// Rows after the cursor's watermark, and only the days a backfill asks for.
@Suite("Extract: cursor and backfill filters")
struct ExtractCursorTests: ExtractSuite {
    @Test func cursorEmitsRowsAtOrAfterTheWatermarkAndReportsTheNewMaximum() throws {
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
        // Rows before the watermark are skipped; a row without a cursor value cannot be ordered, so it
        // is always read (the merge key absorbs it).
        #expect(try readAll(rows).map { $0[0] } == [.integer(3), .integer(4), .integer(5)])
        #expect(rows.skippedByCursor == 2)
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
        #expect(try readAll(rows) == [[.integer(10)], [.integer(100)], [.integer(9)]])
        #expect(rows.newWatermark == "100")
    }

    @Test func theRowAtTheWatermarkIsReadAgainAndOlderRowsAreSkipped() throws {
        let space = try Workspace()
        try space.write("events.csv", "id\n1\n2\n")
        let rows = try ExtractedRows(
            source: csv("events.csv", cursor: "id"), load: load([Column(name: "id", type: .integer)]),
            baseDirectory: space.root, watermark: "2", days: nil)
        #expect(try readAll(rows) == [[.integer(2)]])
        #expect(rows.newWatermark == "2")
        #expect(rows.skippedByCursor == 1)
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
}
