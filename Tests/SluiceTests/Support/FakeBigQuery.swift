import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A small fake of BigQuery's REST API v2 for tests: real HTTP on loopback (Hummingbird on a free
/// port) answering in BigQuery's JSON shapes, with canned answers instead of a SQL engine. Query
/// jobs get what a test said for SQL containing some text (`respond(toQueryContaining:)`), or no
/// rows; load jobs count their NDJSON lines (or, reading `sourceUris`, the lines of the objects
/// given to `storeObject`); `tables.get` answers from what loads and destination
/// queries wrote or from `setTable`. It rejects what BigQuery rejects on the wire (legacy SQL, a
/// job without `jobReference.jobId`, a reused job id, malformed multipart bodies and Content-Range,
/// bad partition decorators, unknown projects and datasets, bad labels, bytes over
/// `maximumBytesBilled`), records every request and job, and injects faults. SQL semantics are
/// tested on the SQLite warehouse and, opt-in, on a BigQuery emulator (`BigQueryEmulatorTests`).
final class FakeBigQuery: Sendable {
    /// The one project the fake serves; any other answers `404 Not found: Project …`.
    let project: String
    /// Its location.
    let location: String
    private let state: Mutex<FakeBigQueryState>

    private init(project: String, location: String, now: @escaping @Sendable () -> Date) {
        self.project = project
        self.location = location
        state = Mutex(FakeBigQueryState(project: project, location: location, now: now))
    }

    /// Runs `body` with a fake listening on `127.0.0.1` (a free port), and stops it afterwards.
    /// `now` dates `creationTime` and `lastModifiedTime`.
    static func run<T>(
        project: String = "sluice-test", location: String = "US", now: @escaping @Sendable () -> Date = { Date() },
        _ body: (FakeBigQuery) async throws -> T
    ) async throws -> T {
        let fake = FakeBigQuery(project: project, location: location, now: now)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let body = try await request.body.collect(upTo: 1 << 30)
            return fake.respond(to: request, body: body)
        }
        return try await LoopbackServer.run(label: "fake BigQuery", responder: responder) { port in
            fake.state.withLock { $0.baseURL = "http://127.0.0.1:\(port)" }
            return try await body(fake)
        }
    }

    /// `http://127.0.0.1:PORT`: the client's endpoint.
    var baseURL: String { state.withLock { $0.baseURL } }

    private func respond(to request: Request, body: ByteBuffer) -> Response {
        var query: [String: String] = [:]
        for item in URLComponents(string: request.uri.string)?.queryItems ?? [] { query[item.name] = item.value ?? "" }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        let path = request.uri.path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        let wire = FakeWireRequest(method: request.method.rawValue, path: path, query: query, headers: headers, body: Array(buffer: body))
        let reply = state.withLock { $0.handle(wire) }
        var fields = HTTPFields()
        for (name, value) in reply.headers {
            if let fieldName = HTTPField.Name(name) { fields[fieldName] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }

    // MARK: Canned answers and set-up

    /// Answers query jobs (and dry runs) whose SQL contains `fragment` with `answer`. Later rules
    /// win over earlier ones; SQL no rule matches gets no rows, no columns and no bytes.
    func respond(toQueryContaining fragment: String, with answer: FakeAnswer) {
        respond { sql in sql.contains(fragment) ? answer : nil }
    }

    /// Answers query jobs whose SQL contains `fragment` with STRING columns and these rows.
    func respond(toQueryContaining fragment: String, columns: [String] = [], rows: [[String?]] = [], bytesProcessed: Int64 = 0) {
        respond(toQueryContaining: fragment, with: FakeAnswer(columns: columns, rows: rows, bytesProcessed: bytesProcessed))
    }

    /// Answers query jobs with what `answer` returns for their SQL (nil: ask earlier rules). Runs
    /// under the fake's lock, so it must not call the fake.
    func respond(_ answer: @escaping @Sendable (String) -> FakeAnswer?) {
        state.withLock { $0.answers.append(answer) }
    }

    /// What `tables.get` says of a table from now on (its dataset is created too).
    func setTable(
        _ dataset: String, _ table: String, fields: [FakeField] = [], partitionField: String? = nil, numRows: Int64 = 0,
        numBytes: Int64 = 0, lastModified: Date? = nil
    ) {
        state.withLock { state in
            let millis = lastModified.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } ?? state.nowMillis
            state.datasets.insert(dataset)
            state.tables["\(dataset).\(table)"] = FakeTable(
                fields: fields, partitionField: partitionField, numRows: numRows, numBytes: numBytes, created: millis,
                lastModified: millis)
        }
    }

    /// Stores a Cloud Storage object that load jobs with `sourceUris` can read (`gs://bucket/name`).
    func storeObject(_ uri: String, _ text: String) {
        state.withLock { $0.storageObjects[uri] = Array(text.utf8) }
    }

    /// Creates a dataset directly (not recorded).
    func createDataset(_ name: String) {
        _ = state.withLock { $0.datasets.insert(name) }
    }

    /// Whether `datasets.insert` is allowed (false: `403 accessDenied`, as for a service account
    /// without `bigquery.datasets.create`).
    func allowDatasetCreation(_ allowed: Bool) {
        state.withLock { $0.allowsDatasetCreation = allowed }
    }

    /// Injects `fault` into the next `times` requests of `operation` (any operation when nil).
    /// Job faults only hit requests that create a job.
    func inject(_ fault: FakeFault, times: Int = 1, on operation: FakeOperation? = nil) {
        state.withLock { $0.faults.append((operation, times, fault)) }
    }

    // MARK: Inspection

    /// Every request so far, in order.
    var requests: [FakeRequest] { state.withLock { $0.recorded } }

    /// The requests of one operation, in order.
    func requests(_ operation: FakeOperation) -> [FakeRequest] {
        requests.filter { $0.operation == operation }
    }

    /// Every job created so far, in order (dry runs are in `dryRuns`).
    var jobs: [FakeJob] { state.withLock { state in state.jobOrder.compactMap { state.jobs[$0] } } }

    /// Every dry run so far, in order.
    var dryRuns: [FakeJob] { state.withLock { $0.dryRuns } }

    /// Forgets the requests, jobs and dry runs recorded so far (datasets, tables and rules stay).
    func clearRecords() {
        state.withLock { state in
            state.recorded = []
            state.jobOrder = []
            state.dryRuns = []
        }
    }

    /// Datasets that exist.
    var datasetNames: Set<String> { state.withLock { $0.datasets } }

    /// What the fake knows of a table, or nil when it does not exist.
    func table(_ dataset: String, _ table: String) -> FakeTable? {
        state.withLock { $0.tables["\(dataset).\(table)"] }
    }
}

