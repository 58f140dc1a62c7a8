import Foundation
import SluiceCore

/// How a reader takes a file's bytes: their encoding, and the longest field (an NDJSON line) it accepts.
struct RecordReaderOptions {
    /// The source's `encoding:`; other encodings than UTF-8 are transcoded as the file is read.
    var encoding: SourceEncoding
    /// The load's `max_field_size` in bytes.
    var maxFieldSize: Int
}

/// What a record reader found next.
enum RecordStatus: Equatable {
    /// A record whose fields are available through `field(_:)`.
    case record
    /// A record that could not be split into fields; the reason is for the bad-record examples.
    case bad(String)
    /// No more records.
    case end
}

/// One source file or query, read record by record as raw UTF-8 fields.
/// Readers are the only part of extraction that knows a format; coercion, filters and bad-record
/// accounting happen in `ExtractedRows`.
protocol RecordReader: AnyObject {
    /// The source's own column names: a CSV header, a query's result columns, the sorted keys of the
    /// first NDJSON object.
    var sourceColumns: [String] { get }
    /// Where the current record is, `file:line`, for messages.
    var location: String { get }
    /// Chooses the columns `field(_:)` serves, by name, and returns the names the source lacks
    /// (empty when every name was bound).
    func bind(_ names: [String]) -> [String]
    /// Moves to the next record (a CSV record with the wrong number of fields is `bad`). A bad record is
    /// one physical line; the next call reads on from the line after it.
    func advance() throws -> RecordStatus
    /// The current record's raw value of bound column `index`; nil for SQL NULL, JSON null or a missing
    /// key. The bytes stay valid until the next call to `field` or `advance`.
    func field(_ index: Int) -> UnsafeBufferPointer<UInt8>?
    /// True when `field`'s bytes stay valid until the next `advance`, not only the next `field`: then
    /// a row's fields are lent to the load without a copy.
    var fieldsLastUntilAdvance: Bool { get }
}

extension RecordReader {
    var fieldsLastUntilAdvance: Bool { false }
}
