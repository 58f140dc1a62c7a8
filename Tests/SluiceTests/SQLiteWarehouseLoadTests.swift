import Foundation
import SluiceCore
import Testing
import Warehouse

/// Loads: truncate, append and merge, atomic and concurrent loads, schema changes, partitions.
@Suite("SQLiteWarehouse: loads")
struct SQLiteWarehouseLoadTests: SQLiteWarehouseSuite {
    /// Schema and every row of a table, in storage order: equal dumps mean equal tables.
    private func dump(_ warehouse: SQLiteWarehouse, _ table: TableName) async throws -> [[String?]] {
        let schema = try await rows(
            warehouse, "select type, name, sql from \(table.dataset).sqlite_master order by name")
        let data = try await rows(warehouse, "select rowid, * from \(table) order by rowid")
        return schema + data
    }

    @Test func truncateReplacesAndAppendAdds() async throws {
        try await withWarehouse { warehouse, _ in
            let first = try await load(
                warehouse, [order(1, "placed", 10, "2024-05-01"), order(2, "placed", 20, "2024-05-01")], write: .truncate)
            #expect(first == LoadResult(rowsLoaded: 2, rowsInTable: 2))
            let appended = try await load(warehouse, [order(3, "placed", 30, "2024-05-02")], write: .append)
            #expect(appended == LoadResult(rowsLoaded: 1, rowsInTable: 3))
            let truncated = try await load(warehouse, [order(9, "shipped", 90, "2024-05-03")], write: .truncate)
            #expect(truncated == LoadResult(rowsLoaded: 1, rowsInTable: 1))
            #expect(try await rows(warehouse, "select * from raw.orders") == [["9", "shipped", "90.0", "2024-05-03"]])
            let types = try await rows(warehouse, "select name, type from pragma_table_info('orders', 'raw') order by cid")
            #expect(types == [["order_id", "INTEGER"], ["status", "TEXT"], ["total", "REAL"], ["order_date", "TEXT"]])
        }
    }

    @Test func loadsStartedTogetherAllCommit() async throws {
        try await withWarehouse { warehouse, _ in
            let columns = orderColumns
            let context = context
            let results = try await withThrowingTaskGroup(of: LoadResult.self) { group in
                for table in 1...4 {
                    group.addTask {
                        let rows = (1...(table * 100)).map { [Value.integer(Int64($0)), .string("placed"), .float(1), .date("2024-05-01")] }
                        let request = LoadRequest(
                            table: TableName(dataset: "raw", table: "orders_\(table)"), columns: columns,
                            write: .merge(key: ["order_id"]), partitionBy: "order_date", context: context)
                        return try await warehouse.load(request, rows: ArrayRows(rows))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1.rowsInTable) }
            }
            #expect(results.sorted() == [100, 200, 300, 400])
            let total = try await rows(warehouse, """
                select (select count(*) from raw.orders_1) + (select count(*) from raw.orders_2)
                     + (select count(*) from raw.orders_3) + (select count(*) from raw.orders_4)
                """)
            #expect(total == [["1000"]])
        }
    }

