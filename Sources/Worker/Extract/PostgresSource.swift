import Logging
import PostgresNIO
import SluiceCore

/// A postgres source (`kind: postgres`) read as one stream: one connection per read, the table or
/// query run once, its rows streamed (postgres-nio's row sequence is backpressured: the server is
/// read only as fast as the load takes batches, so memory stays flat whatever the table's size),
/// turned into text fields by `PostgresFieldText`, ordered by the cursor and, from a watermark,
/// filtered on the server by `cursor >= $1` (a parameter).
///
/// A failure mid-stream (a server error on a row, a killed connection) fails the read after the
/// rows before it, so the load rolls back and the watermark stays.
struct PostgresSource: StreamedSource {
    /// Records per batch handed to the load, at most.
    static let batchRows = 8_192
    /// Bytes of field data per batch, about: a batch is sent once it holds this much.
    static let batchBytes = 4 << 20
    /// Batches that may wait for the load while the next is read: one. With more, the read runs
    /// ahead of the load and keeps draining postgres-nio's row buffer, whose adaptive target then
    /// grows to 16,384 rows, each row pinning the network buffer it arrived in: measured on a million
    /// orders (bench/postgres), peak RSS 153–199 MB with four waiting, 114–118 MB with one, for the same
    /// time.
    static let waitingBatches = 1

    let name: String
    let spec: PostgresSourceSpec
    let cursor: String?
    private let endpoint: Result<PostgresEndpoint, ExtractError>
    private let logger: Logger

    /// The source `name` of `spec`, incremental on `cursor` when given.
    init(name: String, spec: PostgresSourceSpec, cursor: String?, logger: Logger = PostgresSource.defaultLogger) {
        self.name = name
        self.spec = spec
        self.cursor = cursor
        self.logger = logger
        endpoint = Result { try PostgresEndpoint(url: spec.url, source: name) }.mapError { error in
            error as? ExtractError ?? ExtractError(.unreadable, "the url of source '\(name)' cannot be read")
        }
    }

    /// postgres-nio's logger: its notices only (it logs at debug and trace what a query does).
    static var defaultLogger: Logger {
        var logger = Logger(label: "sluice.postgres")
        logger.logLevel = .notice
        return logger
    }

    /// `source 'orders' (postgres shop@db.internal:5432)`.
    var display: String {
        switch endpoint {
        case let .success(endpoint): "source '\(name)' (postgres \(endpoint))"
        case .failure: "source '\(name)' (postgres)"
        }
    }

    /// Connects, learns the columns (a `limit 0` probe), starts the read and returns once the columns
    /// are known; the rows follow through the reader. Throws `ExtractError` for a failed connection
    /// or query, naming host, port, database and user.
    func open(watermark: String?) async throws -> any RecordReader {
        let endpoint = try endpoint.get()
        let query = PostgresReadQuery(spec, cursor: cursor)
        let subject = PostgresReadQuery.subject(spec)
        let logger = logger
        let cursor = cursor
        return try await StreamedRecordReader.open(display: display, capacity: Self.waitingBatches) { pipe in
            try await PostgresSession.with(endpoint, logger: logger) { connection in
                let columns = try await PostgresSession.columns(
                    of: query, on: connection, endpoint: endpoint, subject: subject, logger: logger)
                if let cursor, !columns.contains(where: { $0.name == cursor }) {
                    throw ExtractError(
                        .badHeader,
                        "\(subject) on \(endpoint.place) has no column '\(cursor)', the source's cursor "
                            + "(its columns: \(columns.map(\.name).joined(separator: ", "))); change the cursor or the query")
                }
                let filtered = cursor != nil && watermark != nil
                var binds = PostgresBindings(capacity: 1)
                if filtered, let watermark { binds.append(PostgresUntypedText(text: watermark)) }
                let rows: PostgresRowSequence
                do {
                    rows = try await connection.query(
                        PostgresQuery(unsafeSQL: query.read(columns, filtered: filtered), binds: binds), logger: logger)
                } catch {
                    throw PostgresFailure.describe(error, endpoint: endpoint, phase: .starting(subject: subject, watermark: watermark))
                }
                try await Self.stream(rows, columns: columns, to: pipe, endpoint: endpoint, subject: subject)
            }
        }
    }

    /// Announces the columns, then sends the rows (one binary record each, see `PostgresReadQuery.read`)
    /// in batches; throws in the user's terms when the server fails mid-stream (after the batches
    /// before the failure were sent).
    private static func stream(
        _ rows: PostgresRowSequence, columns: [PostgresSourceColumn], to pipe: RecordPipe, endpoint: PostgresEndpoint,
        subject: String
    ) async throws {
        let kinds = columns.map(\.kind)
        pipe.start(columns: columns.map(\.name))
        var batch = RecordBatch(width: kinds.count)
        var read = 0
        do {
            for try await row in rows {
                guard let record = row.first?.bytes else {
                    throw ExtractError(.unreadable, "\(subject) on \(endpoint.place): row \(read + 1) came back empty")
                }
                let failure = record.withUnsafeReadableBytes { PostgresRecordFields.append($0, kinds: kinds, to: &batch) }
                if let failure {
                    let problem = switch failure {
                    case let .value(field):
                        "column '\(columns[field].name)': the server sent a \(columns[field].type) value Sluice cannot read"
                    case .shape:
                        "the server sent a record Sluice cannot split into the \(columns.count) columns it described"
                    }
                    throw ExtractError(.unreadable, "\(subject) on \(endpoint.place): row \(read + 1), \(problem)")
                }
                read += 1
                if batch.count >= batchRows || batch.size >= batchBytes {
                    try await pipe.send(batch)
                    batch = RecordBatch(width: kinds.count)
                }
            }
        } catch {
            // The rows before the failure go first, so the load sees them, then the failure.
            if batch.count > 0, !(error is CancellationError) { try? await pipe.send(batch) }
            throw PostgresFailure.describe(error, endpoint: endpoint, phase: .streaming(subject: subject, rows: read))
        }
        if batch.count > 0 { try await pipe.send(batch) }
    }
}
