import Logging
import PostgresNIO
import SluiceCore

extension PostgresSource {
    /// The newest value of `cursor` among the source's rows (`select max("cursor") from (…)`), as
    /// text in the form the source's rows carry it (`2024-05-01T10:00:00.000000Z` for a timestamptz);
    /// nil when the relation has no rows or only null cursors. For source freshness checks.
    /// Throws `ExtractError` in the user's terms (connection, missing relation or column).
    static func newestCursor(spec: PostgresSourceSpec, cursor: String, logger: Logger) async throws -> String? {
        let endpoint = try PostgresEndpoint(url: spec.url, source: nil)
        let query = PostgresReadQuery(spec, cursor: cursor)
        let subject = PostgresReadQuery.subject(spec)
        return try await PostgresSession.with(endpoint, logger: logger) { connection in
            let rows: PostgresRowSequence
            do {
                rows = try await connection.query(PostgresQuery(unsafeSQL: query.newest(cursor: cursor)), logger: logger)
            } catch {
                throw PostgresFailure.describe(error, endpoint: endpoint, phase: .starting(subject: subject, watermark: nil))
            }
            guard let column = rows.columns.first else { return nil }
            var newest: String?
            do {
                for try await row in rows {
                    guard let cell = row.first, let bytes = cell.bytes else { continue }
                    if let kind = PostgresFieldText.kind(of: column.dataType) {
                        var text: [UInt8] = []
                        guard PostgresFieldText.write(bytes, as: kind, into: &text) else {
                            throw ExtractError(
                                .unreadable,
                                "\(subject) on \(endpoint.place): the newest '\(cursor)' is a \(column.dataType) value "
                                    + "Sluice cannot read")
                        }
                        newest = String(decoding: text, as: UTF8.self)
                    } else {
                        throw ExtractError(
                            .unreadable,
                            "\(subject) on \(endpoint.place): cursor '\(cursor)' has type \(column.dataType), which "
                                + "Sluice cannot compare; use a timestamp, date, number or text cursor")
                    }
                }
            } catch {
                throw PostgresFailure.describe(error, endpoint: endpoint, phase: .streaming(subject: subject, rows: 0))
            }
            return newest
        }
    }
}
