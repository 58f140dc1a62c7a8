import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A BigQuery REST v2 server on loopback for tests: real HTTP (Hummingbird on a free port),
/// BigQuery's JSON shapes and error bodies, queries executed for real on SQLite (see
/// `FakeSQLTranslator`), loads through multipart and resumable uploads. It rejects what BigQuery
/// rejects (legacy SQL by default, inserts without a job id, reused job ids, malformed multipart,
/// bad partition decorators, bytes over `maximumBytesBilled`, unknown datasets), records every
/// request, and injects faults into the next matching requests.
final class FakeBigQuery: Sendable {
    /// The one project the fake serves.
    let project: String
    /// Its location.
    let location: String
    private let state: Mutex<FakeBigQueryState>

    private init(project: String, location: String, now: @escaping @Sendable () -> Date) throws {
        self.project = project
        self.location = location
        state = Mutex(try FakeBigQueryState(project: project, location: location, now: now))
    }

    /// Runs `body` with a fake listening on `127.0.0.1` (a free port), and stops it afterwards.
    /// `now` is the fake's clock (`CURRENT_TIMESTAMP()`, `lastModifiedTime`).
    static func run<T>(
        project: String = "sluice-test", location: String = "US", now: @escaping @Sendable () -> Date = { Date() },
        _ body: (FakeBigQuery) async throws -> T
    ) async throws -> T {
        let fake = try FakeBigQuery(project: project, location: location, now: now)
        let (ports, announce) = AsyncStream<Int>.makeStream()
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let body = try await request.body.collect(upTo: 1 << 30)
            return fake.respond(to: request, body: body)
        }
        var logger = Logger(label: "fake-bigquery")
        logger.logLevel = .critical
        let app = Application(
            responder: responder, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                announce.yield(channel.localAddress?.port ?? 0)
                announce.finish()
            },
            logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                group.cancelAll()
                throw FakeBigQueryFailure.invalid("the fake BigQuery server did not start")
            }
            fake.state.withLock { $0.baseURL = "http://127.0.0.1:\(port)" }
            do {
                let result = try await body(fake)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// `http://127.0.0.1:PORT`: what `BIGQUERY_API_ENDPOINT` would be set to.
    var baseURL: String { state.withLock { $0.baseURL } }

    private func respond(to request: Request, body: ByteBuffer) -> Response {
        var query: [String: String] = [:]
        for pair in (request.uri.query ?? "").split(separator: "&") {
            let pieces = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if let name = pieces.first { query[name] = pieces.count > 1 ? pieces[1] : "" }
        }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        let fakeRequest = FakeHTTPRequest(
            method: request.method.rawValue, path: request.uri.path, query: query, headers: headers, body: Array(buffer: body))
        let reply = state.withLock { $0.handle(fakeRequest) }
        var fields = HTTPFields()
        for (name, value) in reply.headers {
            if let fieldName = HTTPField.Name(name) { fields[fieldName] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }

    // MARK: Setup and faults

    /// Injects `fault` into the next `times` requests of `operation` (any operation when nil; job
    /// faults only hit requests that create jobs).
    func inject(_ fault: FakeFault, times: Int = 1, on operation: FakeOperation? = nil) {
        state.withLock { $0.faults.append((operation, times, fault)) }
    }

    /// Demands `Authorization: Bearer <token>` on every request (401 `authError` otherwise).
    func requireToken(_ token: String?) {
        state.withLock { $0.requiredToken = token }
    }

    /// Whether `datasets.insert` is allowed (false: 403 `accessDenied`, as for a service account
    /// without `bigquery.datasets.create`).
    func allowDatasetCreation(_ allowed: Bool) {
        state.withLock { $0.allowsDatasetCreation = allowed }
    }

    /// Creates a dataset directly (not recorded).
    func createDataset(_ name: String) {
        state.withLock { state in state.datasets[name] = state.nowMillis }
    }

    // MARK: Inspection

    /// Every request so far, in order.
    var requests: [FakeRecordedRequest] { state.withLock { $0.recorded } }

    /// The requests of one operation.
    func requests(_ operation: FakeOperation) -> [FakeRecordedRequest] {
        requests.filter { $0.operation == operation }
    }

    /// Every job created so far (dry runs excluded), in order.
    var jobs: [FakeJobSummary] { state.withLock { $0.summaries } }

    /// Every dry run so far, in order.
    var dryRuns: [FakeJobSummary] { state.withLock { $0.dryRuns } }

    /// Forgets recorded requests, jobs and dry runs seen so far (data stays).
    func clearRecords() {
        state.withLock { state in
            state.recorded = []
            state.dryRuns = []
            state.jobOrder = []
        }
    }

    /// Datasets that exist.
    var datasetNames: Set<String> { state.withLock { Set($0.datasets.keys) } }

    /// The schema and partitioning of a table, or nil when it does not exist.
    func table(_ dataset: String, _ table: String) -> FakeTable? {
        state.withLock { $0.tables["\(dataset).\(table)"] }
    }

    /// Runs a GoogleSQL SELECT straight on the fake's data (not recorded, not billed); cells as
    /// SQLite text (dates `YYYY-MM-DD`, timestamps `YYYY-MM-DD HH:MM:SS`), nil for NULL.
    func rows(_ sql: String) throws -> [[String?]] {
        try state.withLock { state in
            var translator = try FakeSQLTranslator(sql: sql, project: state.project, datasets: Set(state.datasets.keys), defaultDataset: nil)
            guard case let .select(translated) = try translator.statement() else {
                throw FakeBigQueryFailure.invalid("rows(_:) runs SELECT statements only")
            }
            return try FakeBigQueryState.transaction(state.db) { db in
                try Row.fetchAll(db, sql: translated).map { row in
                    row.databaseValues.map { value -> String? in
                        switch value.storage {
                        case .null: nil
                        case let .int64(int): String(int)
                        case let .double(double): String(double)
                        case let .string(text): text
                        case let .blob(data): data.base64EncodedString()
                        }
                    }
                }
            }
        }
    }
}
