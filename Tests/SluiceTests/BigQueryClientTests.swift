import BigQueryAPI
import Foundation
import Logging
import Synchronization
import Testing

@Suite("BigQuery REST client")
struct BigQueryClientTests {
    // MARK: Helpers

    /// Counts events by name, for handlers that answer differently the n-th time.
    final class Counter: Sendable {
        private let counts = Mutex<[String: Int]>([:])
        /// Increments `name` and returns its new count (1 the first time).
        func next(_ name: String) -> Int {
            counts.withLock { counts in
                counts[name, default: 0] += 1
                return counts[name, default: 0]
            }
        }
    }

    /// Records the delays the client asks to sleep, without sleeping.
    final class SleepLog: Sendable {
        private let log = Mutex<[Duration]>([])
        var delays: [Duration] { log.withLock { $0 } }
        /// A policy with the default delays whose sleep only records.
        var policy: RetryPolicy {
            RetryPolicy(sleep: { [self] delay in record(delay) })
        }
        private func record(_ delay: Duration) {
            log.withLock { $0.append(delay) }
        }
    }

    private static func client(_ base: String, retry: RetryPolicy = .immediate, uploads: UploadOptions = .default,
                               tokens: any AccessTokenProvider = StaticTokenProvider(token: "test-token")) -> BigQueryClient {
        BigQueryClient(
            project: "sluice-test", location: "US", endpoint: base, tokens: tokens, retry: retry, uploads: uploads,
            logger: Logger(label: "bigquery-test")
        )
    }

    private static func isInsert(_ request: StubRequest) -> Bool {
        request.method == "POST" && request.path == "/bigquery/v2/projects/sluice-test/jobs"
    }

    private static func jobID(_ request: StubRequest) -> String {
        (request.json["jobReference"] as? [String: Any])?["jobId"] as? String ?? ""
    }

    private static func queryConfiguration(_ request: StubRequest) -> [String: Any] {
        ((request.json["configuration"] as? [String: Any])?["query"] as? [String: Any]) ?? [:]
    }

