import Foundation
import SluiceCore
import Warehouse

/// The rows a backfill writes into its days for a load whose rows have a key: for each key whose
/// newest version (by the cursor, then the later row) among ALL source rows falls in the days, that
/// version and nothing else. Older versions of those keys, and keys whose newest version lies in
/// another day, are left out, so a backfill never reverts an amended row.
///
/// Reads the source three times, streaming: the keys with a row in the days, then the newest
/// version of each of those keys, then the rows to emit. Memory grows with the keys of the backfilled
/// days only, never with the whole source.
final class NewestVersionRows: RowSource {
    /// The columns (as the underlying stream's).
    let columns: [Column]
    /// The stream whose bad-record counts and files are reported (the last pass).
    let reported: ExtractedRows
    /// Rows in the days that were left out because a newer version of their key exists.
    private(set) var superseded: Int64 = 0

    private let keyIndices: [Int]
    private let cursorIndex: Int?
    private let partitionIndex: Int
    private let days: Set<String>
    private var winners: [[Value]: Int64] = [:]
    private var ordinal: Int64 = -1

    /// Prepares the rows of `days` for `load` (which must be partitioned and have an identity key),
    /// reading each pass through a fresh stream from `open` (every file, no filters).
    init(load: Load, cursor: String?, days: [String], open: () async throws -> ExtractedRows) async throws {
        let candidates = try await open()
        columns = candidates.columns
        let names = columns.map(\.name)
        guard let partition = load.partitionBy, let partitionIndex = names.firstIndex(of: partition) else {
            throw ExtractError(
                .badHeader, "the load into \(load.table) is partitioned by '\(load.partitionBy ?? "")', which is not one of its columns")
        }
        self.partitionIndex = partitionIndex
        keyIndices = load.identityKey.compactMap { names.firstIndex(of: $0) }
        cursorIndex = cursor.flatMap { names.firstIndex(of: $0) }
        self.days = Set(days)
        reported = try await open()

        // Pass 1: the keys that have a version in the days.
        var keys = Set<[Value]>()
        while let row = try candidates.nextRow() {
            if isInDays(row) { keys.insert(key(of: row)) }
        }
        // Pass 2: the newest version of each of them, anywhere in the source.
        var newest: [[Value]: (cursor: Value, ordinal: Int64)] = [:]
        let versions = try await open()
        var position: Int64 = -1
        while let row = try versions.nextRow() {
            position += 1
            let key = key(of: row)
            guard keys.contains(key) else { continue }
            let cursor = cursorIndex.map { row[$0] } ?? .null
            if let best = newest[key], Self.isOlder(cursor, than: best.cursor) { continue }
            newest[key] = (cursor, position)
        }
        for (key, best) in newest { winners[key] = best.ordinal }
    }

    /// The next row to write: a key's newest version, when it falls in the days.
    func nextRow() throws -> [Value]? {
        while let row = try reported.nextRow() {
            ordinal += 1
            guard isInDays(row) else { continue }
            guard winners[key(of: row)] == ordinal else {
                superseded += 1
                continue
            }
            return row
        }
        return nil
    }

    private func isInDays(_ row: [Value]) -> Bool {
        row[partitionIndex].day.map(days.contains) ?? false
    }

    private func key(of row: [Value]) -> [Value] {
        keyIndices.map { row[$0] }
    }

    /// True when `cursor` is older than `best` (NULL is older than any value; equal is not older:
    /// the later row wins).
    private static func isOlder(_ cursor: Value, than best: Value) -> Bool {
        if cursor == .null { return best != .null }
        if best == .null { return false }
        return Value.compareCursor(cursor, best) == .orderedAscending
    }
}
