import Logging
import PostgresNIO
import SluiceCore

/// One connection of a postgres source, for one read: opened (within the endpoint's connect
/// deadline), used, and closed when the work ends, fails or is cancelled.
enum PostgresSession {
    /// Connects to `endpoint`, runs `work`, and closes the connection whatever happens; a cancelled
    /// task closes it at once (a read waiting on the server stops). Connection errors are thrown as
    /// `ExtractError`s naming host, port, database and user; `work`'s errors are thrown as they are.
    static func with<T: Sendable>(
        _ endpoint: PostgresEndpoint, logger: Logger, _ work: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: try endpoint.configuration(), id: 1, logger: logger)
        } catch {
            throw PostgresFailure.describe(error, endpoint: endpoint, phase: .connecting)
        }
        do {
            let result = try await withTaskCancellationHandler {
                try await work(connection)
            } onCancel: {
                let closing: EventLoopFuture<Void> = connection.close()
                closing.whenComplete { _ in }
            }
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The result columns of `query` (run with `limit 0`: no rows), and how each is to be read:
    /// natively, as JSON (arrays) or as text (types `PostgresFieldText` does not read). Throws
    /// `ExtractError` when the query fails or names a column twice.
    static func columns(
        of query: PostgresReadQuery, on connection: PostgresConnection, endpoint: PostgresEndpoint, subject: String, logger: Logger
    ) async throws -> [PostgresSourceColumn] {
        let described: [(name: String, type: PostgresDataType)]
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: query.probe), logger: logger)
            described = rows.columns.map { ($0.name, $0.dataType) }
            for try await _ in rows {}
        } catch {
            throw PostgresFailure.describe(error, endpoint: endpoint, phase: .starting(subject: subject, watermark: nil))
        }
        var seen: Set<String> = []
        for column in described where !seen.insert(column.name).inserted {
            throw ExtractError(
                .badHeader,
                "\(subject) on \(endpoint.place) returns column '\(column.name)' twice; give each column its own name "
                    + "(select … as other_name)")
        }
        let others = Set(described.map(\.type.rawValue).filter { PostgresFieldText.kind(of: PostgresDataType($0)) == nil })
        var arrays: Set<UInt32> = []
        if !others.isEmpty {
            // Type OIDs come from the server, never from the manifest: pasting them is safe.
            let list = others.sorted().map(String.init).joined(separator: ", ")
            do {
                let rows = try await connection.query(
                    PostgresQuery(unsafeSQL: "select oid::int8 from pg_catalog.pg_type where typcategory = 'A' and oid in (\(list))"),
                    logger: logger)
                for try await oid in rows.decode(Int64.self) { arrays.insert(UInt32(truncatingIfNeeded: oid)) }
            } catch {
                throw PostgresFailure.describe(error, endpoint: endpoint, phase: .starting(subject: subject, watermark: nil))
            }
        }
        return described.map { column in
            let reading: PostgresSourceColumn.Reading =
                if PostgresFieldText.kind(of: column.type) != nil { .native }
                else if arrays.contains(column.type.rawValue) { .json }
                else { .text }
            return PostgresSourceColumn(name: column.name, type: column.type, reading: reading)
        }
    }
}

/// A query parameter sent as text with no type: PostgreSQL gives it the type its place in the query
/// asks for (`cursor >= $1`: the cursor column's type) and reads the text with that type's input
/// function, so a watermark compares as a timestamp, a date, a number or text, like the column.
struct PostgresUntypedText: PostgresDynamicTypeEncodable {
    let text: String

    var psqlType: PostgresDataType { PostgresDataType(0) }
    var psqlFormat: PostgresFormat { .text }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeString(text)
    }
}
