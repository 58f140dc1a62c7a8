import SluiceCore

/// Cloud Storage objects for a warehouse to load by itself (`Warehouse.load(_:from:)`): their
/// `gs://bucket/name` URIs, how they are written, and their column names on demand.
/// A load request's empty `columns` means every source column, as `string`.
public struct SourceURIs: Sendable {
    /// `gs://bucket/name` of each object to load, in reading order (at least one).
    public var uris: [String]
    /// CSV (a header line first) or NDJSON.
    public var format: FileFormat
    /// The objects' character encoding.
    public var encoding: SourceEncoding
    /// Rows that do not fit the columns tolerated before the load fails.
    public var maxBadRecords: Int
    /// The objects' columns in their order: the CSV header, an NDJSON first record's fields. Read
    /// from the first object on demand (a few bytes of it), only by a warehouse that needs them.
    public var sourceColumns: @Sendable () async throws -> [String]

    /// Describes the objects.
    public init(
        uris: [String], format: FileFormat, encoding: SourceEncoding = .utf8, maxBadRecords: Int = 0,
        sourceColumns: @escaping @Sendable () async throws -> [String]
    ) {
        self.uris = uris
        self.format = format
        self.encoding = encoding
        self.maxBadRecords = maxBadRecords
        self.sourceColumns = sourceColumns
    }
}
