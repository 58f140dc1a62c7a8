import Foundation
import GRDBSQLite
import SluiceCore
import Testing
import Warehouse
import Worker

/// What the extractor suites share: raw.orders' declared columns, a load and a CSV source of them,
/// and reading every row or the `ExtractError` a read throws.
protocol ExtractSuite {}

extension ExtractSuite {
    var orderColumns: [Column] {
        [
            Column(name: "order_id", type: .integer), Column(name: "status", type: .string),
            Column(name: "order_date", type: .date), Column(name: "updated_at", type: .timestamp),
            Column(name: "total", type: .float),
        ]
    }

    func load(
        _ columns: [Column], write: WriteMode = .append, partitionBy: String? = nil, maxBadRecords: Int = 0,
        maxFieldSize: Int = Load.defaultMaxFieldSize
    ) -> Load {
        Load(
            source: "orders", table: TableName(dataset: "raw", table: "orders"), write: write,
            partitionBy: partitionBy, columns: columns, maxBadRecords: maxBadRecords, maxFieldSize: maxFieldSize)
    }

    func csv(_ path: String, cursor: String? = nil) -> Source {
        Source(name: "orders", kind: .csv(path: path), cursor: cursor)
    }

    func readAll(_ rows: ExtractedRows) throws -> [[Value]] {
        var result: [[Value]] = []
        while let row = try rows.nextRow() { result.append(row) }
        return result
    }

    func extractError(_ body: () throws -> Void) -> ExtractError? {
        do {
            try body()
            return nil
        } catch let error as ExtractError {
            return error
        } catch {
            return nil
        }
    }
}
