import Foundation
import SluiceCore
import Testing
import Warehouse

/// Reads: queries with a limit, freshness, rows per day and estimated bytes.
@Suite("SQLiteWarehouse: reads")
struct SQLiteWarehouseReadTests: SQLiteWarehouseSuite {
    @Test func queriesReturnAtMostTheLimitButCountEveryRow() async throws {
        try await withWarehouse { warehouse, _ in
            try await load(warehouse, (1...25).map { order($0, "placed", 1.5, "2024-05-01") }, write: .truncate)
            let result = try await warehouse.query(
                "select order_id, null as empty, total from raw.orders order by order_id", limit: 3, context: context)
            #expect(result.columns == ["order_id", "empty", "total"])
            #expect(result.rows == [["1", nil, "1.5"], ["2", nil, "1.5"], ["3", nil, "1.5"]])
            #expect(result.totalRows == 25)
            await #expect(throws: WarehouseError.self) {
                try await warehouse.query("delete from raw.orders", limit: 1, context: context)
            }
            #expect(try await warehouse.query("select count(*) from raw.orders", limit: 1, context: context).rows == [["25"]])
        }
    }

    @Test func freshnessReadsTheNewestTimestampAndTheMetadata() async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_714_650_000))
        try await withWarehouse(clock: clock) { warehouse, _ in
            let events = TableName(dataset: "raw", table: "events")
            let columns = [Column(name: "id", type: .integer), Column(name: "loaded_at", type: .timestamp)]
            try await load(
                warehouse,
                [[.integer(1), .timestamp("2024-05-01 10:00:00")], [.integer(2), .timestamp("2024-05-02T11:30:00Z")],
                 [.integer(3), .null]],
                into: events, columns: columns, write: .truncate)
            let facts = try await warehouse.freshness(of: events, loadedAt: "loaded_at", context: nil)
            #expect(facts == TableFreshness(
                exists: true, newestLoadedAt: Date(timeIntervalSince1970: 1_714_649_400),
                lastModified: Date(timeIntervalSince1970: 1_714_650_000), rowCount: 3))

            clock.advance(by: 90)
            try await load(warehouse, [[.integer(4), .timestamp("2024-05-02")]], into: events, columns: columns, write: .append)
            let later = try await warehouse.freshness(of: events, loadedAt: nil, context: nil)
            #expect(later.lastModified == Date(timeIntervalSince1970: 1_714_650_090))
            #expect(later.rowCount == 4)
            #expect(later.newestLoadedAt == nil)

            #expect(try await warehouse.freshness(of: TableName(dataset: "raw", table: "missing"), loadedAt: "x", context: nil).exists == false)
            #expect(try await warehouse.freshness(of: TableName(dataset: "nowhere", table: "t"), loadedAt: nil, context: nil).exists == false)
            await #expect(throws: WarehouseError.self) {
                try await warehouse.freshness(of: events, loadedAt: "no_such_column", context: nil)
            }
        }
    }

    @Test func rowsPerDayCountsByDateOrTodaysTotal() async throws {
        let clock = TestClock(Date(timeIntervalSince1970: 1_714_649_400))  // 2024-05-02 11:30 UTC
        try await withWarehouse(clock: clock) { warehouse, _ in
            let rows: [[Value]] = [
                order(1, "placed", 1, "2024-04-29"), order(2, "placed", 1, "2024-04-30"),
                order(3, "placed", 1, "2024-04-30"), order(4, "placed", 1, "2024-05-01"),
            ]
            try await load(warehouse, rows, write: .truncate)
            let counts = try await warehouse.rowsPerDay(of: orders, column: "order_date", since: "2024-04-30", context: nil).days
            #expect(counts == [DayCount(day: "2024-04-30", rows: 2), DayCount(day: "2024-05-01", rows: 1)])
            let all = try await warehouse.rowsPerDay(of: orders, column: "order_date", since: nil, context: nil).days
            #expect(all.map(\.rows) == [1, 2, 1])
            #expect(try await warehouse.rowsPerDay(of: orders, column: nil, since: nil, context: nil).days == [DayCount(day: "2024-05-02", rows: 4)])
            await #expect(throws: WarehouseError.self) {
                try await warehouse.rowsPerDay(of: TableName(dataset: "raw", table: "missing"), column: nil, since: nil, context: nil).days
            }
        }
    }

    @Test func estimatedBytesFollowBigQuerysLogicalSizes() async throws {
        try await withWarehouse { warehouse, _ in
            let table = TableName(dataset: "raw", table: "sized")
            let columns = [Column(name: "id", type: .integer), Column(name: "code", type: .string)]
            // Per row: 8 bytes for the integer, 2 + 3 for the string.
            try await load(warehouse, (1...40).map { [.integer($0), .string("abc")] }, into: table, columns: columns, write: .truncate)
            let reading = try model(
                "mart.sized_summary", "select count(*) from raw.sized join raw.missing using (id)", .table,
                reads: ["raw.sized", "raw.sized", "raw.missing"])
            #expect(try await warehouse.estimateBytes(of: reading) == 40 * 13)
            // A check's query reads its tables whole, a freshness or volume query one column, a MERGE its target.
            let missing = TableName(dataset: "raw", table: "missing")
            #expect(try await warehouse.estimateBytes(of: .failingRows(sql: "select 1", reads: [table, missing])) == 40 * 13)
            #expect(try await warehouse.estimateBytes(of: .newestValue(of: table, column: "CODE")) == 40 * 5)
            #expect(try await warehouse.estimateBytes(of: .rowsPerDay(of: table, column: "id")) == 40 * 8)
            #expect(try await warehouse.estimateBytes(of: .merge(into: table)) == 40 * 13)
            #expect(try await warehouse.estimateBytes(of: .merge(into: missing)) == 0, "not built yet")
        }
    }
}