    private static func job(_ id: String, state: String = "DONE", errorReason: String? = nil) -> StubResponse {
        let error = errorReason.map { #","errorResult":{"reason":"\#($0)","message":"The job hit \#($0)."}"# } ?? ""
        return .json(200, #"""
            {"kind":"bigquery#job","jobReference":{"projectId":"sluice-test","jobId":"\#(id)","location":"US"},
             "status":{"state":"\#(state)"\#(error)},
             "statistics":{"totalBytesProcessed":"2048","query":{"totalBytesProcessed":"2048","totalBytesBilled":"10485760","cacheHit":false,"numDmlAffectedRows":"7"}}}
            """#)
    }

    private static func results(_ id: String, rows: [Int], total: Int, pageToken: String?) -> StubResponse {
        let cells = rows.map { #"{"f":[{"v":"\#($0)"},{"v":"name \#($0)"}]}"# }.joined(separator: ",")
        let token = pageToken.map { #","pageToken":"\#($0)""# } ?? ""
        return .json(200, #"""
            {"kind":"bigquery#getQueryResultsResponse","jobReference":{"projectId":"sluice-test","jobId":"\#(id)"},
             "schema":{"fields":[{"name":"id","type":"INTEGER","mode":"NULLABLE"},{"name":"name","type":"STRING","mode":"NULLABLE"}]},
             "totalRows":"\#(total)","rows":[\#(cells)],"jobComplete":true\#(token)}
            """#)
    }

    /// The id in a `/jobs/{id}` or `/queries/{id}` path.
    private static func lastSegment(_ path: String) -> String {
        String(path.split(separator: "/").last ?? "")
    }

    /// Dotted key paths of a JSON object (arrays are not entered).
    private static func keyPaths(_ object: [String: Any], prefix: String = "") -> Set<String> {
        var paths: Set<String> = []
        for (key, value) in object {
            let path = prefix + key
            paths.insert(path)
            if let nested = value as? [String: Any], key != "labels" {
                paths.formUnion(keyPaths(nested, prefix: path + "."))
            }
        }
        return paths
    }

    private static func fixture(_ name: String) throws -> [String: Any] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/bigquery"))
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// The JSON body of reference request number `index` in a fixture.
    private static func fixtureBody(_ name: String, index: Int) throws -> [String: Any] {
        let requests = try #require(try fixture(name)["requests"] as? [[String: Any]])
        let request = try #require(requests[index]["request"] as? [String: Any])
        let body = try #require(request["body"] as? [String: Any])
        if let json = body["json"] as? [String: Any] { return json }
        let parts = try #require((body["multipart"] as? [String: Any])?["parts"] as? [[String: Any]])
        return try #require(parts.first?["json"] as? [String: Any])
    }

    /// A body source that hands out `data` in pieces of at most `piece` bytes.
    final class ByteSource: NDJSONBodySource {
        private let data: [UInt8]
        private let piece: Int
        private var offset = 0
        init(_ data: [UInt8], piece: Int) {
            self.data = data
            self.piece = piece
        }
        func nextChunk(maxBytes: Int) throws -> [UInt8]? {
            guard offset < data.count else { return nil }
            let end = min(data.count, offset + min(piece, maxBytes))
            defer { offset = end }
            return Array(data[offset..<end])
        }
    }

    /// NDJSON rows until at least `bytes` bytes.
    private static func ndjson(bytes: Int) -> [UInt8] {
        var data: [UInt8] = []
        var id = 0
        while data.count < bytes {
            id += 1
            data += Array(#"{"order_id":\#(id),"status":"paid","total":12.5,"order_date":"2026-11-20"}"#.utf8) + [10]
        }
        return data
    }

    private static let ordersSchema = [
        SchemaField(name: "order_id", type: "INT64"), SchemaField(name: "status", type: "STRING"),
        SchemaField(name: "total", type: "FLOAT64"), SchemaField(name: "order_date", type: "DATE"),
    ]

    // MARK: Query jobs

    @Test func transientFailuresAreRetriedWithBackoffUnderTheSameJobID() async throws {
        let counter = Counter()
        let stub = BigQueryStubServer { request, _ in
            if Self.isInsert(request) {
                switch counter.next("insert") {
                case 1: return .error(503, reason: "backendError", message: "Service unavailable")
                case 2: return StubResponse(status: 429)
                case 3: return .error(403, reason: "rateLimitExceeded", message: "Exceeded rate limits")
                default: return Self.job(Self.jobID(request))
                }
            }
            if request.path.contains("/queries/") {
                return Self.results(Self.lastSegment(request.path), rows: [1, 2], total: 2, pageToken: nil)
            }
            return StubResponse(status: 404)
        }
        let sleeps = SleepLog()
        let result = try await stub.run { base in
            try await Self.client(base, retry: sleeps.policy).query(QueryJobRequest(
                sql: "SELECT id, name FROM raw.customers", labels: ["sluice_pipeline": "shop"], jobIDPrefix: "check"
            ))
        }
        let inserts = stub.requests.filter(Self.isInsert)
        #expect(inserts.count == 4)
        #expect(Set(inserts.map(Self.jobID)).count == 1)
        #expect(result.jobID == Self.jobID(inserts[0]))
        #expect(result.jobID.hasPrefix("sluice_check_"))
        #expect(result.rows == [["1", "name 1"], ["2", "name 2"]])
        #expect(result.columnNames == ["id", "name"])
        #expect(result.totalBytesProcessed == 2048)
        #expect(result.totalBytesBilled == 10_485_760)
        #expect(result.numDMLAffectedRows == 7)
        let backoffs = sleeps.delays
        #expect(backoffs.count == 3)
        for (index, delay) in backoffs.enumerated() {
            #expect(delay >= .zero && delay <= .milliseconds(500) * (1 << index))
        }
        for insert in inserts {
            #expect(Self.queryConfiguration(insert)["useLegacySql"] as? Bool == false)
        }
    }

    @Test(arguments: [(403, "accessDenied"), (400, "invalidQuery"), (404, "notFound")])
    func permanentErrorsAreNotRetried(status: Int, reason: String) async throws {
        let stub = BigQueryStubServer { request, _ in
            Self.isInsert(request) ? .error(status, reason: reason, message: "BigQuery says \(reason)") : StubResponse(status: 500)
        }
        let error = try await stub.run { base in
            await #expect(throws: BigQueryError.self) {
                _ = try await Self.client(base).query(QueryJobRequest(sql: "SELECT 1"))
            }
        }
        #expect(stub.requests.count == 1)
        #expect(error?.reason == reason)
        #expect(error?.httpStatus == status)
        #expect(error?.message == "BigQuery says \(reason)")
        #expect(error?.jobID?.hasPrefix("sluice-test:US.sluice_query_") == true)
        if reason == "accessDenied" {
            #expect(error?.hint?.contains("roles/bigquery.jobUser") == true)
            #expect(error?.hint?.contains("project sluice-test") == true)
        }
    }

    @Test func aDuplicateOnARetriedInsertFetchesThatJob() async throws {
        let counter = Counter()
        let stub = BigQueryStubServer { request, _ in
            if Self.isInsert(request) {
                return counter.next("insert") == 1
                    ? .error(500, reason: "backendError", message: "Backend error")
                    : .error(409, reason: "duplicate", message: "Already Exists: Job sluice-test:US.\(Self.jobID(request))")
            }
            if request.method == "GET", request.path.contains("/jobs/") {
                return Self.job(Self.lastSegment(request.path))
            }
            if request.path.contains("/queries/") {
                return Self.results(Self.lastSegment(request.path), rows: [42], total: 1, pageToken: nil)
            }
            return StubResponse(status: 404)
        }
        let result = try await stub.run { base in try await Self.client(base).query(QueryJobRequest(sql: "SELECT 42")) }
        let inserts = stub.requests.filter(Self.isInsert)
        #expect(inserts.count == 2)
        #expect(Self.jobID(inserts[0]) == Self.jobID(inserts[1]))
        let fetches = stub.requests(path: "/jobs/\(result.jobID)", method: "GET")
        #expect(fetches.count == 1)
        #expect(fetches.first?.query["location"] == "US")
        #expect(result.rows == [["42", "name 42"]])
    }

    @Test func runningJobsArePolledWithGrowingDelays() async throws {
        let counter = Counter()
        let stub = BigQueryStubServer { request, _ in
            if Self.isInsert(request) { return Self.job(Self.jobID(request), state: "PENDING") }
            if request.method == "GET", request.path.contains("/jobs/") {
                let id = Self.lastSegment(request.path)
                return Self.job(id, state: counter.next("get") < 4 ? "RUNNING" : "DONE")
            }
            if request.path.contains("/queries/") {
                return Self.results(Self.lastSegment(request.path), rows: [], total: 0, pageToken: nil)
            }
            return StubResponse(status: 404)
        }
        let sleeps = SleepLog()
        let result = try await stub.run { base in
            try await Self.client(base, retry: sleeps.policy).query(QueryJobRequest(sql: "SELECT 1", maxRows: 0))
        }
        #expect(stub.requests(path: "/jobs/", method: "GET").count == 4)
        #expect(sleeps.delays == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600)])
        #expect(result.rows.isEmpty)
        #expect(stub.requests(path: "/queries/").first?.query["maxResults"] == "0")
    }

    @Test func aJobFailingForATransientReasonIsRerunUnderANewID() async throws {
        let counter = Counter()
        let stub = BigQueryStubServer { request, _ in
            if Self.isInsert(request) {
                return Self.job(Self.jobID(request), errorReason: counter.next("insert") == 1 ? "backendError" : nil)
            }
            if request.path.contains("/queries/") {
                return Self.results(Self.lastSegment(request.path), rows: [1], total: 1, pageToken: nil)
            }
            return StubResponse(status: 404)
        }
        let result = try await stub.run { base in
            try await Self.client(base).query(QueryJobRequest(sql: "MERGE …", jobIDPrefix: "model_orders"))
        }
        let ids = stub.requests.filter(Self.isInsert).map(Self.jobID)
        #expect(ids.count == 2)
        #expect(ids[0] != ids[1])
        #expect(ids.allSatisfy { $0.hasPrefix("sluice_model_orders_") })
        #expect(result.jobID == ids[1])
    }

    @Test func aJobFailingForAPermanentReasonThrowsItsErrorResult() async throws {
        let stub = BigQueryStubServer { request, _ in
            Self.isInsert(request) ? Self.job(Self.jobID(request), errorReason: "bytesBilledLimitExceeded") : StubResponse(status: 404)
        }
        let error = try await stub.run { base in
            await #expect(throws: BigQueryError.self) {
                _ = try await Self.client(base).query(QueryJobRequest(sql: "SELECT * FROM raw.orders", maximumBytesBilled: 1))
            }
        }
        #expect(stub.requests.count == 1)
        #expect(error?.reason == "bytesBilledLimitExceeded")
        #expect(error?.hint?.contains("cost.maximum_bytes_billed") == true)
        #expect(Self.queryConfiguration(try #require(stub.requests.first))["maximumBytesBilled"] as? String == "1")
    }

    @Test func resultsArePagedUpToMaxRows() async throws {
        let stub = BigQueryStubServer { request, _ in
            if Self.isInsert(request) { return Self.job(Self.jobID(request)) }
            if request.path.contains("/queries/") {
                let id = Self.lastSegment(request.path)
                switch request.query["pageToken"] {
                case nil: return Self.results(id, rows: [1, 2], total: 5, pageToken: "p2")
                case "p2": return Self.results(id, rows: [3, 4], total: 5, pageToken: "p3")
                default: return Self.results(id, rows: [5], total: 5, pageToken: nil)
                }
            }
            return StubResponse(status: 404)
        }
        let (all, limited) = try await stub.run { base in
            let client = Self.client(base)
            let all = try await client.query(QueryJobRequest(sql: "SELECT id, name FROM t", maxRows: 100))
            let limited = try await client.query(QueryJobRequest(sql: "SELECT id, name FROM t", maxRows: 3))
            return (all, limited)
        }
        #expect(all.rows.map { $0[0] } == ["1", "2", "3", "4", "5"])
        #expect(all.totalRows == 5)
        #expect(limited.rows.map { $0[0] } == ["1", "2", "3"])
        #expect(limited.totalRows == 5)
        let allPages = stub.requests(path: "/queries/\(all.jobID)")
        #expect(allPages.map { $0.query["pageToken"] } == [nil, "p2", "p3"])
        #expect(allPages.allSatisfy { $0.query["location"] == "US" && $0.query["formatOptions.useInt64Timestamp"] == "true" })
        let limitedPages = stub.requests(path: "/queries/\(limited.jobID)")
        #expect(limitedPages.map { $0.query["maxResults"] } == ["3", "1"])
    }

    @Test func cellsAreDecodedToText() async throws {
        let stub = BigQueryStubServer { request, _ in
            if Self.isInsert(request) { return Self.job(Self.jobID(request)) }
            return .json(200, #"""
                {"jobComplete":true,"totalRows":"2","schema":{"fields":[
                  {"name":"at","type":"TIMESTAMP","mode":"NULLABLE"},
                  {"name":"ok","type":"BOOLEAN","mode":"NULLABLE"},
                  {"name":"tags","type":"STRING","mode":"REPEATED"},
                  {"name":"info","type":"RECORD","mode":"NULLABLE","fields":[{"name":"a","type":"STRING"},{"name":"n","type":"INTEGER"}]}]},
                 "rows":[
                  {"f":[{"v":"1795005300123456"},{"v":"true"},{"v":[{"v":"x"},{"v":"y \"q\""}]},{"v":{"f":[{"v":"s"},{"v":"3"}]}}]},
                  {"f":[{"v":"1.7950053E9"},{"v":null},{"v":[]},{"v":null}]}]}
                """#)
        }
        let result = try await stub.run { base in try await Self.client(base).query(QueryJobRequest(sql: "SELECT …")) }
        #expect(result.rows == [
            ["2026-11-18 12:35:00.123456", "true", #"["x","y \"q\""]"#, #"{"a":"s","n":3}"#],
            ["2026-11-18 12:35:00", nil, "[]", nil],
        ])
    }

    @Test func queryJobsHaveTheShapeGooglesClientSends() async throws {
        let stub = BigQueryStubServer { request, _ in
            if Self.isInsert(request) { return Self.job(Self.jobID(request)) }
            return Self.results(Self.lastSegment(request.path), rows: [], total: 0, pageToken: nil)
        }
        _ = try await stub.run { base in
            try await Self.client(base).query(QueryJobRequest(
                sql: "SELECT order_date, COUNT(*) AS orders FROM raw.orders GROUP BY order_date",
                destination: TableReference(dataset: "staging", table: "daily_orders"),
                writeDisposition: "WRITE_TRUNCATE", createDisposition: "CREATE_IF_NEEDED",
                maximumBytesBilled: 50_000_000_000,
                labels: ["sluice_pipeline": "shop", "sluice_run": "Run 12", "sluice_step": "x"], maxRows: 0
            ))
        }
        let sent = try #require(stub.requests.first(where: Self.isInsert)).json
        let reference = try Self.fixtureBody("05-query_destination", index: 0)
        #expect(Self.keyPaths(sent).subtracting(["jobReference.location"]) == Self.keyPaths(reference))
        let configuration = try #require(sent["configuration"] as? [String: Any])
        #expect(configuration["labels"] as? [String: String] == ["sluice_pipeline": "shop", "sluice_run": "run_12", "sluice_step": "x"])
        let query = Self.queryConfiguration(stub.requests[0])
        #expect(query["useLegacySql"] as? Bool == false)
        #expect(query["maximumBytesBilled"] as? String == "50000000000")
        #expect(query["destinationTable"] as? [String: String] == ["projectId": "sluice-test", "datasetId": "staging", "tableId": "daily_orders"])
        let jobReference = try #require(sent["jobReference"] as? [String: String])
        #expect(jobReference["projectId"] == "sluice-test")
        #expect(jobReference["location"] == "US")
    }

    @Test func dryRunReturnsTotalBytesProcessed() async throws {
        let stub = BigQueryStubServer { request, _ in
            Self.isInsert(request)
                ? .json(200, #"{"status":{"state":"DONE"},"statistics":{"totalBytesProcessed":"10485760","query":{"totalBytesProcessed":"10485760"}},"configuration":{"dryRun":true}}"#)
                : StubResponse(status: 404)
        }
        let bytes = try await stub.run { base in
            try await Self.client(base).dryRun("SELECT * FROM raw.orders", labels: ["sluice_pipeline": "shop", "sluice_run": "ref", "sluice_step": "x"])
        }
        #expect(bytes == 10_485_760)
        #expect(stub.requests.count == 1)
        let sent = try #require(stub.requests.first).json
        let reference = try Self.fixtureBody("09-dry_run", index: 1)
        let referencePaths = Self.keyPaths(reference).subtracting(["configuration.query.maximumBytesBilled"])
        #expect(Self.keyPaths(sent).subtracting(["jobReference.location"]) == referencePaths)
        #expect((sent["configuration"] as? [String: Any])?["dryRun"] as? Bool == true)
        #expect(Self.queryConfiguration(stub.requests[0])["useLegacySql"] as? Bool == false)
    }

    @Test func cancellingTheTaskCancelsTheJob() async throws {
        let (firstPoll, signal) = AsyncStream<Void>.makeStream()
        let stub = BigQueryStubServer { request, _ in
            if Self.isInsert(request) { return Self.job(Self.jobID(request), state: "RUNNING") }
            if request.method == "GET", request.path.contains("/jobs/") {
                signal.yield()
                return Self.job(Self.lastSegment(request.path), state: "RUNNING")
            }
            if request.path.hasSuffix("/cancel") { return .json(200, #"{"job":{"status":{"state":"DONE"}}}"#) }
            return StubResponse(status: 404)
        }
        let policy = RetryPolicy(
            pollInitialDelay: .zero, pollMaxDelay: .zero, requestTimeout: .seconds(10),
            sleep: { _ in
                await Task.yield()
                try Task.checkCancellation()
            }
        )
        try await stub.run { base in
            let task = Task { try await Self.client(base, retry: policy).query(QueryJobRequest(sql: "SELECT slow()", jobIDPrefix: "slow")) }
            for await _ in firstPoll { break }
            task.cancel()
            await #expect(throws: CancellationError.self) { _ = try await task.value }
            return base
        }
        let jobID = Self.jobID(try #require(stub.requests.first(where: Self.isInsert)))
        let cancels = stub.requests(path: "/jobs/\(jobID)/cancel", method: "POST")
        #expect(cancels.count == 1)
        #expect(cancels.first?.query["location"] == "US")
    }

    /// Hands out `token-1`, `token-2`, … valid for an hour.
    struct CountingTokenSource: AccessTokenSource {
        let counter = Counter()
        func fetchToken() async throws -> AccessToken {
            AccessToken(value: "token-\(counter.next("token"))", expiresAt: Date().addingTimeInterval(3600))
        }
    }

    @Test func aRejectedCachedTokenIsRefreshedOnceAndTheCallRepeated() async throws {
        let stub = BigQueryStubServer { request, _ in
            request.header("Authorization") == "Bearer token-1"
                ? .error(401, reason: "authError", message: "Invalid Credentials")
                : .json(200, #"{"tableReference":{"projectId":"sluice-test","datasetId":"raw","tableId":"orders"},"numRows":"3"}"#)
        }
        let table = try await stub.run { base in
            try await Self.client(base, tokens: CachedTokenProvider(source: CountingTokenSource())).table(dataset: "raw", table: "orders")
        }
        #expect(table?.numRows == 3)
        #expect(stub.requests.map { $0.header("Authorization") } == ["Bearer token-1", "Bearer token-2"])
    }

    // MARK: Loads

    @Test func smallLoadsGoUpAsAWellFormedMultipartBody() async throws {
        let stub = BigQueryStubServer { request, _ in
            if request.path == "/upload/bigquery/v2/projects/sluice-test/jobs" {
                return .json(200, #"{"status":{"state":"DONE"},"statistics":{"load":{"outputRows":"12","inputFileBytes":"1668"}}}"#)
            }
            return StubResponse(status: 404)
        }
        let data = Self.ndjson(bytes: 20_000)
        let result = try await stub.run { base in
            try await Self.client(base).load(
                LoadJobRequest(
                    destination: TableReference(dataset: "raw", table: "orders$20261120"), schema: Self.ordersSchema,
                    writeDisposition: "WRITE_TRUNCATE", timePartitioningField: "order_date",
                    labels: ["sluice_pipeline": "shop", "sluice_run": "ref", "sluice_step": "x"], jobIDPrefix: "load_orders"
                ),
                body: ByteSource(data, piece: 3000)
            )
        }
        #expect(result.outputRows == 12)
        #expect(result.resumable == false)
        #expect(result.jobID.hasPrefix("sluice_load_orders_"))
        let request = try #require(stub.requests.first)
        #expect(stub.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.query["uploadType"] == "multipart")
        let contentType = try #require(request.header("Content-Type"))
        #expect(contentType.hasPrefix("multipart/related; boundary="))
        let boundary = String(contentType.dropFirst("multipart/related; boundary=".count))
        #expect(!boundary.isEmpty)

        let body = request.body
        let delimiter = Array("--\(boundary)".utf8)
        let opening = delimiter + Array("\r\n".utf8)
        #expect(Array(body.prefix(opening.count)) == opening)
        let closing = Array("\r\n--\(boundary)--\r\n".utf8)
        #expect(Array(body.suffix(closing.count)) == closing)
        let inner = Array(body.dropFirst(opening.count).dropLast(closing.count))
        let separator = Array("\r\n--\(boundary)\r\n".utf8)
        let parts = Self.split(inner, on: separator)
        try #require(parts.count == 2)
        let (metadataHeaders, metadataBody) = try Self.splitPart(parts[0])
        let (dataHeaders, dataBody) = try Self.splitPart(parts[1])
        #expect(metadataHeaders.lowercased() == "content-type: application/json; charset=utf-8")
        #expect(dataHeaders.lowercased() == "content-type: application/octet-stream")
        #expect(dataBody == data)

        let metadata = try #require(try JSONSerialization.jsonObject(with: Data(metadataBody)) as? [String: Any])
        let reference = try Self.fixtureBody("02-load_multipart", index: 2)
        #expect(Self.keyPaths(metadata).subtracting(["jobReference.location"]) == Self.keyPaths(reference))
        let load = try #require((metadata["configuration"] as? [String: Any])?["load"] as? [String: Any])
        #expect(load["sourceFormat"] as? String == "NEWLINE_DELIMITED_JSON")
        #expect(load["writeDisposition"] as? String == "WRITE_TRUNCATE")
        #expect(load["createDisposition"] as? String == "CREATE_IF_NEEDED")
        #expect(load["destinationTable"] as? [String: String] == ["projectId": "sluice-test", "datasetId": "raw", "tableId": "orders$20261120"])
        #expect(load["timePartitioning"] as? [String: String] == ["type": "DAY", "field": "order_date"])
        let fields = try #require((load["schema"] as? [String: Any])?["fields"] as? [[String: String]])
        #expect(fields.map { $0["name"] } == ["order_id", "status", "total", "order_date"])
        #expect(fields.allSatisfy { $0["mode"] == "NULLABLE" })
        #expect((metadata["jobReference"] as? [String: String])?["jobId"] == result.jobID)
    }

    @Test func largeLoadsGoUpInResumableChunksOf256KiBMultiplesAndResumeAfterAFailure() async throws {
        let counter = Counter()
        let chunk = 256 * 1024
        let data = Self.ndjson(bytes: 3 * chunk + 50_000)
        let stub = BigQueryStubServer { request, _ in
            if request.method == "POST", request.query["uploadType"] == "resumable" {
                return StubResponse(status: 200, headers: [("Location", "/upload/session?upload_id=abc")])
            }
            guard request.method == "PUT", request.path == "/upload/session" else { return StubResponse(status: 404) }
            let range = request.header("Content-Range") ?? ""
            if range == "bytes */*" {
                return StubResponse(status: 308, headers: [("Range", "bytes=0-\(chunk - 1)")])
            }
            if range.hasPrefix("bytes \(chunk)-"), counter.next("second chunk") == 1 {
                return .error(503, reason: "backendError", message: "try again")
            }
            if range.hasSuffix("/*") {
                let end = range.dropFirst("bytes ".count).split(separator: "/")[0].split(separator: "-")[1]
                return StubResponse(status: 308, headers: [("Range", "bytes=0-\(end)")])
            }
            return .json(200, #"{"status":{"state":"DONE"},"statistics":{"load":{"outputRows":"9000"}}}"#)
        }
        let result = try await stub.run { base in
            try await Self.client(base, uploads: UploadOptions(multipartLimit: 100_000, chunkSize: chunk)).load(
                LoadJobRequest(
                    destination: TableReference(dataset: "raw", table: "orders_bulk"), schema: Self.ordersSchema,
                    writeDisposition: "WRITE_TRUNCATE", timePartitioningField: "order_date",
                    labels: ["sluice_pipeline": "shop", "sluice_run": "ref", "sluice_step": "x"], jobIDPrefix: "bulk"
                ),
                body: ByteSource(data, piece: 7_000)
            )
        }
        #expect(result.resumable)
        #expect(result.outputRows == 9000)
        #expect(result.inputBytes == Int64(data.count))

        let start = try #require(stub.requests.first)
        #expect(start.query["uploadType"] == "resumable")
        #expect(start.header("X-Upload-Content-Type") == "application/octet-stream")
        #expect(((start.json["configuration"] as? [String: Any])?["load"] as? [String: Any])?["sourceFormat"] as? String == "NEWLINE_DELIMITED_JSON")
        let startReference = try Self.fixtureBody("10-load_resumable", index: 0)
        #expect(Self.keyPaths(start.json).subtracting(["jobReference.location"]) == Self.keyPaths(startReference))

        let puts = stub.requests(path: "/upload/session", method: "PUT")
        let ranges = puts.map { $0.header("Content-Range") ?? "" }
        #expect(ranges == [
            "bytes 0-\(chunk - 1)/*",
            "bytes \(chunk)-\(2 * chunk - 1)/*",
            "bytes */*",
            "bytes \(chunk)-\(2 * chunk - 1)/*",
            "bytes \(2 * chunk)-\(3 * chunk - 1)/*",
            "bytes \(3 * chunk)-\(data.count - 1)/\(data.count)",
        ])
        for put in puts.dropLast() where !put.body.isEmpty {
            #expect(put.body.count % chunk == 0)
        }
        let accepted = [puts[0], puts[3], puts[4], puts[5]].flatMap(\.body)
        #expect(accepted == data)
    }

    // MARK: Datasets, tables, cancel, transport

    @Test func datasetsTablesAndCancellation() async throws {
        let stub = BigQueryStubServer { request, _ in
            switch (request.method, request.path) {
            case ("POST", "/bigquery/v2/projects/sluice-test/datasets"):
                return .error(409, reason: "duplicate", message: "Already Exists: Dataset sluice-test:raw")
            case ("GET", "/bigquery/v2/projects/sluice-test/datasets/raw/tables/orders"):
                return .json(200, #"""
                    {"kind":"bigquery#table","tableReference":{"projectId":"sluice-test","datasetId":"raw","tableId":"orders"},
                     "type":"TABLE","numRows":"1234","numBytes":"56789","lastModifiedTime":"1795005300123","creationTime":"1794000000000",
                     "timePartitioning":{"type":"DAY","field":"order_date"},
                     "schema":{"fields":[{"name":"order_id","type":"INTEGER","mode":"REQUIRED"},{"name":"order_date","type":"DATE"}]}}
                    """#)
            case ("POST", "/bigquery/v2/projects/sluice-test/jobs/sluice_x_1/cancel"):
                return .json(200, #"{"kind":"bigquery#jobCancelResponse","job":{"status":{"state":"DONE"}}}"#)
            default:
                return .error(404, reason: "notFound", message: "Not found: \(request.path)")
            }
        }
        let (orders, missing) = try await stub.run { base in
            let client = Self.client(base)
            try await client.ensureDataset("raw")
            let orders = try await client.table(dataset: "raw", table: "orders")
            let missing = try await client.table(dataset: "raw", table: "nope")
            try await client.deleteTable(dataset: "raw", table: "nope")
            try await client.cancel(jobID: "sluice_x_1")
            return (orders, missing)
        }
        let dataset = try #require(stub.requests.first).json
        #expect(dataset["location"] as? String == "US")
        #expect(dataset["datasetReference"] as? [String: String] == ["projectId": "sluice-test", "datasetId": "raw"])
        let table = try #require(orders)
        #expect(table.numRows == 1234)
        #expect(table.numBytes == 56789)
        #expect(table.lastModified == Date(timeIntervalSince1970: 1_795_005_300.123))
        #expect(table.timePartitioning == TimePartitioning(type: "DAY", field: "order_date"))
        #expect(table.fields.map(\.name) == ["order_id", "order_date"])
        #expect(table.fields.first?.mode == "REQUIRED")
        #expect(missing == nil)
        #expect(stub.requests(path: "/tables/nope", method: "DELETE").count == 1)
        #expect(stub.requests(path: "/cancel").first?.query["location"] == "US")
    }

    @Test func requestsIdentifyThemselvesAndCarryTheTokenOnlyWhenThereIsOne() async throws {
        let stub = BigQueryStubServer { _, _ in .error(404, reason: "notFound", message: "Not found") }
        try await stub.run { base in
            _ = try await Self.client(base, tokens: NoTokenProvider()).table(dataset: "raw", table: "a")
            _ = try await Self.client(base, tokens: StaticTokenProvider(token: "abc")).table(dataset: "raw", table: "b")
            return base
        }
        #expect(stub.requests.allSatisfy { $0.header("User-Agent")?.hasPrefix("sluice/") == true })
        #expect(stub.requests[0].header("Authorization") == nil)
        #expect(stub.requests[1].header("Authorization") == "Bearer abc")
    }

    @Test func anUnreachableEndpointIsRetriedThenNamed() async throws {
        let sleeps = SleepLog()
        var policy = sleeps.policy
        policy.baseDelay = .zero
        let client = Self.client("http://127.0.0.1:1", retry: policy)
        let error = await #expect(throws: BigQueryError.self) { try await client.ensureDataset("raw") }
        #expect(error?.reason == "connectionFailed")
        #expect(error?.message.contains("http://127.0.0.1:1") == true)
        #expect(error?.message.contains("gave up after 6 attempts") == true)
        #expect(sleeps.delays.count == 5)
    }

    @Test func theEndpointComesFromTheEnvironment() {
        #expect(BigQueryClient.endpoint(environment: [:]) == "https://bigquery.googleapis.com")
        #expect(BigQueryClient.endpoint(environment: ["BIGQUERY_EMULATOR_HOST": "localhost:9050"]) == "http://localhost:9050")
        #expect(BigQueryClient.endpoint(environment: [
            "BIGQUERY_EMULATOR_HOST": "localhost:9050", "BIGQUERY_API_ENDPOINT": "https://bq.example.com/",
        ]) == "https://bq.example.com")
    }

    @Test func jobIDsAreSafeAndUnique() {
        let first = BigQueryClient.makeJobID(prefix: "model orders/daily")
        let second = BigQueryClient.makeJobID(prefix: "model orders/daily")
        #expect(first != second)
        #expect(first.hasPrefix("sluice_model_orders_daily_"))
        #expect(first.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        #expect(first.count <= 1024)
    }

    // MARK: Multipart parsing

    private static func split(_ bytes: [UInt8], on separator: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var start = 0
        var index = 0
        while index + separator.count <= bytes.count {
            if bytes[index..<(index + separator.count)].elementsEqual(separator) {
                parts.append(Array(bytes[start..<index]))
                index += separator.count
                start = index
            } else {
                index += 1
            }
        }
        parts.append(Array(bytes[start...]))
        return parts
    }

    private static func splitPart(_ part: [UInt8]) throws -> (headers: String, body: [UInt8]) {
        let pieces = split(part, on: Array("\r\n\r\n".utf8))
        try #require(pieces.count >= 2)
        return (String(decoding: pieces[0], as: UTF8.self), Array(part.dropFirst(pieces[0].count + 4)))
    }
}
