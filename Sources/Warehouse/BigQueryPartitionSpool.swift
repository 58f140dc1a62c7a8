import Foundation
import SluiceCore

/// Splits a row stream by the day of its partition column into one temporary NDJSON file per day
/// asked for, so that each day can then be loaded on its own into `table$YYYYMMDD` without holding
/// the rows in memory. Rows of other days (or without a day) are counted and dropped.
final class BigQueryPartitionSpool {
    /// The folder holding the day files.
    let directory: String
    /// Rows written per day.
    private(set) var rowsPerDay: [String: Int64] = [:]
    /// Rows that fell outside the asked days.
    private(set) var rowsOutside: Int64 = 0

    private let days: Set<String>
    private var buffers: [String: [UInt8]] = [:]
    private var handles: [String: FileHandle] = [:]
    private static let flushSize = 1 << 20

    /// Creates the folder and one empty file per day.
    init(days: [String]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-backfill-\(UUID().uuidString)").path
        self.days = Set(days)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for day in self.days {
                let path = self.path(for: day)
                guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
                    throw WarehouseError("cannot create \(path)")
                }
                handles[day] = handle
                rowsPerDay[day] = 0
            }
        } catch {
            remove()
            throw WarehouseError(
                "cannot spool the backfill's rows in \(directory): \(error); check the free space and permissions of the temporary folder")
        }
    }

    /// The file of one day.
    func path(for day: String) -> String {
        directory + "/" + day + ".ndjson"
    }

    /// Reads every row, writing each into its day's file.
    func spool(_ rows: any RowSource, columns: [Column], partitionColumn: String) throws {
        guard let index = columns.firstIndex(where: { $0.name == partitionColumn }) else {
            throw WarehouseError("the partition column \(partitionColumn) is not among the load's columns (\(columns.map(\.name).joined(separator: ", ")))")
        }
        let encoder = BigQueryNDJSONEncoder(columnNames: columns.map(\.name))
        while let row = try rows.nextRow() {
            guard index < row.count, let day = Self.day(of: row[index]), days.contains(day) else {
                rowsOutside += 1
                continue
            }
            encoder.append(row, to: &buffers[day, default: []])
            rowsPerDay[day, default: 0] += 1
            if buffers[day, default: []].count >= Self.flushSize { try flush(day) }
        }
        for day in days { try flush(day) }
        for handle in handles.values { try handle.close() }
        handles = [:]
    }

    /// Deletes the files.
    func remove() {
        for handle in handles.values { try? handle.close() }
        handles = [:]
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func flush(_ day: String) throws {
        guard let bytes = buffers[day], !bytes.isEmpty, let handle = handles[day] else { return }
        try handle.write(contentsOf: bytes)
        buffers[day] = []
    }

    /// `YYYY-MM-DD` of a date, timestamp or date-like text value.
    static func day(of value: Value) -> String? {
        switch value {
        case let .date(text), let .timestamp(text), let .string(text):
            let day = String(text.prefix(10))
            return Days.parse(day) == nil ? nil : day
        default:
            return nil
        }
    }
}
