import Foundation
import GRDB

/// The REST operations the fake serves, for recording and for aiming faults.
enum FakeOperation: String, Sendable, Equatable, CaseIterable {
    case datasetsInsert, datasetsGet, datasetsDelete
    case tablesInsert, tablesGet, tablesList, tablesDelete, tabledataList, tabledataInsertAll
    case jobsInsert, jobsGet, jobsCancel, jobsQuery, getQueryResults
    case uploadMultipart, uploadResumableStart, uploadResumableChunk
    case unknown
}

/// A fault the fake injects into the next matching requests.
enum FakeFault: Sendable, Equatable {
    /// Answer with this HTTP status and BigQuery error (`reason`, `message`) without doing anything.
    case http(status: Int, reason: String, message: String)
    /// Do the request (create the job), then answer `409 duplicate` as if the reply had been lost
    /// and the client retried its insert.
    case duplicateAfterCreating
    /// Create the job, but have it fail with this reason (`backendError`, …) without running.
    case jobFails(reason: String, message: String)
    /// The job answers RUNNING to this many polls (`jobs.get` / `getQueryResults`) before it runs.
    case slow(polls: Int)

    /// HTTP 429 `rateLimitExceeded`.
    static let tooManyRequests = FakeFault.http(
        status: 429, reason: "rateLimitExceeded", message: "Exceeded rate limits: too many api requests per user per method for this user_method.")
    /// HTTP 500 `backendError`.
    static let internalError = FakeFault.http(status: 500, reason: "backendError", message: "Backend error. Job aborted.")
    /// HTTP 503 `backendError`.
    static let unavailable = FakeFault.http(status: 503, reason: "backendError", message: "The service is currently unavailable.")
    /// HTTP 403 `rateLimitExceeded`, as BigQuery answers a burst of table updates.
    static let rateLimitExceeded = FakeFault.http(
        status: 403, reason: "rateLimitExceeded",
        message: "Exceeded rate limits: too many table update operations for this table.")
    /// A job that fails with `backendError`.
    static let backendErrorJob = FakeFault.jobFails(reason: "backendError", message: "Backend error. Job aborted.")
}

/// One request the fake received, as tests inspect it.
struct FakeRecordedRequest: Sendable {
    /// `GET`, `POST`, `PUT`, `DELETE`.
    let method: String
    /// The path without the query string.
    let path: String
    /// Query parameters (last value wins).
    let query: [String: String]
    /// Headers, names lower-cased.
    let headers: [String: String]
    /// What it was.
    let operation: FakeOperation
    /// The JSON body, or the JSON metadata part of a multipart upload.
    let json: FakeJSON?
    /// Bytes of upload data (the media part of a multipart upload, or one resumable chunk).
    let mediaBytes: Int
    /// The HTTP status the fake answered.
    let status: Int
}

/// A job as tests inspect it after it finished.
struct FakeJobSummary: Sendable {
    /// The job id.
    let jobID: String
    /// `QUERY` or `LOAD`.
    let type: String
    /// Whether it was a dry run.
    let dryRun: Bool
    /// The SQL of a query job.
    let sql: String?
    /// The job's labels.
    let labels: [String: String]
    /// `maximumBytesBilled`, when set.
    let maximumBytesBilled: Int64?
    /// `SELECT`, `MERGE`, `CREATE_TABLE_AS_SELECT`, … (query jobs).
    let statementType: String?
    /// Destination table id as sent (with any partition decorator).
    let destination: String?
    /// `totalBytesProcessed`.
    let bytesProcessed: Int64
    /// `totalBytesBilled`.
    let bytesBilled: Int64
    /// `errorResult.reason`, when the job failed.
    let errorReason: String?
}

/// A BigQuery error the fake answers with: `{"error": {"code", "message", "errors": [{…}], "status"}}`.
struct FakeBigQueryFailure: Error, Sendable {
    let code: Int
    let reason: String
    let message: String
    /// Further per-row errors of a failed load (BigQuery's `status.errors`).
    var details: [String] = []

    static func invalid(_ message: String) -> FakeBigQueryFailure { .init(code: 400, reason: "invalid", message: message) }
    static func invalidQuery(_ message: String) -> FakeBigQueryFailure { .init(code: 400, reason: "invalidQuery", message: message) }
    static func notFound(_ message: String) -> FakeBigQueryFailure { .init(code: 404, reason: "notFound", message: "Not found: \(message)") }
    static func duplicate(_ message: String) -> FakeBigQueryFailure { .init(code: 409, reason: "duplicate", message: "Already Exists: \(message)") }
    static func required(_ message: String) -> FakeBigQueryFailure { .init(code: 400, reason: "required", message: message) }

    /// gRPC-style status name of an HTTP code, as Google's error bodies carry it.
    static func statusName(_ code: Int) -> String {
        switch code {
        case 400: "INVALID_ARGUMENT"
        case 401: "UNAUTHENTICATED"
        case 403: "PERMISSION_DENIED"
        case 404: "NOT_FOUND"
        case 409: "ALREADY_EXISTS"
        case 429: "RESOURCE_EXHAUSTED"
        case 503: "UNAVAILABLE"
        default: "INTERNAL"
        }
    }