    @Test func mergeUpsertsOnTheKeyAndIsIdempotent() async throws {
        try await withWarehouse { warehouse, _ in
            let merge = WriteMode.merge(key: ["order_id"])
            try await load(warehouse, [order(1, "placed", 10, "2024-05-01"), order(2, "placed", 20, "2024-05-01")], write: merge)
            let batch = [order(2, "shipped", 21, "2024-05-01"), order(3, "placed", 30, "2024-05-02")]
            let once = try await load(warehouse, batch, write: merge)
            #expect(once == LoadResult(rowsLoaded: 2, rowsInTable: 3, counts: LoadCounts(inserted: 1, updated: 1)))
            let before = try await dump(warehouse, orders)
            // Unchanged rows are not rewritten, so the second merge writes nothing.
            let twice = try await load(warehouse, batch, write: merge)
            #expect(twice == LoadResult(rowsLoaded: 0, rowsInTable: 3, counts: LoadCounts(unchanged: 2)))
            #expect(try await dump(warehouse, orders) == before)
            #expect(try await rows(warehouse, "select order_id, status, total from raw.orders order by order_id") == [
                ["1", "placed", "10.0"], ["2", "shipped", "21.0"], ["3", "placed", "30.0"],
            ])
        }
    }

    @Test func keysRepeatedWithinOneMergeLoadResolveLikeAnUpsert() async throws {
        try await withWarehouse { warehouse, _ in
            let merge = WriteMode.merge(key: ["order_id"])
            let stream = [
                order(1, "placed", 10, "2024-05-01"), order(2, "placed", 20, "2024-05-01"),
                order(1, "shipped", 11, "2024-05-01"), [.null, .string("lost"), .float(0), .date("2024-05-01")],
            ]
            // Into an empty table (indexes built after the insert): the repeated key counts once.
            #expect(
                try await load(warehouse, stream, write: merge)
                    == LoadResult(rowsLoaded: 3, rowsInTable: 3, counts: LoadCounts(inserted: 3, unchanged: 1)))
            let expected: [[String?]] = [[nil, "lost"], ["1", "shipped"], ["2", "placed"]]
            #expect(try await rows(warehouse, "select order_id, status from raw.orders order by order_id") == expected)
            // Into a table with rows (row-by-row upsert): key 1 changes twice, key 2 is unchanged, and
            // the NULL key is a new row.
            #expect(
                try await load(warehouse, stream, write: merge)
                    == LoadResult(rowsLoaded: 3, rowsInTable: 4, counts: LoadCounts(inserted: 1, updated: 2, unchanged: 1)))
            #expect(try await rows(warehouse, "select count(*) from raw.orders where order_id = 1 and status = 'shipped'") == [["1"]])

            // When every column is in the key, a repeated key does nothing: the first row stays.
            let pairs = TableName(dataset: "raw", table: "pairs")
            let columns = [Column(name: "a", type: .integer), Column(name: "b", type: .integer)]
            let result = try await load(
                warehouse, [[.integer(1), .integer(1)], [.integer(1), .integer(1)], [.integer(2), .integer(2)]],
                into: pairs, columns: columns, write: .merge(key: ["a", "b"]))
            #expect(result == LoadResult(rowsLoaded: 2, rowsInTable: 2, counts: LoadCounts(inserted: 2, unchanged: 1)))
        }
    }

    @Test func mergeIntoATableWithDuplicateKeysSaysWhatToDo() async throws {
        try await withWarehouse { warehouse, _ in
            try await load(warehouse, [order(1, "placed", 10, "2024-05-01"), order(1, "placed", 10, "2024-05-01")], write: .append)
            let error = await #expect(throws: WarehouseError.self) {
                try await load(warehouse, [order(1, "shipped", 10, "2024-05-01")], write: .merge(key: ["order_id"]))
            }
            #expect(error?.message.contains("duplicate values of order_id") == true)
        }
    }

    @Test func aLoadWhoseSourceThrowsLeavesTheTableExactlyAsItWas() async throws {
        try await withWarehouse { warehouse, _ in
            try await load(
                warehouse, (1...50).map { order($0, "placed", Double($0), "2024-05-01") },
                write: .merge(key: ["order_id"]), partitionBy: "order_date")
            let before = try await dump(warehouse, orders)
            let freshness = try await warehouse.freshness(of: orders, loadedAt: nil, context: nil)
            let wider = orderColumns + [Column(name: "coupon", type: .string)]
            let replacement = (101...200).map { order($0, "cancelled", 0, "2024-05-01") + [.string("X")] }
            for write in [WriteMode.truncate, .append, .merge(key: ["order_id"])] {
                await #expect(throws: ArrayRows.Failure.self) {
                    try await load(warehouse, replacement, columns: wider, write: write, failAt: 60)
                }
                #expect(try await dump(warehouse, orders) == before)
            }
            let columns = try await warehouse.query("select * from raw.orders", limit: 0, context: context).columns
            #expect(columns == ["order_id", "status", "total", "order_date"])
            #expect(try await warehouse.freshness(of: orders, loadedAt: nil, context: nil) == freshness)
        }
    }

    @Test func aRowOfTheWrongWidthFailsTheLoadAndRollsBack() async throws {
        try await withWarehouse { warehouse, _ in
            let error = await #expect(throws: WarehouseError.self) {
                try await load(warehouse, [order(1, "placed", 10, "2024-05-01"), [.integer(2)]], write: .truncate)
            }
            #expect(error?.message.contains("row 2") == true)
            let facts = try await warehouse.freshness(of: orders, loadedAt: nil, context: nil)
            #expect(facts.exists == false)
        }
    }

    @Test func newDeclaredColumnsAreAddedToAnExistingTable() async throws {
        try await withWarehouse { warehouse, _ in
            try await load(warehouse, [order(1, "placed", 10, "2024-05-01")], write: .append)
            let wider = orderColumns + [Column(name: "paid", type: .boolean)]
            try await load(warehouse, [order(2, "placed", 20, "2024-05-01") + [.boolean(true)]], columns: wider, write: .append)
            #expect(try await rows(warehouse, "select order_id, paid from raw.orders order by order_id") == [
                ["1", nil], ["2", "1"],
            ])
        }
    }

    @Test func requestsThatCannotWorkAreRefusedWithTheReason() async throws {
        try await withWarehouse { warehouse, _ in
            let row = [order(1, "placed", 10, "2024-05-01")]
            let refusals: [(WriteMode, String?, [String]?, String)] = [
                (.merge(key: ["id"]), nil, nil, "merge key id is not a column"),
                (.append, "day", nil, "partition column day is not a column"),
                (.append, "order_date", ["2024-5-1"], "is not a day (YYYY-MM-DD)"),
                (.append, nil, ["2024-05-01"], "has no partition_by column"),
            ]
            for (write, partition, days, reason) in refusals {
                let error = await #expect(throws: WarehouseError.self) {
                    try await load(warehouse, row, write: write, partitionBy: partition, replace: days)
                }
                #expect(error?.message.contains(reason) == true, "\(error?.message ?? "no error")")
            }
            try await load(warehouse, row, write: .append)
            let view = try model("raw.order_view", "select * from raw.orders", .view, reads: ["raw.orders"])
            _ = try await warehouse.materialize(view, context: context)
            let error = await #expect(throws: WarehouseError.self) {
                try await load(warehouse, row, into: view.name, write: .append)
            }
            #expect(error?.message.contains("is a view") == true)
        }
    }

    @Test func partitionReplacementRewritesExactlyTheGivenDays() async throws {
        try await withWarehouse { warehouse, _ in
            let days = ["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04", "2024-05-05"]
            var initial: [[Value]] = []
            for (index, day) in days.enumerated() {
                for line in 1...3 { initial.append(order(Int64(index * 10 + line), "placed", Double(line), day)) }
            }
            try await load(warehouse, initial, write: .append, partitionBy: "order_date")
            let dayRows = { (day: String) async throws -> [[String?]] in
                try await rows(warehouse, "select * from raw.orders where order_date = '\(day)' order by order_id")
            }
            let untouched = [try await dayRows(days[0]), try await dayRows(days[4])]

            let backfill = [
                order(101, "shipped", 7, "2024-05-02"), order(102, "shipped", 8, "2024-05-02"),
                order(103, "returned", 9, "2024-05-04"), order(104, "placed", 1, "2024-05-05"),
            ]
            let result = try await load(
                warehouse, backfill, write: .append, partitionBy: "order_date", replace: ["2024-05-02", "2024-05-03", "2024-05-04"])
            #expect(result == LoadResult(rowsLoaded: 3, rowsInTable: 9, rowsOutsidePartitions: 1))
            #expect([try await dayRows(days[0]), try await dayRows(days[4])] == untouched)
            #expect(try await dayRows(days[2]).isEmpty, "an asked day without rows is emptied")
            #expect(try await dayRows(days[1]) == [
                ["101", "shipped", "7.0", "2024-05-02"], ["102", "shipped", "8.0", "2024-05-02"],
            ])
            #expect(try await dayRows(days[3]) == [["103", "returned", "9.0", "2024-05-04"]])
        }
    }
}
