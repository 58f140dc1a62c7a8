import BigQueryAPI
import SluiceCore

/// A `RowSource` read as an NDJSON upload body: rows are encoded only as the upload asks for
/// bytes, so a load never holds more than about one upload chunk in memory. An error thrown by the
/// rows (too many bad records) aborts the upload before the load job is created.
final class BigQueryRowBody: NDJSONBodySource {
    /// Rows encoded so far.
    private(set) var rowCount: Int64 = 0
    /// NDJSON bytes handed out so far.
    private(set) var byteCount: Int64 = 0

    private let rows: any RowSource
    private let encoder: BigQueryNDJSONEncoder
    private let numbersRows: Bool
    private var buffer: [UInt8] = []
    private var offset = 0
    private var finished = false
    private static let fillStep = 64 * 1024

    /// A body of `rows` with these columns; with `sequenceColumn`, every row also carries its
    /// position in the stream under that name (to keep the last of duplicate keys in a merge).
    init(rows: any RowSource, columns: [Column], sequenceColumn: String? = nil) {
        self.rows = rows
        encoder = BigQueryNDJSONEncoder(columnNames: columns.map(\.name) + (sequenceColumn.map { [$0] } ?? []))
        numbersRows = sequenceColumn != nil
    }

    /// The next encoded bytes (at most `maxBytes`), or nil when every row has been handed out.
    func nextChunk(maxBytes: Int) throws -> [UInt8]? {
        let wanted = max(1, maxBytes)
        while buffer.count - offset < wanted, !finished {
            try fill()
        }
        let available = buffer.count - offset
        guard available > 0 else { return nil }
        let count = min(wanted, available)
        let chunk = Array(buffer[offset..<(offset + count)])
        offset += count
        byteCount += Int64(count)
        if offset == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            offset = 0
        } else if offset >= 1 << 20 {
            buffer.removeFirst(offset)
            offset = 0
        }
        return chunk
    }

    /// Encodes rows until the buffer has grown by about 64 KiB or the rows end.
    private func fill() throws {
        let goal = buffer.count + Self.fillStep
        while buffer.count < goal {
            guard let row = try rows.nextRow() else {
                finished = true
                return
            }
            encoder.append(numbersRows ? row + [.integer(rowCount)] : row, to: &buffer)
            rowCount += 1
        }
    }
}
