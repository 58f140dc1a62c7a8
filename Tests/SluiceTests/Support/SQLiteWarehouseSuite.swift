import Foundation
import SluiceCore
import Testing
import Warehouse

/// What the SQLiteWarehouse suites share: a job context, raw.orders and its columns, a warehouse
/// in a fresh folder, and loads, queries and models to plant.
protocol SQLiteWarehouseSuite {}

extension SQLiteWarehouseSuite {
    var context: JobContext { JobContext(pipeline: "shop", runID: 1, stepID: "test") }
    var orders: TableName { TableName(dataset: "raw", table: "orders") }
    var orderColumns: [Column] {
        [
            Column(name: "order_id", type: .integer), Column(name: "status", type: .string),
            Column(name: "total", type: .float), Column(name: "order_date", type: .date),
        ]
    }

    /// A warehouse in a fresh folder that does not exist yet (the warehouse must create it).
    func withWarehouse(
        clock: TestClock = TestClock(), _ body: (SQLiteWarehouse, String) async throws -> Void
    ) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-wh-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = root + "/nested/warehouse"
        let warehouse = try SQLiteWarehouse(directory: directory, clock: clock)
        try await warehouse.prepare(datasets: ["raw", "staging", "mart"])
        try await body(warehouse, directory)
    }

    func order(_ id: Int64, _ status: String, _ total: Double, _ day: String) -> [Value] {
        [.integer(id), .string(status), .float(total), .date(day)]
    }

    @discardableResult
    func load(
        _ warehouse: SQLiteWarehouse, _ rows: [[Value]], into table: TableName? = nil, columns: [Column]? = nil,
        write: WriteMode, partitionBy: String? = nil, replace: [String]? = nil, failAt: Int? = nil
    ) async throws -> LoadResult {
        let request = LoadRequest(
            table: table ?? orders, columns: columns ?? orderColumns, write: write, partitionBy: partitionBy,
            replacePartitions: replace, context: context)
        return try await warehouse.load(request, rows: ArrayRows(rows, failAt: failAt))
    }

    func rows(_ warehouse: SQLiteWarehouse, _ sql: String) async throws -> [[String?]] {
        try await warehouse.query(sql, limit: 1_000, context: context).rows
    }

    func model(
        _ name: String, _ sql: String, _ materialized: Materialization, reads: [String]
    ) throws -> Model {
        let table = try #require(TableName(name))
        return Model(
            name: table, sqlPath: "manifest/models/\(table.table).sql", sql: sql, materialized: materialized,
            dependencies: try reads.map { try #require(TableName($0)) })
    }
}

/// A row source over an array; it throws `failure` instead of returning row number `failAt` (0-based).
final class ArrayRows: RowSource {
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