/// What a query job answers: its result schema and rows, the bytes it processes (billed as
/// BigQuery does, see `billed`), DML's affected rows, or an error the job fails with.
struct FakeAnswer: Sendable {
    var fields: [FakeField] = []
    /// Cells as they go on the wire: text, TIMESTAMPs as microseconds since the epoch (the client
    /// asks for `formatOptions.useInt64Timestamp`; see `micros`), nil for NULL.
    var rows: [[String?]] = []
    var bytesProcessed: Int64 = 0
    var affectedRows: Int64?
    var error: FakeError?

    init(fields: [FakeField] = [], rows: [[String?]] = [], bytesProcessed: Int64 = 0, affectedRows: Int64? = nil) {
        self.fields = fields
        self.rows = rows
        self.bytesProcessed = bytesProcessed
        self.affectedRows = affectedRows
    }

    init(columns: [String], rows: [[String?]] = [], bytesProcessed: Int64 = 0) {
        self.init(fields: columns.map { FakeField(name: $0, type: "STRING") }, rows: rows, bytesProcessed: bytesProcessed)
    }

    /// A job that fails with this reason and message (HTTP 400 where the error is an HTTP reply).
    static func failing(_ reason: String, _ message: String) -> FakeAnswer {
        var answer = FakeAnswer()
        answer.error = FakeError(code: 400, reason: reason, message: message)
        return answer
    }

    /// A TIMESTAMP cell: microseconds since the epoch.
    static func micros(_ date: Date) -> String {
        String(Int64((date.timeIntervalSince1970 * 1_000_000).rounded()))
    }

    /// What BigQuery bills for `bytes` processed by `sql`: the bytes rounded up to the MiB, at least
    /// 10 MiB; an `INFORMATION_SCHEMA` query (metadata, never cached) bills at least 10 MiB even when
    /// it processes nothing, any other query that processes nothing (DDL, an empty answer) nothing.
    static func billed(_ bytes: Int64, sql: String = "") -> Int64 {
        let mebibyte: Int64 = 1_048_576
        let metadata = sql.contains("INFORMATION_SCHEMA")
        return bytes <= 0 && !metadata ? 0 : max(10 * mebibyte, (max(bytes, 0) + mebibyte - 1) / mebibyte * mebibyte)
    }
}

/// A column of a schema, as the REST API writes it.
struct FakeField: Codable, Sendable, Equatable {
    var name: String
    var type: String
    var mode = "NULLABLE"

    init(name: String, type: String, mode: String = "NULLABLE") {
        self.name = name
        self.type = type
        self.mode = mode
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        type = try container.decodeIfPresent(String.self, forKey: .type) ?? "STRING"
        mode = try container.decodeIfPresent(String.self, forKey: .mode) ?? "NULLABLE"
    }
}

/// A table as `tables.get` describes it.
struct FakeTable: Sendable, Equatable {
    var fields: [FakeField]
    var partitionField: String?
    var numRows: Int64
    /// What `tables.get` says the table stores (set by `setTable`; writes leave it as it is).
    var numBytes: Int64 = 0
    var created: Int64
    var lastModified: Int64
    /// When BigQuery deletes it by itself (`tables.patch` `expirationTime`, milliseconds).
    var expirationTime: Int64?
    /// `TABLE`, or `VIEW` for one a `CREATE VIEW` statement made.
    var kind = "TABLE"
}

