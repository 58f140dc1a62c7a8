import BigQueryAPI
import Foundation
import Logging
import SluiceCore
import Testing
import Warehouse

/// What the BigQuery warehouse suites share: a warehouse on the fake BigQuery (or, for the
/// emulator's suite, the clock it runs on), job contexts and labels, raw.orders rows and loads of
/// them, and a summary of the jobs a test caused.
protocol BigQueryWarehouseSuite {}

/// The clock every BigQuery warehouse suite runs on.
private let warehouseClock = TestClock(Date(timeIntervalSince1970: 1_795_000_000))

extension BigQueryWarehouseSuite {
    static var cap: Int64 { 50_000_000_000 }
    static var mebibytes10: Int64 { 10 * 1_048_576 }
    static var clock: TestClock { warehouseClock }
    static var orderColumns: [Column] {
        [
            Column(name: "order_id", type: .integer), Column(name: "status", type: .string), Column(name: "total", type: .float),
            Column(name: "order_date", type: .date), Column(name: "updated_at", type: .timestamp),
        ]
    }
    static var orderFields: [FakeField] {
        [
            FakeField(name: "order_id", type: "INT64"), FakeField(name: "status", type: "STRING"), FakeField(name: "total", type: "FLOAT64"),
            FakeField(name: "order_date", type: "DATE"), FakeField(name: "updated_at", type: "TIMESTAMP"),
        ]
    }

    static func warehouse(_ fake: FakeBigQuery, cap: Int64? = Self.cap, uploads: UploadOptions = .default) -> BigQueryWarehouse {
        var logger = Logger(label: "bigquery-warehouse-test")
        logger.logLevel = .warning
        let client = BigQueryClient(
            project: fake.project, location: fake.location, endpoint: fake.baseURL, tokens: NoTokenProvider(), retry: .immediate,
            uploads: uploads, logger: logger)
        return BigQueryWarehouse(client: client, cost: CostConfig(maximumBytesBilled: cap), clock: clock)
    }

    static func context(_ step: String, run: Int64 = 7) -> JobContext {
        JobContext(pipeline: "shop", runID: run, stepID: step)
    }

    static func order(_ id: Int64, _ status: String, _ total: Double, day: String) -> [Value] {
        [.integer(id), .string(status), .float(total), .date(day), .timestamp("\(day) 10:15:00")]
    }

    static func load(
        _ warehouse: BigQueryWarehouse, _ rows: [[Value]], write: WriteMode, days: [String]? = nil, table: String = "raw.orders",
        columns: [Column] = orderColumns, partitionBy: String? = "order_date", failAfter: Int? = nil
    ) async throws -> LoadResult {
        let request = LoadRequest(
            table: try #require(TableName(table)), columns: columns, write: write, partitionBy: partitionBy,
            replacePartitions: days, context: context("load:\(table)"))
        return try await warehouse.load(request, rows: Rows(rows, failAfter: failAfter))
    }

    /// Each job as `TYPE destination-or-first-line-of-SQL`.
    static func summary(_ jobs: [FakeJob]) -> [String] {
        jobs.map { "\($0.type) \($0.destination ?? String(($0.sql ?? "").prefix { $0 != "\n" }))" }
    }

    static func labels(step: String) -> [String: String] {
        ["sluice_pipeline": "shop", "sluice_run": "7", "sluice_step": step]
    }
}

/// Rows handed out one by one; optionally throws after `failAfter` rows, like an extractor
/// that hits too many bad records.
private final class Rows: RowSource {
    private var rows: [[Value]]
    private let failAfter: Int?
    private var served = 0

    init(_ rows: [[Value]], failAfter: Int? = nil) {
        self.rows = rows.reversed()
        self.failAfter = failAfter
    }

    func nextRow() throws -> [Value]? {
        if let failAfter, served >= failAfter { throw WarehouseError("row \(served + 1) has too many bad values") }
        served += 1
        return rows.popLast()
    }
}
