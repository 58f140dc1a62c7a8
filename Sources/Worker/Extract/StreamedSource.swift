import SluiceCore

/// A source read as one stream of records rather than as files: a database query, an HTTP API.
/// It has no files to remember; an incremental read asks it for the rows whose cursor is at or after
/// the watermark (`>=`: the rows at the watermark come again, and the merge key absorbs them), and
/// the watermark advances only after the load committed.
protocol StreamedSource: Sendable {
    /// How messages name the stream (`source 'orders' (postgres shop@db.internal:5432)`), never
    /// with a secret in it.
    var display: String { get }

    /// Starts reading the rows whose cursor is at or after `watermark` (every row when nil); returns
    /// once the source said which columns it has. Throws `ExtractError` in the user's terms (what
    /// failed, where, what to check), without secrets.
    func open(watermark: String?) async throws -> any RecordReader
}

/// The streamed source behind a manifest source, or nil for file sources (csv, ndjson) and the
/// sqlite database source, which are read through `SourceReadPlan`.
enum StreamedSources {
    static func stream(for source: Source, manifest: Manifest) -> (any StreamedSource)? {
        switch source.kind {
        case let .postgres(spec): PostgresSource(name: source.name, spec: spec, cursor: source.cursor)
        case let .http(spec): HTTPSource(name: source.name, spec: spec)
        case .csv, .ndjson, .sqlite, .gcs: nil
        }
    }
}
