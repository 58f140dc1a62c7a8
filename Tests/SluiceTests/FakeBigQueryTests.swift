import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The fake BigQuery is only as useful as it is honest: these tests hold it to the requests
/// Google's own client sends (the recorded fixtures) and to what BigQuery rejects.
@Suite("Fake BigQuery server")
struct FakeBigQueryTests {
    /// A reply as the tests read it.
    struct Reply {
        var status: Int
        var headers: [String: String]
        var json: [String: Any]

        /// The value at a dotted path (`error.errors.0.reason`), array indices as numbers.
        subscript(_ path: String) -> Any? {
            path.split(separator: ".").reduce(json as Any?) { value, key in
                if let index = Int(key), let array = value as? [Any] { return index < array.count ? array[index] : nil }
                return (value as? [String: Any])?[String(key)]
            }
        }

        /// The error reason of an HTTP error, or of a job's `status.errorResult`.
        var reason: String? { self["error.errors.0.reason"] as? String ?? self["status.errorResult.reason"] as? String }
    }

    static func send(
        _ fake: FakeBigQuery, _ method: String, _ target: String, headers: [String: String] = [:], body: [UInt8] = []
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: fake.baseURL + target)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if !body.isEmpty || method == "PUT" || method == "POST" { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 26)
        var replyHeaders: [String: String] = [:]
        for header in response.headers { replyHeaders[header.name.lowercased()] = header.value }
        let json = (try? JSONSerialization.jsonObject(with: Data(Array(buffer: bytes)))) as? [String: Any] ?? [:]
        return Reply(status: Int(response.status.code), headers: replyHeaders, json: json)
    }

    static func bytes(_ json: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: json))
    }

    static func post(_ fake: FakeBigQuery, _ path: String, _ json: [String: Any]) async throws -> Reply {
        try await send(fake, "POST", path, headers: ["Content-Type": "application/json"], body: bytes(json))
    }

    static func queryJob(
        _ id: String?, _ sql: String, legacy: Bool? = false, extra: [String: Any] = [:], labels: [String: String]? = nil, dryRun: Bool = false
    ) -> [String: Any] {
        var query: [String: Any] = ["query": sql]
        if let legacy { query["useLegacySql"] = legacy }
        query.merge(extra) { _, new in new }
        var configuration: [String: Any] = ["query": query]
        if let labels { configuration["labels"] = labels }
        if dryRun { configuration["dryRun"] = true }
        var job: [String: Any] = ["configuration": configuration]
        if let id { job["jobReference"] = ["projectId": "sluice-test", "jobId": id] }
        return job
    }

    static func loadJob(_ id: String, table: String, partitioned: Bool = true) -> [String: Any] {
        var load: [String: Any] = [
            "sourceFormat": "NEWLINE_DELIMITED_JSON", "writeDisposition": "WRITE_TRUNCATE",
            "destinationTable": ["projectId": "sluice-test", "datasetId": "raw", "tableId": table],
            "schema": ["fields": [
                ["name": "order_id", "type": "INT64", "mode": "REQUIRED"], ["name": "customer_id", "type": "INT64"], ["name": "status", "type": "STRING"],
                ["name": "total", "type": "NUMERIC"], ["name": "order_date", "type": "DATE"], ["name": "updated_at", "type": "TIMESTAMP"],
            ]],
        ]
        if partitioned { load["timePartitioning"] = ["type": "DAY", "field": "order_date"] }
        return ["jobReference": ["projectId": "sluice-test", "jobId": id], "configuration": ["load": load]]
    }

    static let jobsPath = "/bigquery/v2/projects/sluice-test/jobs"
    static let uploadPath = "/upload/bigquery/v2/projects/sluice-test/jobs"

    static func fixture(_ name: String) throws -> [[String: Any]] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/bigquery"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return try #require(json["requests"] as? [[String: Any]])
    }

    /// NDJSON orders of the fixtures' schema, `count` rows on `day`, ids from `firstID`.
    static func orders(_ count: Int, day: String, firstID: Int, padding: Int = 0) -> [UInt8] {
        let filler = String(repeating: "x", count: padding)
        return Array((0..<count).map { index in
            #"{"order_id": \#(firstID + index), "customer_id": \#(100 + index % 7), "status": "paid\#(filler)", "total": "12.50", "order_date": "\#(day)", "updated_at": "\#(day)T10:15:00Z"}"#
                + "\n"
        }.joined().utf8)
    }

    /// A multipart/related body from a fixture's recorded parts (the data part rebuilt from its summary).
    static func multipart(_ recorded: [String: Any], seq: Int) throws -> [UInt8] {
        let boundary = try #require(recorded["boundary"] as? String)
        let parts = try #require(recorded["parts"] as? [[String: Any]])
        let header = { (part: [String: Any]) in (part["header_lines"] as? [String])?.first ?? "" }
        let lines = ((parts.last?["media"] as? [String: Any])?["ndjson_lines"] as? Int) ?? 1
        var body = Array("--\(boundary)\r\n\(header(parts[0]))\r\n\r\n".utf8) + (try bytes(try #require(parts[0]["json"] as? [String: Any])))
        body += Array("\r\n--\(boundary)\r\n\(header(parts[1]))\r\n\r\n".utf8) + orders(lines, day: "2026-11-20", firstID: seq * 1000)
        return body + Array("\r\n--\(boundary)--\r\n".utf8)
    }

    @Test func servesEveryRequestGooglesClientSendsForTheOperationsSluiceUsesAndRejectsWhatBigQueryRejects() async throws {
        let names = [
            "01-create_dataset", "02-load_multipart", "03-tables_get", "04-jobs_query", "05-query_destination",
            "06-partition_decorator", "07-merge", "08-information_schema_partitions", "09-dry_run", "10-load_resumable",
            "11-insert_all", "12-duplicate_job_id", "13-errors", "14-legacy_sql_default", "15-cancel",
        ]
        // What BigQuery answers where the recording server differed (see the fixtures' README).
        let rejected: [Int: (status: Int, reason: String)] = [
            3: (409, "duplicate"), 51: (400, "invalidQuery"), 69: (409, "duplicate"), 74: (404, "notFound"), 76: (400, "bytesBilledLimitExceeded"),
        ]
        // Jobs that BigQuery creates and fails.
        let failedJobs = [73: "notFound", 75: "bytesBilledLimitExceeded", 77: "invalidQuery"]
        try await FakeBigQuery.run { fake in
            fake.respond(toQueryContaining: "SELECT * FROM raw.orders", with: FakeAnswer(columns: ["order_id"], bytesProcessed: 2_048))
            fake.respond(toQueryContaining: "no_such_table", with: .failing("notFound", "Not found: Table sluice-test:raw.no_such_table was not found in location US"))
            fake.respond(toQueryContaining: "SELECT nope", with: .failing("invalidQuery", "Unrecognized name: nope at [1:8]"))
            var uploadSession = ""
            var resumable: [UInt8] = []
            var skipped: Set<String> = []
            var sent = 0
            for name in names {
                let requests = try Self.fixture(name)
                let chunks = requests.filter { ($0["request"] as? [String: Any])?["method"] as? String == "PUT" }.count
                if chunks > 0 { resumable = Self.orders(chunks * 1_000, day: "2026-11-18", firstID: 100_000, padding: 100) }
                var chunkIndex = 0
                for entry in requests {
                    let seq = try #require(entry["seq"] as? Int)
                    let request = try #require(entry["request"] as? [String: Any])
                    let method = try #require(request["method"] as? String)
                    let path = try #require(request["path"] as? String)
                    // jobs.query (and its bqemu_ jobs), tables.insert and insertAll: Sluice uses none of them.
                    if path.hasSuffix("/queries") || path.contains("/bqemu_") || path.hasSuffix("/tables") || path.hasSuffix("/insertAll") {
                        skipped.insert("\(method) \(path.replacingOccurrences(of: #"bqemu_[0-9a-f]+"#, with: "{id}", options: .regularExpression))")
                        continue
                    }
                    var query = request["query_string"] as? String ?? ""
                    query = query.replacingOccurrences(of: #"upload_id=[0-9a-f]+"#, with: "upload_id=\(uploadSession)", options: .regularExpression)
                    var headers = (request["headers"] as? [String: String]) ?? [:]
                    var body: [UInt8] = []
                    let recorded = request["body"] as? [String: Any] ?? [:]
                    if let json = recorded["json"] as? [String: Any] {
                        body = try Self.bytes(json)
                    } else if let parts = recorded["multipart"] as? [String: Any] {
                        body = try Self.multipart(parts, seq: seq)
                    } else if recorded["media"] != nil {
                        let chunk = 256 * 1024
                        let start = chunkIndex * chunk
                        let isLast = chunkIndex == chunks - 1
                        let end = isLast ? resumable.count : start + chunk
                        body = Array(resumable[start..<end])
                        headers["content-range"] = "bytes \(start)-\(end - 1)/\(isLast ? String(resumable.count) : "*")"
                        chunkIndex += 1
                    }
                    let reply = try await Self.send(fake, method, path + (query.isEmpty ? "" : "?" + query), headers: headers, body: body)
                    sent += 1
                    if let location = reply.headers["location"], let id = location.split(separator: "=").last { uploadSession = String(id) }
                    if let expected = rejected[seq] {
                        #expect(reply.status == expected.status && reply.reason == expected.reason, "request \(seq) of \(name): \(reply.json)")
                        #expect(reply["error.message"] is String && reply["error.status"] is String, "request \(seq) has BigQuery's error shape")
                    } else {
                        #expect((200..<300).contains(reply.status) || reply.status == 308, "request \(seq) of \(name): \(reply.status) \(reply.json)")
                        #expect(reply["status.errorResult.reason"] as? String == failedJobs[seq], "request \(seq) of \(name): \(reply.json)")
                    }
                    if seq == 57 { #expect(reply["numRows"] as? String == String(resumable.count(where: { $0 == 0x0A }))) }
                    if seq == 49 { #expect(reply["statistics.query.totalBytesProcessed"] as? String == "2048" && reply["jobReference.jobId"] == nil) }
                }
            }
            #expect(skipped == [
                "POST /bigquery/v2/projects/sluice-test/datasets/raw/tables", "POST /bigquery/v2/projects/sluice-test/queries",
                "GET /bigquery/v2/projects/sluice-test/jobs/{id}", "GET /bigquery/v2/projects/sluice-test/queries/{id}",
                "POST /bigquery/v2/projects/sluice-test/datasets/raw/tables/orders/insertAll",
            ])
            #expect(fake.requests.count == sent)
            #expect(fake.requests.allSatisfy { $0.operation != .unknown })
            #expect(fake.table("raw", "orders")?.partitionField == "order_date")
        }
    }

    @Test func rejectsTheLegacySQLDefaultInsertsWithoutAJobIDReusedIDsAndBadLabels() async throws {
        try await FakeBigQuery.run { fake in
            let legacy = try await Self.post(fake, Self.jobsPath, Self.queryJob("legacy_1", "SELECT COUNT(*) AS n FROM `sluice-test.raw.orders`", legacy: nil))
            #expect(legacy.status == 200 && legacy.reason == "invalidQuery")
            #expect((legacy["status.errorResult.message"] as? String)?.contains("standard SQL") == true)
            let results = try await Self.send(fake, "GET", "/bigquery/v2/projects/sluice-test/queries/legacy_1")
            #expect(results.status == 400 && results.reason == "invalidQuery")
            #expect(results["error.status"] as? String == "INVALID_ARGUMENT")
            #expect(try await Self.post(fake, Self.jobsPath, Self.queryJob("legacy_2", "SELECT 1", legacy: true)).reason == "invalidQuery")

            let noReference = try await Self.post(fake, Self.jobsPath, Self.queryJob(nil, "SELECT 1"))
            #expect(noReference.status == 400 && noReference.reason == "required")
            #expect((noReference["error.message"] as? String)?.contains("jobReference.jobId") == true)
            let badID = try await Self.post(fake, Self.jobsPath, Self.queryJob("no spaces", "SELECT 1"))
            #expect(badID.status == 400 && badID.reason == "invalid")

            let first = try await Self.post(fake, Self.jobsPath, Self.queryJob("same_id", "SELECT 1 AS x"))
            let again = try await Self.post(fake, Self.jobsPath, Self.queryJob("same_id", "SELECT 2 AS x"))
            #expect(first.status == 200 && first.reason == nil)
            #expect(again.status == 409 && again.reason == "duplicate")

            let badLabel = try await Self.post(fake, Self.jobsPath, Self.queryJob("labelled", "SELECT 1", labels: ["sluice_step": "model:mart.daily_sales"]))
            #expect(badLabel.status == 400 && badLabel.reason == "invalid")
            let load = try await Self.post(fake, Self.jobsPath, Self.loadJob("load_without_upload", table: "t"))
            #expect(load.status == 400 && load.reason == "invalid")
            #expect(fake.jobs.map(\.id) == ["legacy_1", "legacy_2", "same_id"])
            #expect(fake.jobs.last?.sql == "SELECT 1 AS x")
        }
    }

    @Test func rejectsMalformedMultipartUploadsAndCountsTheRowsOfAGoodOne() async throws {
        try await FakeBigQuery.run { fake in
            fake.createDataset("raw")
            func body(_ boundary: String, parts: [(String, [UInt8])], close: Bool = true) -> [UInt8] {
                var bytes: [UInt8] = []
                for (type, content) in parts {
                    bytes += Array("--\(boundary)\r\nContent-Type: \(type)\r\n\r\n".utf8) + content + Array("\r\n".utf8)
                }
                if close { bytes += Array("--\(boundary)--\r\n".utf8) }
                return bytes
            }
            let job = try Self.bytes(Self.loadJob("load_1", table: "t"))
            let data = Array(#"{"order_id": 1, "order_date": "2026-11-18"}"#.utf8) + [0x0A]
            let good = body("b1", parts: [("application/json; charset=UTF-8", job), ("application/octet-stream", data)])
            let untyped = Array(String(decoding: good, as: UTF8.self).replacingOccurrences(of: "Content-Type: application/json", with: "X-Note: metadata").utf8)
            let cases: [(String, String, [UInt8])] = [
                ("no boundary", "multipart/related", good),
                ("form-data", "multipart/form-data; boundary=b1", good),
                ("untyped metadata", "multipart/related; boundary=b1", untyped),
                ("one part", "multipart/related; boundary=b1", body("b1", parts: [("application/json", job)])),
                ("metadata not JSON", "multipart/related; boundary=b1", body("b1", parts: [("text/plain", job), ("application/octet-stream", data)])),
                ("no closing delimiter", "multipart/related; boundary=b1",
                 body("b1", parts: [("application/json", job), ("application/octet-stream", data)], close: false)),
                ("wrong boundary", "multipart/related; boundary=other", good),
            ]
            for (what, contentType, bytes) in cases {
                let reply = try await Self.send(fake, "POST", Self.uploadPath + "?uploadType=multipart", headers: ["Content-Type": contentType], body: bytes)
                #expect(reply.status == 400 && reply.reason == "invalid", "\(what): \(reply.json)")
            }
            #expect(fake.table("raw", "t") == nil && fake.jobs.isEmpty)

            let accepted = try await Self.send(
                fake, "POST", Self.uploadPath + "?uploadType=multipart", headers: ["Content-Type": "multipart/related; boundary=\"b1\""], body: good)
            #expect(accepted.status == 200 && accepted["statistics.load.outputRows"] as? String == "1")
            #expect(fake.jobs.first?.rows.first?["order_id"] as? Int == 1)
            #expect(fake.table("raw", "t")?.numRows == 1)

            let unknownField = Array(#"{"order_id": 2, "coupon": "X"}"#.utf8)
            let bad = body("b2", parts: [("application/json", try Self.bytes(Self.loadJob("load_2", table: "t"))), ("application/octet-stream", unknownField)])
            let refused = try await Self.send(fake, "POST", Self.uploadPath + "?uploadType=multipart", headers: ["Content-Type": "multipart/related; boundary=b2"], body: bad)
            #expect(refused.status == 200 && refused.reason == "invalid")
            #expect((refused["status.errorResult.message"] as? String)?.contains("No such field: coupon.") == true)
        }
    }

    @Test func resumableUploadsFollowGooglesProtocolAndDecoratorsMustBeRealDaysOfPartitionedTables() async throws {
        try await FakeBigQuery.run { fake in
            fake.createDataset("raw")
            func upload(_ id: String, table: String, rows: [UInt8], partitioned: Bool = true) async throws -> Reply {
                let start = try await Self.post(fake, Self.uploadPath + "?uploadType=resumable", Self.loadJob(id, table: table, partitioned: partitioned))
                let session = String(try #require(start.headers["location"]).dropFirst(fake.baseURL.count))
                return try await Self.send(fake, "PUT", session, headers: ["Content-Range": "bytes 0-\(rows.count - 1)/\(rows.count)"], body: rows)
            }
            let chunk = 256 * 1024
            let rows = Self.orders(3_000, day: "2026-11-18", firstID: 1, padding: 40)
            let start = try await Self.post(fake, Self.uploadPath + "?uploadType=resumable", Self.loadJob("bulk", table: "orders"))
            let session = String(try #require(start.headers["location"]).dropFirst(fake.baseURL.count))
            let odd = try await Self.send(fake, "PUT", session, headers: ["Content-Range": "bytes 0-999/*"], body: Array(rows[0..<1000]))
            #expect(odd.status == 400 && odd.reason == "invalid", "a chunk that is not a multiple of 256 KiB")
            let first = try await Self.send(fake, "PUT", session, headers: ["Content-Range": "bytes 0-\(chunk - 1)/*"], body: Array(rows[0..<chunk]))
            #expect(first.status == 308 && first.headers["range"] == "bytes=0-\(chunk - 1)")
            let gap = try await Self.send(fake, "PUT", session, headers: ["Content-Range": "bytes \(chunk + 1)-\(chunk + 10)/*"], body: Array(rows[0..<10]))
            #expect(gap.status == 400)
            let asked = try await Self.send(fake, "PUT", session, headers: ["Content-Range": "bytes */*"])
            #expect(asked.status == 308 && asked.headers["range"] == "bytes=0-\(chunk - 1)")
            let last = try await Self.send(
                fake, "PUT", session, headers: ["Content-Range": "bytes \(chunk)-\(rows.count - 1)/\(rows.count)"], body: Array(rows[chunk...]))
            #expect(last.status == 200 && last["statistics.load.outputRows"] as? String == "3000")
            #expect(fake.jobs.first?.data == rows)

            let shortDay = try await upload("l2", table: "orders$2026111", rows: Self.orders(1, day: "2026-11-19", firstID: 50))
            #expect(shortDay.reason == "invalid")
            let impossibleDay = try await upload("l3", table: "orders$20261131", rows: Self.orders(1, day: "2026-11-19", firstID: 50))
            #expect((impossibleDay["status.errorResult.message"] as? String)?.contains("$20261131") == true)
            #expect(try await upload("l4", table: "flat", rows: Self.orders(1, day: "2026-11-19", firstID: 1), partitioned: false).reason == nil)
            let unpartitioned = try await upload("l5", table: "flat$20261119", rows: Self.orders(1, day: "2026-11-19", firstID: 2), partitioned: false)
            #expect((unpartitioned["status.errorResult.message"] as? String)?.contains("not partitioned by day") == true)
            #expect(try await upload("l6", table: "orders$20261119", rows: Self.orders(2, day: "2026-11-19", firstID: 100)).reason == nil)
            #expect(fake.jobs.last?.destination == "raw.orders$20261119" && fake.jobs.last?.writeDisposition == "WRITE_TRUNCATE")
            #expect(fake.table("raw", "orders")?.numRows == 3_000, "a partition's load leaves the whole table's count alone")
            let wrongProject = try await Self.post(fake, "/upload/bigquery/v2/projects/sluice-tset/jobs?uploadType=resumable", Self.loadJob("l8", table: "t"))
            #expect(wrongProject.status == 404 && (wrongProject["error.message"] as? String) == "Not found: Project sluice-tset")
        }
    }

    @Test func pagesCannedRowsAndBillsAsBigQueryDoes() async throws {
        try await FakeBigQuery.run { fake in
            fake.createDataset("raw")
            fake.respond(toQueryContaining: "FROM raw.t", with: FakeAnswer(columns: ["id"], rows: (1...5).map { [String($0)] }, bytesProcessed: 23))
            fake.respond { sql in sql.hasPrefix("DELETE") ? FakeAnswer(affectedRows: 4) : nil }
            let dry = try await Self.post(fake, Self.jobsPath, Self.queryJob("d1", "SELECT * FROM raw.t", dryRun: true))
            #expect(dry["statistics.query.totalBytesProcessed"] as? String == "23" && dry["jobReference.jobId"] == nil)
            #expect(fake.dryRuns.count == 1 && fake.jobs.isEmpty)

            let run = try await Self.post(fake, Self.jobsPath, Self.queryJob("q1", "SELECT * FROM raw.t"))
            #expect(run["statistics.query.totalBytesBilled"] as? String == "10485760", "at least 10 MiB")
            var pages: [[String]] = []
            var token: String?
            repeat {
                let page = try await Self.send(fake, "GET", "/bigquery/v2/projects/sluice-test/queries/q1?maxResults=2" + (token.map { "&pageToken=\($0)" } ?? ""))
                #expect(page["totalRows"] as? String == "5" && page["schema.fields.0.name"] as? String == "id")
                pages.append(((page["rows"] as? [[String: Any]]) ?? []).compactMap { (($0["f"] as? [[String: Any]])?.first?["v"]) as? String })
                token = page["pageToken"] as? String
            } while token != nil && pages.count < 10
            #expect(pages == [["1", "2"], ["3", "4"], ["5"]])

            let deleted = try await Self.post(fake, Self.jobsPath, Self.queryJob("q2", "DELETE FROM raw.t WHERE id > 1"))
            #expect(deleted["statistics.query.numDmlAffectedRows"] as? String == "4" && deleted["statistics.query.totalBytesBilled"] as? String == "0")
            let capped = try await Self.post(fake, Self.jobsPath, Self.queryJob("q3", "SELECT * FROM raw.t", extra: ["maximumBytesBilled": "1000000"]))
            #expect(capped.reason == "bytesBilledLimitExceeded")
            #expect((capped["status.errorResult.message"] as? String) == "Query exceeded limit for bytes billed: 1000000. 10485760 or higher required.")
            let nowhere = try await Self.post(fake, Self.jobsPath, Self.queryJob("q4", "SELECT 1", extra: [
                "destinationTable": ["projectId": "sluice-test", "datasetId": "nope", "tableId": "t"], "writeDisposition": "WRITE_TRUNCATE",
            ]))
            #expect(nowhere.reason == "notFound" && (nowhere["status.errorResult.message"] as? String) == "Not found: Dataset sluice-test:nope")
            #expect(fake.jobs.map(\.bytesBilled) == [10_485_760, 0, 0, 0])
        }
    }

    @Test func injectsFaultsSlowJobsLostRepliesAndCancels() async throws {
        try await FakeBigQuery.run { fake in
            fake.inject(.tooManyRequests, on: .datasetsInsert)
            fake.inject(.rateLimitExceeded, on: .datasetsInsert)
            let create: [String: Any] = ["datasetReference": ["projectId": "sluice-test", "datasetId": "raw"]]
            for _ in 0..<3 { _ = try await Self.post(fake, "/bigquery/v2/projects/sluice-test/datasets", create) }
            #expect(fake.requests(.datasetsInsert).map(\.status) == [429, 403, 200])
            #expect(fake.datasetNames == ["raw"])

            fake.inject(.slow(polls: 2))
            #expect(try await Self.post(fake, Self.jobsPath, Self.queryJob("slow_1", "SELECT 1 AS x"))["status.state"] as? String == "RUNNING")
            var states: [String] = []
            for _ in 0..<3 { states.append(try await Self.send(fake, "GET", Self.jobsPath + "/slow_1")["status.state"] as? String ?? "") }
            #expect(states == ["RUNNING", "RUNNING", "DONE"])

            fake.inject(.slow(polls: 5))
            _ = try await Self.post(fake, Self.jobsPath, Self.queryJob("slow_2", "SELECT 1 AS x"))
            #expect(try await Self.send(fake, "GET", "/bigquery/v2/projects/sluice-test/queries/slow_2")["jobComplete"] as? Bool == false)
            let cancelled = try await Self.send(fake, "POST", Self.jobsPath + "/slow_2/cancel")
            #expect(cancelled["job.status.errorResult.reason"] as? String == "stopped" && cancelled["job.status.state"] as? String == "DONE")

            fake.inject(.backendErrorJob)
            #expect(try await Self.post(fake, Self.jobsPath, Self.queryJob("broken", "SELECT 1 AS x")).reason == "backendError")

            fake.respond(toQueryContaining: "SELECT 7", columns: ["x"], rows: [["7"]])
            fake.inject(.duplicateAfterCreating)
            let lost = try await Self.post(fake, Self.jobsPath, Self.queryJob("lost_reply", "SELECT 7 AS x"))
            #expect(lost.status == 409 && lost.reason == "duplicate")
            let fetched = try await Self.send(fake, "GET", "/bigquery/v2/projects/sluice-test/queries/lost_reply")
            #expect(fetched["rows.0.f.0.v"] as? String == "7")

            fake.inject(.internalError, times: 2, on: .tablesGet)
            var statuses: [Int] = []
            for _ in 0..<3 { statuses.append(try await Self.send(fake, "GET", "/bigquery/v2/projects/sluice-test/datasets/raw/tables/x").status) }
            #expect(statuses == [500, 500, 404])
            #expect(fake.jobs.map(\.id) == ["slow_1", "slow_2", "broken", "lost_reply"])
        }
    }
}
