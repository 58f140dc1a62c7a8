import Foundation
import SluiceCore
import Testing
import Warehouse

/// Datasets (one database file each, attached by name) and models (tables, views, incremental).
@Suite("SQLiteWarehouse: datasets and models")
struct SQLiteWarehouseModelTests: SQLiteWarehouseSuite {
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
            #expect(try await warehouse.freshness(of: incremental.name, loadedAt: nil, context: nil).rowCount == 3)
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
}
