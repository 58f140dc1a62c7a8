import BigQueryAPI
import Foundation
import Logging
import Synchronization
import Testing

/// Query jobs: retries under one job id, polling, paging, cell decoding, the request's shape, dry
/// runs and cancellation.
@Suite("BigQuery REST client: query jobs")
struct BigQueryQueryJobTests: BigQueryClientStubSuite {
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
    @Test func transientFailuresAreRetriedWithBackoffUnderTheSameJobID() async throws {
        let counter = EventCounter()
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
            #expect(delay >= .zero && delay <= .seconds(1) * (1 << index))
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
        let counter = EventCounter()
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

    @Test func aJobBigQueryCannotShowRightAfterA409IsAskedForAgain() async throws {
        let counter = EventCounter()
        let stub = BigQueryStubServer { request, _ in
            if Self.isInsert(request) {
                return .error(409, reason: "duplicate", message: "Already Exists: Job sluice-test:US.\(Self.jobID(request))")
            }
            if request.method == "GET", request.path.contains("/jobs/") {
                return counter.next("get") <= 2
                    ? .error(404, reason: "notFound", message: "Not found: Job sluice-test:US.\(Self.lastSegment(request.path))")
                    : Self.job(Self.lastSegment(request.path))
            }
            if request.path.contains("/queries/") {
                return Self.results(Self.lastSegment(request.path), rows: [7], total: 1, pageToken: nil)
            }
            return StubResponse(status: 404)
        }
        let sleeps = SleepLog()
        let result = try await stub.run { base in try await Self.client(base, retry: sleeps.policy).query(QueryJobRequest(sql: "SELECT 7")) }
        #expect(stub.requests(path: "/jobs/\(result.jobID)", method: "GET").map(\.path).count == 3, "404, 404, then the job")
        #expect(stub.requests.filter(Self.isInsert).count == 1, "not inserted again")
        #expect(result.rows == [["7", "name 7"]])
    }

    @Test func fiftyTransientFailuresInARowAreRiddenOutWithinTheDeadline() async throws {
        let counter = EventCounter()
        let stub = BigQueryStubServer { request, _ in
            if Self.isInsert(request) {
                return counter.next("insert") <= 50 ? StubResponse(status: 503) : Self.job(Self.jobID(request))
            }
            if request.path.contains("/queries/") {
                return Self.results(Self.lastSegment(request.path), rows: [1], total: 1, pageToken: nil)
            }
            return StubResponse(status: 404)
        }
        // No attempt count ends the retries, only the 600 s deadline: fifty failures fit in it with
        // waits from 10 ms capped at 5 s (virtual time).
        let sleeps = SleepLog()
        var tuned = sleeps.policy
        tuned.baseDelay = .milliseconds(10)
        tuned.maxDelay = .seconds(5)
        let policy = tuned
        let result = try await stub.run { base in try await Self.client(base, retry: policy).query(QueryJobRequest(sql: "SELECT 1")) }
        #expect(stub.requests.filter(Self.isInsert).count == 51)
        #expect(result.rows.count == 1)
    }

    @Test(arguments: ["jobBackendError", "jobInternalError", "jobRateLimitExceeded", "backendError"])
    func aFinishedJobFailingForATransientReasonIsRerunUntilTheJobDeadline(reason: String) async throws {
        let stub = BigQueryStubServer { request, _ in
            Self.isInsert(request) ? Self.job(Self.jobID(request), errorReason: reason) : StubResponse(status: 404)
        }
        let sleeps = SleepLog()
        let error = try await stub.run { base in
            await #expect(throws: BigQueryError.self) {
                _ = try await Self.client(base, retry: sleeps.policy).query(QueryJobRequest(sql: "SELECT 1", jobIDPrefix: "model_x"))
            }
        }
        let ids = stub.requests.filter(Self.isInsert).map(Self.jobID)
        #expect(ids.count > 6, "rerun past the old six attempts")
        #expect(Set(ids).count == ids.count, "each rerun under a new job id")
        #expect(sleeps.slept <= .seconds(2_400) && sleeps.slept > .seconds(2_340), "rerun for the 2,400 s job deadline: \(sleeps.slept)")
        #expect(error?.reason == reason)
        #expect(error?.message.contains("gave up after \(ids.count) attempts") == true)
    }

    @Test func runningJobsArePolledWithGrowingDelays() async throws {
        let counter = EventCounter()
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
        let counter = EventCounter()
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
        _ = try await stub.run { base in
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
}
