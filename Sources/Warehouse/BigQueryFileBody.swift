import BigQueryAPI
import Foundation

/// An NDJSON file read as an upload body, a piece at a time.
final class BigQueryFileBody: NDJSONBodySource {
    private let handle: FileHandle

    /// Opens the file; throws when it cannot be read.
    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw WarehouseError("cannot read the spooled rows in \(path); check the free space and permissions of the temporary folder")
        }
        self.handle = handle
    }

    deinit {
        try? handle.close()
    }

    /// The next bytes of the file (at most `maxBytes`), or nil at its end.
    func nextChunk(maxBytes: Int) throws -> [UInt8]? {
        guard let data = try handle.read(upToCount: min(max(1, maxBytes), 8 << 20)), !data.isEmpty else { return nil }
        return Array(data)
    }
}
