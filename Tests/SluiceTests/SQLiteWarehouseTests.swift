import Foundation
import SluiceCore
import Testing
import Warehouse

/// A row source over an array; it throws `failure` instead of returning row number `failAt` (0-based).
private final class ArrayRows: RowSource {
    struct Failure: Error, Equatable {}

    private let rows: [[Value]]
    private let failAt: Int?
    private var next = 0

    init(_ rows: [[Value]], failAt: Int? = nil) {
        self.rows = rows
        self.failAt = failAt
    }

    func nextRow() throws -> [Value]? {
        if next == failAt { throw Failure() }
        guard next < rows.count else { return nil }
        defer { next += 1 }
        return rows[next]
    }
}

@Suite("SQLiteWarehouse")
struct SQLiteWarehouseTests {
    let context = JobContext(pipeline: "shop", runID: 1, stepID: "test")
    let orders = TableName(dataset: "raw", table: "orders")
    let orderColumns = [
        Column(name: "order_id", type: .integer), Column(name: "status", type: .string),
        Column(name: "total", type: .float), Column(name: "order_date", type: .date),
    ]

    /// A warehouse in a fresh folder that does not exist yet (the warehouse must create it).
    private func withWarehouse(
        clock: TestClock = TestClock(), _ body: (SQLiteWarehouse, String) async throws -> Void
    ) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-wh-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = root + "/nested/warehouse"
        let warehouse = try SQLiteWarehouse(directory: directory, clock: clock)
        try await warehouse.prepare(datasets: ["raw", "staging", "mart"])
        try await body(warehouse, directory)
    }

    private func order(_ id: Int64, _ status: String, _ total: Double, _ day: String) -> [Value] {
        [.integer(id), .string(status), .float(total), .date(day)]
    }

    @discardableResult
    private func load(
        _ warehouse: SQLiteWarehouse, _ rows: [[Value]], into table: TableName? = nil, columns: [Column]? = nil,
        write: WriteMode, partitionBy: String? = nil, replace: [String]? = nil, failAt: Int? = nil
    ) async throws -> LoadResult {
        let request = LoadRequest(
            table: table ?? orders, columns: columns ?? orderColumns, write: write, partitionBy: partitionBy,
            replacePartitions: replace, context: context)
        return try await warehouse.load(request, rows: ArrayRows(rows, failAt: failAt))
    }

    private func rows(_ warehouse: SQLiteWarehouse, _ sql: String) async throws -> [[String?]] {
        try await warehouse.query(sql, limit: 1_000, context: context).rows
    }

    /// Schema and every row of a table, in storage order: equal dumps mean equal tables.
    private func dump(_ warehouse: SQLiteWarehouse, _ table: TableName) async throws -> [[String?]] {
        let schema = try await rows(
            warehouse, "select type, name, sql from \(table.dataset).sqlite_master order by name")
        let data = try await rows(warehouse, "select rowid, * from \(table) order by rowid")
        return schema + data
    }

    private func model(
        _ name: String, _ sql: String, _ materialized: Materialization, reads: [String]
    ) throws -> Model {
        let table = try #require(TableName(name))
        return Model(
            name: table, sqlPath: "manifest/models/\(table.table).sql", sql: sql, materialized: materialized,
            dependencies: try reads.map { try #require(TableName($0)) })
    }

    private func objectType(_ warehouse: SQLiteWarehouse, _ table: TableName) async throws -> String? {
        try await rows(warehouse, "select type from \(table.dataset).sqlite_master where name = '\(table.table)'")
            .first?.first ?? nil
    }

    // MARK: Datasets

    @Test func sqlJoinsTablesOfDifferentDatasetsByTheirNames() async throws {
        try await withWarehouse { warehouse, directory in
            try await load(warehouse, [order(1, "placed", 10, "2024-05-01"), order(2, "shipped", 20, "2024-05-01")], write: .truncate)
            let labels = TableName(dataset: "staging", table: "status_labels")
            try await load(
                warehouse, [[.string("placed"), .string("Placed")], [.string("shipped"), .string("On its way")]],
                into: labels, columns: [Column(name: "status", type: .string), Column(name: "label", type: .string)],
                write: .truncate)
            let joined = try await rows(warehouse, """
                select o.order_id, l.label from raw.orders o join staging.status_labels l on l.status = o.status
                order by o.order_id
                """)
            #expect(joined == [["1", "Placed"], ["2", "On its way"]])
            #expect(FileManager.default.fileExists(atPath: directory + "/raw.sqlite"))
            #expect(FileManager.default.fileExists(atPath: directory + "/staging.sqlite"))
        }
    }

    @Test func datasetsAddedLaterAndTablesSurviveReopening() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-wh-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let first = try SQLiteWarehouse(directory: root)
        try await first.prepare(datasets: ["raw"])
        let events = TableName(dataset: "events", table: "clicks")
        let request = LoadRequest(
            table: events, columns: [Column(name: "id", type: .integer)], write: .append, partitionBy: nil, context: context)
        // A load into a dataset never prepared attaches it on the way.
        let result = try await first.load(request, rows: ArrayRows([[.integer(1)], [.integer(2)]]))
        #expect(result.rowsInTable == 2)

        let reopened = try SQLiteWarehouse(directory: root)
        let count = try await reopened.query("select count(*) from events.clicks", limit: 1, context: context)
        #expect(count.rows == [["2"]])
        await #expect(throws: WarehouseError.self) { try await reopened.prepare(datasets: ["bad-name"]) }
        await #expect(throws: WarehouseError.self) { try await reopened.prepare(datasets: ["main"]) }
    }

    // MARK: Loads

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
            #expect(once == LoadResult(rowsLoaded: 2, rowsInTable: 3))
            let before = try await dump(warehouse, orders)
            // Unchanged rows are not rewritten, so the second merge writes nothing.
            let twice = try await load(warehouse, batch, write: merge)
            #expect(twice == LoadResult(rowsLoaded: 0, rowsInTable: 3))
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
            #expect(try await load(warehouse, stream, write: merge) == LoadResult(rowsLoaded: 3, rowsInTable: 3))
            let expected: [[String?]] = [[nil, "lost"], ["1", "shipped"], ["2", "placed"]]
            #expect(try await rows(warehouse, "select order_id, status from raw.orders order by order_id") == expected)
            // Into a table with rows (row-by-row upsert): key 1 changes twice, key 2 is unchanged, and
            // the NULL key is a new row.
            #expect(try await load(warehouse, stream, write: merge) == LoadResult(rowsLoaded: 3, rowsInTable: 4))
            #expect(try await rows(warehouse, "select count(*) from raw.orders where order_id = 1 and status = 'shipped'") == [["1"]])

            // When every column is in the key, a repeated key does nothing: the first row stays.
            let pairs = TableName(dataset: "raw", table: "pairs")
            let columns = [Column(name: "a", type: .integer), Column(name: "b", type: .integer)]
            let result = try await load(
                warehouse, [[.integer(1), .integer(1)], [.integer(1), .integer(1)], [.integer(2), .integer(2)]],
                into: pairs, columns: columns, write: .merge(key: ["a", "b"]))
            #expect(result == LoadResult(rowsLoaded: 2, rowsInTable: 2))
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
            let freshness = try await warehouse.freshness(of: orders, loadedAt: nil)
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
            #expect(try await warehouse.freshness(of: orders, loadedAt: nil) == freshness)
        }
    }

    @Test func aRowOfTheWrongWidthFailsTheLoadAndRollsBack() async throws {
        try await withWarehouse { warehouse, _ in
            let error = await #expect(throws: WarehouseError.self) {
                try await load(warehouse, [order(1, "placed", 10, "2024-05-01"), [.integer(2)]], write: .truncate)
            }
            #expect(error?.message.contains("row 2") == true)
            let facts = try await warehouse.freshness(of: orders, loadedAt: nil)
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

    // MARK: Models

    @Test func tableModelsAreRebuiltInPlace() async throws {
        try await withWarehouse { warehouse, _ in
            try await load(warehouse, [order(1, "placed", 10, "2024-05-01"), order(2, "shipped", 20, "2024-05-01")], write: .truncate)
            let dependent = try model(
                "staging.big_orders", "select * from staging.stg_orders where total > 15", .view, reads: ["staging.stg_orders"])
            let first = try model(
                "staging.stg_orders", "select order_id, total from raw.orders;\n", .table, reads: ["raw.orders"])
            #expect(try await warehouse.materialize(first, context: context).rows == 2)
            #expect(try await warehouse.materialize(dependent, context: context).rows == 1)

            let second = try model(
                "staging.stg_orders", "select order_id, total * 2 as total from raw.orders where order_id = 1",
                .table, reads: ["raw.orders"])
            #expect(try await warehouse.materialize(second, context: context).rows == 1)
            #expect(try await rows(warehouse, "select * from staging.stg_orders") == [["1", "20.0"]])
            // The view over the rebuilt table still works.
            #expect(try await rows(warehouse, "select order_id from staging.big_orders") == [["1"]])
            let leftovers = try await rows(warehouse, "select name from staging.sqlite_master where name like '%sluice_new%'")
            #expect(leftovers.isEmpty)
        }
    }

    @Test func viewsStayViewsInTheirDatasetAndBecomeTablesAcrossDatasets() async throws {
        try await withWarehouse { warehouse, _ in
            try await load(warehouse, [order(1, "placed", 10, "2024-05-01"), order(2, "shipped", 20, "2024-05-02")], write: .truncate)
            let sameDataset = try model(
                "raw.shipped_orders", "select * from raw.orders where status = \"shipped\"", .view, reads: ["raw.orders"])
            #expect(try await warehouse.materialize(sameDataset, context: context).rows == 1)
            #expect(try await objectType(warehouse, sameDataset.name) == "view")

            let crossDataset = try model(
                "mart.daily_sales", "select order_date, sum(total) as revenue from raw.orders group by 1", .view,
                reads: ["raw.orders"])
            #expect(try await warehouse.materialize(crossDataset, context: context).rows == 2)
            #expect(try await objectType(warehouse, crossDataset.name) == "table")
            #expect(try await rows(warehouse, "select * from mart.daily_sales order by 1") == [
                ["2024-05-01", "10.0"], ["2024-05-02", "20.0"],
            ])
        }
    }

    @Test func incrementalModelsUpsertOnTheirKey() async throws {
        try await withWarehouse { warehouse, _ in
            try await load(warehouse, [order(1, "placed", 10, "2024-05-01"), order(2, "placed", 20, "2024-05-01")], write: .truncate)
            let incremental = try model(
                "staging.order_status", "select order_id, status from raw.orders", .incremental(uniqueKey: ["order_id"]),
                reads: ["raw.orders"])
            #expect(try await warehouse.materialize(incremental, context: context).rows == 2)

            try await load(warehouse, [order(2, "shipped", 20, "2024-05-01"), order(3, "placed", 30, "2024-05-02")], write: .truncate)
            #expect(try await warehouse.materialize(incremental, context: context).rows == 3)
            #expect(try await rows(warehouse, "select * from staging.order_status order by order_id") == [
                ["1", "placed"], ["2", "shipped"], ["3", "placed"],
            ])
            #expect(try await warehouse.freshness(of: incremental.name, loadedAt: nil).rowCount == 3)
        }
    }

    @Test func aBrokenModelNamesTheColumnAndTheFileAndKeepsTheOldTable() async throws {
        try await withWarehouse { warehouse, _ in
            try await load(warehouse, [order(1, "placed", 10, "2024-05-01")], write: .truncate)
            let good = try model("staging.stg_orders", "select order_id from raw.orders", .table, reads: ["raw.orders"])
            _ = try await warehouse.materialize(good, context: context)
            let broken = try model("staging.stg_orders", "select order_idx from raw.orders", .table, reads: ["raw.orders"])
            let error = await #expect(throws: WarehouseError.self) {
                try await warehouse.materialize(broken, context: context)
            }
            #expect(error?.message == "model staging.stg_orders failed: no such column: order_idx (in manifest/models/stg_orders.sql)")
            #expect(try await rows(warehouse, "select * from staging.stg_orders") == [["1"]])

            let brokenView = try model("raw.bad_view", "select missing_column from raw.orders", .view, reads: ["raw.orders"])
            let viewError = await #expect(throws: WarehouseError.self) {
                try await warehouse.materialize(brokenView, context: context)
            }
            #expect(viewError?.message.contains("no such column: missing_column") == true)
            #expect(try await objectType(warehouse, brokenView.name) == nil)
        }
    }

    // MARK: Reads

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
            let facts = try await warehouse.freshness(of: events, loadedAt: "loaded_at")
            #expect(facts == TableFreshness(
                exists: true, newestLoadedAt: Date(timeIntervalSince1970: 1_714_649_400),
                lastModified: Date(timeIntervalSince1970: 1_714_650_000), rowCount: 3))

            clock.advance(by: 90)
            try await load(warehouse, [[.integer(4), .timestamp("2024-05-02")]], into: events, columns: columns, write: .append)
            let later = try await warehouse.freshness(of: events, loadedAt: nil)
            #expect(later.lastModified == Date(timeIntervalSince1970: 1_714_650_090))
            #expect(later.rowCount == 4)
            #expect(later.newestLoadedAt == nil)

            #expect(try await warehouse.freshness(of: TableName(dataset: "raw", table: "missing"), loadedAt: "x").exists == false)
            #expect(try await warehouse.freshness(of: TableName(dataset: "nowhere", table: "t"), loadedAt: nil).exists == false)
            await #expect(throws: WarehouseError.self) {
                try await warehouse.freshness(of: events, loadedAt: "no_such_column")
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
            let counts = try await warehouse.rowsPerDay(of: orders, column: "order_date", since: "2024-04-30")
            #expect(counts == [DayCount(day: "2024-04-30", rows: 2), DayCount(day: "2024-05-01", rows: 1)])
            let all = try await warehouse.rowsPerDay(of: orders, column: "order_date", since: nil)
            #expect(all.map(\.rows) == [1, 2, 1])
            #expect(try await warehouse.rowsPerDay(of: orders, column: nil, since: nil) == [DayCount(day: "2024-05-02", rows: 4)])
            await #expect(throws: WarehouseError.self) {
                try await warehouse.rowsPerDay(of: TableName(dataset: "raw", table: "missing"), column: nil, since: nil)
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
        }
    }
}