    /// The `errorResult` / `errors[]` entry.
    var errorProto: FakeJSON {
        ["reason": .string(reason), "message": .string(message), "location": "", "domain": "global"]
    }

    /// The HTTP error body.
    var body: FakeJSON {
        let detailProtos = details.map { FakeJSON.object(["reason": .string(reason), "message": .string($0), "domain": "global"]) }
        return ["error": [
            "code": .number(String(code)), "message": .string(message),
            "errors": .array([["reason": .string(reason), "message": .string(message), "domain": "global"]] + detailProtos),
            "status": .string(Self.statusName(code)),
        ]]
    }
}

/// One column of a table the fake keeps (canonical type names: `INT64`, `FLOAT64`, `BOOL`, …).
struct FakeField: Sendable, Equatable {
    var name: String
    var type: String
    var mode: String = "NULLABLE"

    /// As the REST API writes it.
    var json: FakeJSON {
        ["name": .string(name), "type": .string(FakeBigQueryValues.restType(type)), "mode": .string(mode)]
    }

    /// Parses a schema field; throws `invalid` for an unknown type.
    init(json: FakeJSON) throws(FakeBigQueryFailure) {
        guard let name = json["name"].string, !name.isEmpty else { throw .invalid("Empty field name in schema") }
        let written = json["type"].string ?? "STRING"
        guard let type = FakeBigQueryValues.canonicalType(written) else {
            throw .invalid("Invalid value for type: \(written) is not a valid value")
        }
        self.init(name: name, type: type, mode: json["mode"].string?.uppercased() ?? "NULLABLE")
    }

    init(name: String, type: String, mode: String = "NULLABLE") {
        self.name = name
        self.type = type
        self.mode = mode
    }
}

/// A table or view the fake holds; its rows live in SQLite as the table `"dataset.table"`.
struct FakeTable: Sendable {
    var dataset: String
    var name: String
    var fields: [FakeField]
    /// The day-partitioning column (`DAY` is the only unit the fake partitions by).
    var partitionField: String?
    /// The partition unit when partitioned (`DAY`, `HOUR`, `MONTH`, `YEAR`).
    var partitionType: String?
    /// The view's SQL as sent, for views.
    var viewQuery: String?
    var created: Int64
    var lastModified: Int64
    /// Bumped on every write; the query cache keys on it.
    var version: Int
    /// Tables a view reads (`dataset.table`), for billing queries of the view.
    var viewSources: [String] = []

    var key: String { "\(dataset).\(name)" }
    var isView: Bool { viewQuery != nil }

    /// `"dataset.table"`, the SQLite table holding the rows.
    var sqliteName: String { "\"\(key)\"" }
}

/// The parsed `dataset.table[$decorator]` of a destination.
struct FakeDestination: Sendable {
    var project: String
    var dataset: String
    var table: String
    /// `YYYY-MM-DD` of a `$YYYYMMDD` partition decorator.
    var partitionDay: String?

    var key: String { "\(dataset).\(table)" }
}

/// A finished job's outcome, kept for `jobs.get` and `getQueryResults`.
struct FakeJobOutcome: Sendable {
    var fields: [FakeField] = []
    var rows: [[DatabaseValue]] = []
    var bytesProcessed: Int64 = 0
    var bytesBilled: Int64 = 0
    var cacheHit = false
    var statementType: String?
    var affectedRows: Int64?
    var inserted: Int64?
    var updated: Int64?
    var deleted: Int64?
    var outputRows: Int64?
    var inputBytes: Int64?
    var referenced: [String] = []
    var failure: FakeBigQueryFailure?
}

/// Work a job still has to do (slow jobs run when their last RUNNING poll has been answered).
enum FakeJobWork: Sendable {
    case query(FakeJSON)
    case load(FakeJSON, [UInt8])
}

/// A job the fake knows about.
struct FakeJob: Sendable {
    var id: String
    var configuration: FakeJSON
    var created: Int64
    var pollsLeft: Int
    var pending: FakeJobWork?
    var outcome: FakeJobOutcome?

    var type: String { configuration["load"].isNull ? "QUERY" : "LOAD" }
    var isDone: Bool { pending == nil }
}

/// A resumable upload in progress.
struct FakeUploadSession: Sendable {
    var job: FakeJSON
    var received: [UInt8] = []
}

/// A request as the fake's handler sees it.
struct FakeHTTPRequest: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    var headers: [String: String]
    var body: [UInt8]
}

/// A reply of the fake's handler.
struct FakeHTTPReply: Sendable {
    var status: Int
    var headers: [String: String] = ["content-type": "application/json; charset=UTF-8"]
    var body: [UInt8]

    init(status: Int = 200, json: FakeJSON) {
        self.status = status
        body = json.bytes
    }

    init(status: Int, headers: [String: String], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    init(_ failure: FakeBigQueryFailure) {
        self.init(status: failure.code, json: failure.body)
    }
}