/// The REST operations the fake serves, for recording and aiming faults.
enum FakeOperation: String, Sendable, Equatable {
    case datasetsInsert, datasetsGet, tablesGet, tablesPatch, tablesDelete
    case jobsInsert, jobsGet, jobsCancel, getQueryResults
    case uploadMultipart, uploadResumableStart, uploadResumableChunk
    case unknown
}

/// A fault injected into the next matching requests.
enum FakeFault: Sendable, Equatable {
    /// Answer with this HTTP status and error without doing anything.
    case http(status: Int, reason: String, message: String)
    /// Create the job, then answer `409 duplicate`, as when a reply is lost and the client retries.
    case duplicateAfterCreating
    /// Create the job, failed with this reason, without doing its work.
    case jobFails(reason: String, message: String)
    /// The job answers RUNNING to this many polls (`jobs.get`, `getQueryResults`) first.
    case slow(polls: Int)
    /// The query job finishes `DONE` without an error, but its destination table is not there
    /// afterwards (dropped meanwhile, or expired by the dataset's default).
    case loseDestination

    static let tooManyRequests = FakeFault.http(
        status: 429, reason: "rateLimitExceeded", message: "Exceeded rate limits: too many api requests per user per method for this user_method.")
    static let internalError = FakeFault.http(status: 500, reason: "backendError", message: "Backend error. Job aborted.")
    static let unavailable = FakeFault.http(status: 503, reason: "backendError", message: "The service is currently unavailable.")
    /// HTTP 403 `rateLimitExceeded`, as BigQuery answers a burst of table updates.
    static let rateLimitExceeded = FakeFault.http(
        status: 403, reason: "rateLimitExceeded", message: "Exceeded rate limits: too many table update operations for this table.")
    static let backendErrorJob = FakeFault.jobFails(reason: "backendError", message: "Backend error. Job aborted.")
}

/// One request the fake received.
struct FakeRequest: Sendable {
    let method: String
    let path: String
    /// Query parameters (last value wins).
    let query: [String: String]
    /// Headers, names lower-cased.
    let headers: [String: String]
    let operation: FakeOperation
    /// The JSON body, or the JSON part of a multipart upload (empty for a resumable chunk).
    let jsonBody: [UInt8]
    /// The HTTP status the fake answered.
    var status = 0

    /// `jsonBody` parsed (empty when it is not a JSON object).
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(jsonBody))) as? [String: Any] ?? [:] }
}

/// A job the fake created (or a dry run), as sent and as answered.
struct FakeJob: Sendable {
    let id: String
    /// `QUERY` or `LOAD`.
    let type: String
    let sql: String?
    let labels: [String: String]
    /// `dataset.table` as sent, partition decorator included.
    let destination: String?
    let writeDisposition: String?
    let createDisposition: String?
    let partitionField: String?
    let maximumBytesBilled: Int64?
    /// A load's schema.
    let fields: [FakeField]
    /// The job body as sent (for echoing its configuration).
    let body: [UInt8]
    /// A load's NDJSON as uploaded.
    var data: [UInt8] = []
    var answer = FakeAnswer()
    var bytesBilled: Int64 = 0
    var outputRows = 0
    var error: FakeError?
    var pollsLeft = 0
    var created: Int64 = 0

    var errorReason: String? { error?.reason }
    var bytesProcessed: Int64 { answer.bytesProcessed }

    /// A load's rows, each line of its NDJSON parsed.
    var rows: [[String: Any]] {
        data.split(separator: UInt8(ascii: "\n")).compactMap { (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any] }
    }
}

/// A BigQuery error: `{"error": {"code", "message", "errors": [{"reason", "message", "domain"}], "status"}}`.
struct FakeError: Error, Sendable, Equatable {
    let code: Int
    let reason: String
    let message: String

    static func invalid(_ message: String) -> FakeError { .init(code: 400, reason: "invalid", message: message) }
    static func invalidQuery(_ message: String) -> FakeError { .init(code: 400, reason: "invalidQuery", message: message) }
    static func required(_ message: String) -> FakeError { .init(code: 400, reason: "required", message: message) }
    static func notFound(_ what: String) -> FakeError { .init(code: 404, reason: "notFound", message: "Not found: \(what)") }
    static func duplicate(_ what: String) -> FakeError { .init(code: 409, reason: "duplicate", message: "Already Exists: \(what)") }

    /// The entry of `errors[]` and `status.errorResult`.
    var proto: [String: Any] { ["reason": reason, "message": message, "domain": "global", "location": ""] }

    /// The HTTP error body.
    var body: [String: Any] {
        let status = [400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 409: "ALREADY_EXISTS", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"]
        return ["error": ["code": code, "message": message, "errors": [proto], "status": status[code] ?? "INTERNAL"] as [String: Any]]
    }
}
