import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@Suite("Fake BigQuery server")
struct FakeBigQueryTests {
    /// A reply as the tests read it.
    struct Reply {
        var status: Int
        var headers: [String: String]
        var json: FakeJSON
    }

    static func send(
        _ fake: FakeBigQuery, _ method: String, _ target: String, headers: [String: String] = [:], body: [UInt8] = []
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: fake.baseURL + target)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if !body.isEmpty || method == "PUT" { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 26)
        var replyHeaders: [String: String] = [:]
        for header in response.headers { replyHeaders[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), headers: replyHeaders, json: FakeJSON.parse(Array(buffer: bytes)) ?? .null)
    }

    static func post(_ fake: FakeBigQuery, _ path: String, _ json: FakeJSON) async throws -> Reply {
        try await send(fake, "POST", path, headers: ["Content-Type": "application/json"], body: json.bytes)
    }

    static func queryJob(_ id: String, _ sql: String, legacy: Bool? = false, extra: [String: FakeJSON] = [:]) -> FakeJSON {
        var query: [String: FakeJSON] = ["query": .string(sql)]
        if let legacy { query["useLegacySql"] = .bool(legacy) }
        query.merge(extra) { _, new in new }
        return ["jobReference": ["projectId": "sluice-test", "jobId": .string(id)], "configuration": ["query": .object(query)]]
    }

    static let jobsPath = "/bigquery/v2/projects/sluice-test/jobs"
    static let uploadPath = "/upload/bigquery/v2/projects/sluice-test/jobs"

    static func fixture(_ name: String) throws -> FakeJSON {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/bigquery"))
        return try #require(FakeJSON.parse(Array(try Data(contentsOf: url))))
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
    static func multipart(_ recorded: FakeJSON, seq: Int) -> [UInt8] {
        let multipart = recorded["multipart"]
        let boundary = multipart["boundary"].string ?? ""
        let parts = multipart["parts"].array
        let metadata = parts.first?["json"] ?? .null
        let table = metadata["configuration"]["load"]["destinationTable"]["tableId"].string ?? ""
        let decorator = table.split(separator: "$").dropFirst().first.map(String.init)
        let day = decorator.map { "\($0.prefix(4))-\($0.dropFirst(4).prefix(2))-\($0.suffix(2))" } ?? "2026-11-18"
        let lines = Int(parts.last?["media"]["ndjson_lines"].int64 ?? 1)
        var body = Array("--\(boundary)\r\n\(parts.first?["header_lines"].array.first?.string ?? "")\r\n\r\n".utf8)
        body += metadata.bytes
        body += Array("\r\n--\(boundary)\r\n\(parts.last?["header_lines"].array.first?.string ?? "")\r\n\r\n".utf8)
        body += orders(lines, day: day, firstID: seq * 1000)
        body += Array("\r\n--\(boundary)--\r\n".utf8)
        return body
    }

    @Test func acceptsEveryRequestShapeGooglesClientSendsAndRejectsWhatBigQueryRejects() async throws {
        let names = [
            "01-create_dataset", "02-load_multipart", "03-tables_get", "04-jobs_query", "05-query_destination",
            "06-partition_decorator", "07-merge", "08-information_schema_partitions", "09-dry_run", "10-load_resumable",
            "11-insert_all", "12-duplicate_job_id", "13-errors", "14-legacy_sql_default", "15-cancel",
        ]
        // What BigQuery itself answers where the recording server differed (see the fixtures' README).
        let rejected: [Int: Int] = [3: 409, 51: 400, 69: 409, 71: 400, 72: 404, 74: 404, 76: 400]
        try await FakeBigQuery.run { fake in
            var lastQueryJob = ""
            var uploadSession = ""
            var resumable: [UInt8] = []
            var answered: [Int: Reply] = [:]
            for name in names {
                let requests = try Self.fixture(name)["requests"].array
                let chunks = requests.filter { $0["request"]["method"].string == "PUT" }.count
                if chunks > 0 { resumable = Self.orders(Int(chunks) * 1_000, day: "2026-11-18", firstID: 100_000, padding: 100) }
                var chunkIndex = 0
                for entry in requests {
                    let seq = Int(entry["seq"].int64 ?? 0)
                    let request = entry["request"]
                    var path = request["path"].string ?? ""
                    var query = request["query_string"].string ?? ""
                    if path.contains("/bqemu_") { path = path.replacingOccurrences(of: #"bqemu_[0-9a-f]+"#, with: lastQueryJob, options: .regularExpression) }
                    if query.contains("upload_id=") {
                        query = query.replacingOccurrences(of: #"upload_id=[0-9a-f]+"#, with: "upload_id=\(uploadSession)", options: .regularExpression)
                    }
                    var headers = (request["headers"].object ?? [:]).compactMapValues(\.string)
                    var body: [UInt8] = []
                    let recorded = request["body"]
                    if !recorded["json"].isNull {
                        body = recorded["json"].bytes
                    } else if !recorded["multipart"].isNull {
                        body = Self.multipart(recorded, seq: seq)
                    } else if !recorded["media"].isNull {
                        let chunk = 256 * 1024
                        let start = chunkIndex * chunk
                        let isLast = chunkIndex == chunks - 1
                        let end = isLast ? resumable.count : start + chunk
                        body = Array(resumable[start..<end])
                        headers["content-range"] = "bytes \(start)-\(end - 1)/\(isLast ? String(resumable.count) : "*")"
                        chunkIndex += 1
                    }
                    let method = request["method"].string ?? "GET"
                    let reply = try await Self.send(fake, method, path + (query.isEmpty ? "" : "?" + query), headers: headers, body: body)
                    answered[seq] = reply
                    if path.hasSuffix("/queries"), method == "POST", let id = reply.json["jobReference"]["jobId"].string { lastQueryJob = id }
                    if let location = reply.headers["location"], let id = location.split(separator: "=").last { uploadSession = String(id) }
                    if let expected = rejected[seq] {
                        #expect(reply.status == expected, "request \(seq) of \(name): \(reply.json.text)")
                        #expect(reply.json["error"]["errors"].array.first?["reason"].string != nil, "request \(seq) has BigQuery's error shape")
                    } else {
                        #expect((200..<300).contains(reply.status) || reply.status == 308, "request \(seq) of \(name): \(reply.status) \(reply.json.text)")
                    }
                }
            }
            #expect(answered[69]?.json["error"]["errors"].array.first?["reason"] == "duplicate")
            #expect(answered[76]?.json["error"]["errors"].array.first?["reason"] == "bytesBilledLimitExceeded")
            #expect(answered[64]?.json["insertErrors"].array.isEmpty == false)
            #expect(answered[57]?.json["numRows"].int64 == Int64(resumable.filter { $0 == 0x0A }.count))
            let failures = Dictionary(fake.jobs.compactMap { job in job.errorReason.map { (String(job.jobID.prefix(22)), $0) } }, uniquingKeysWith: { first, _ in first })
            #expect(failures["sluice_ref_missing_tab"] == "notFound")
            #expect(failures["sluice_ref_max_bytes_2"] == "bytesBilledLimitExceeded")
            #expect(failures["sluice_ref_legacy_defa"] == "invalidQuery")
            let partitions = try fake.rows("select partition_id, total_rows from `sluice-test.raw.INFORMATION_SCHEMA.PARTITIONS` where table_name = 'orders' order by partition_id")
            #expect(partitions.map { $0[0] }.contains("20261120"))
            #expect(fake.requests.count == names.reduce(0) { total, name in total + ((try? Self.fixture(name)["requests"].array.count) ?? 0) })
        }
    }

    @Test func rejectsTheLegacySQLDefaultAndInsertsWithoutAJobReference() async throws {
        try await FakeBigQuery.run { fake in
            fake.createDataset("raw")
            let legacy = try await Self.post(fake, Self.jobsPath, Self.queryJob("legacy_1", "SELECT COUNT(*) AS n FROM `sluice-test.raw.orders`", legacy: nil))
            #expect(legacy.status == 200)
            #expect(legacy.json["status"]["errorResult"]["reason"] == "invalidQuery")
            #expect(legacy.json["status"]["errorResult"]["message"].string?.contains("standard SQL") == true)
            let results = try await Self.send(fake, "GET", "/bigquery/v2/projects/sluice-test/queries/legacy_1")
            #expect(results.status == 400)
            #expect(results.json["error"]["errors"].array.first?["reason"] == "invalidQuery")
            #expect(results.json["error"]["status"] == "INVALID_ARGUMENT")

            let explicitLegacy = try await Self.post(fake, Self.jobsPath, Self.queryJob("legacy_2", "SELECT 1", legacy: true))
            #expect(explicitLegacy.json["status"]["errorResult"]["reason"] == "invalidQuery")

            var missing = Self.queryJob("unused", "SELECT 1").object ?? [:]
            missing["jobReference"] = nil
            let noReference = try await Self.post(fake, Self.jobsPath, .object(missing))
            #expect(noReference.status == 400)
            #expect(noReference.json["error"]["errors"].array.first?["reason"] == "required")
            missing["jobReference"] = ["projectId": "sluice-test"]
            let noID = try await Self.post(fake, Self.jobsPath, .object(missing))
            #expect(noID.status == 400)
            #expect(noID.json["error"]["message"].string?.contains("jobReference.jobId") == true)

            let first = try await Self.post(fake, Self.jobsPath, Self.queryJob("same_id", "SELECT 1 AS x"))
            let again = try await Self.post(fake, Self.jobsPath, Self.queryJob("same_id", "SELECT 2 AS x"))
            #expect(first.status == 200)
            #expect(again.status == 409)
            #expect(again.json["error"]["errors"].array.first?["reason"] == "duplicate")

            let badLabel = try await Self.post(
                fake, Self.jobsPath, Self.queryJob("labelled", "SELECT 1").replacingLabels(["sluice_step": "model:mart.daily_sales"]))
            #expect(badLabel.status == 400)
            #expect(fake.jobs.map(\.jobID) == ["legacy_1", "legacy_2", "same_id"])
        }
    }

    @Test func rejectsMalformedMultipartUploads() async throws {
        try await FakeBigQuery.run { fake in
            fake.createDataset("raw")
            let job: FakeJSON = [
                "jobReference": ["projectId": "sluice-test", "jobId": "load_1"],
                "configuration": ["load": [
                    "sourceFormat": "NEWLINE_DELIMITED_JSON", "destinationTable": ["projectId": "sluice-test", "datasetId": "raw", "tableId": "t"],
                    "schema": ["fields": [["name": "id", "type": "INT64", "mode": "REQUIRED"]]], "writeDisposition": "WRITE_APPEND",
                ]],
            ]
            func body(_ boundary: String, parts: [(String, [UInt8])], close: Bool = true) -> [UInt8] {
                var bytes: [UInt8] = []
                for (type, content) in parts {
                    bytes += Array("--\(boundary)\r\nContent-Type: \(type)\r\n\r\n".utf8) + content + Array("\r\n".utf8)
                }
                if close { bytes += Array("--\(boundary)--\r\n".utf8) }
                return bytes
            }
            let data = Array(#"{"id": 1}"#.utf8) + [0x0A]
            let good = body("b1", parts: [("application/json; charset=UTF-8", job.bytes), ("application/octet-stream", data)])
            let cases: [(String, String, [UInt8])] = [
                ("no boundary", "multipart/related", good),
                ("form-data", "multipart/form-data; boundary=b1", good),
                ("untyped metadata", "multipart/related; boundary=b1", good.replacingFirstContentType()),
                ("one part", "multipart/related; boundary=b1", body("b1", parts: [("application/json", job.bytes)])),
                ("metadata not JSON", "multipart/related; boundary=b1", body("b1", parts: [("text/plain", job.bytes), ("application/octet-stream", data)])),
                ("no closing delimiter", "multipart/related; boundary=b1",
                 body("b1", parts: [("application/json", job.bytes), ("application/octet-stream", data)], close: false)),
                ("wrong boundary", "multipart/related; boundary=other", good),
            ]
            for (what, contentType, bytes) in cases {
                let reply = try await Self.send(fake, "POST", Self.uploadPath + "?uploadType=multipart", headers: ["Content-Type": contentType], body: bytes)
                #expect(reply.status == 400, "\(what): \(reply.json.text)")
                #expect(reply.json["error"]["errors"].array.first?["reason"] == "invalid", "\(what)")
            }
            #expect(fake.table("raw", "t") == nil)
            let accepted = try await Self.send(fake, "POST", Self.uploadPath + "?uploadType=multipart", headers: ["Content-Type": "multipart/related; boundary=\"b1\""], body: good)
            #expect(accepted.status == 200)
            #expect(accepted.json["statistics"]["load"]["outputRows"] == "1")
            #expect(try fake.rows("select id from raw.t") == [["1"]])
        }
    }

    @Test func rejectsBadPartitionDecoratorsAndReplacesExactlyTheDecoratedDay() async throws {
        try await FakeBigQuery.run { fake in
            fake.createDataset("raw")
            func load(_ id: String, table: String, rows: [UInt8], partitioned: Bool = true) async throws -> Reply {
                var load: [String: FakeJSON] = [
                    "sourceFormat": "NEWLINE_DELIMITED_JSON", "writeDisposition": "WRITE_TRUNCATE",
                    "destinationTable": ["projectId": "sluice-test", "datasetId": "raw", "tableId": .string(table)],
                    "schema": ["fields": [
                        ["name": "order_id", "type": "INT64", "mode": "REQUIRED"], ["name": "customer_id", "type": "INT64"],
                        ["name": "status", "type": "STRING"], ["name": "total", "type": "NUMERIC"], ["name": "order_date", "type": "DATE"],
                        ["name": "updated_at", "type": "TIMESTAMP"],
                    ]],
                ]
                if partitioned { load["timePartitioning"] = ["type": "DAY", "field": "order_date"] }
                let job: FakeJSON = ["jobReference": ["projectId": "sluice-test", "jobId": .string(id)], "configuration": ["load": .object(load)]]
                let start = try await Self.send(fake, "POST", Self.uploadPath + "?uploadType=resumable", headers: ["Content-Type": "application/json"], body: job.bytes)
                let session = try #require(start.headers["location"])
                let target = String(session.dropFirst(fake.baseURL.count))
                return try await Self.send(fake, "PUT", target, headers: ["Content-Range": "bytes 0-\(rows.count - 1)/\(rows.count)"], body: rows)
            }
            let all = Self.orders(3, day: "2026-11-18", firstID: 1) + Self.orders(3, day: "2026-11-19", firstID: 10) + Self.orders(3, day: "2026-11-20", firstID: 20)
            #expect(try await load("l1", table: "orders", rows: all).json["status"]["errorResult"].isNull)

            let shortDay = try await load("l2", table: "orders$2026111", rows: Self.orders(1, day: "2026-11-19", firstID: 50))
            #expect(shortDay.json["status"]["errorResult"]["reason"] == "invalid")
            let impossibleDay = try await load("l3", table: "orders$20261131", rows: Self.orders(1, day: "2026-11-19", firstID: 50))
            #expect(impossibleDay.json["status"]["errorResult"]["message"].string?.contains("$20261131") == true)
            let otherDay = try await load("l4", table: "orders$20261119", rows: Self.orders(1, day: "2026-11-20", firstID: 50))
            #expect(otherDay.json["status"]["errorResult"]["message"].string?.contains("different partitions") == true)
            #expect(try await load("l5", table: "flat", rows: Self.orders(1, day: "2026-11-19", firstID: 1), partitioned: false).status == 200)
            let unpartitioned = try await load("l6", table: "flat$20261119", rows: Self.orders(1, day: "2026-11-19", firstID: 2), partitioned: false)
            #expect(unpartitioned.json["status"]["errorResult"]["message"].string?.contains("partitioned by day") == true)

            let replaced = try await load("l7", table: "orders$20261119", rows: Self.orders(2, day: "2026-11-19", firstID: 100))
            #expect(replaced.json["status"]["errorResult"].isNull)
            let days = try fake.rows("select cast(order_date as string), count(*), min(order_id) from raw.orders group by 1 order by 1")
            #expect(days == [["2026-11-18", "3", "1"], ["2026-11-19", "2", "100"], ["2026-11-20", "3", "20"]])
        }
    }

    @Test func injectsFaultsAndSlowJobsAndCancels() async throws {
        try await FakeBigQuery.run { fake in
            fake.inject(.tooManyRequests, on: .datasetsInsert)
            fake.inject(.rateLimitExceeded, on: .datasetsInsert)
            let create: FakeJSON = ["datasetReference": ["projectId": "sluice-test", "datasetId": "raw"]]
            let first = try await Self.post(fake, "/bigquery/v2/projects/sluice-test/datasets", create)
            let second = try await Self.post(fake, "/bigquery/v2/projects/sluice-test/datasets", create)
            let third = try await Self.post(fake, "/bigquery/v2/projects/sluice-test/datasets", create)
            #expect(first.status == 429 && first.json["error"]["errors"].array.first?["reason"] == "rateLimitExceeded")
            #expect(second.status == 403 && second.json["error"]["errors"].array.first?["reason"] == "rateLimitExceeded")
            #expect(third.status == 200)
            #expect(fake.requests(.datasetsInsert).map(\.status) == [429, 403, 200])

            fake.inject(.slow(polls: 2))
            _ = try await Self.post(fake, Self.jobsPath, Self.queryJob("slow_1", "SELECT 1 AS x"))
            var states: [String] = []
            for _ in 0..<3 {
                states.append(try await Self.send(fake, "GET", Self.jobsPath + "/slow_1").json["status"]["state"].string ?? "")
            }
            #expect(states == ["RUNNING", "RUNNING", "DONE"])

            fake.inject(.slow(polls: 5))
            _ = try await Self.post(fake, Self.jobsPath, Self.queryJob("slow_2", "SELECT 1 AS x"))
            #expect(try await Self.send(fake, "GET", "/bigquery/v2/projects/sluice-test/queries/slow_2").json["jobComplete"] == false)
            let cancelled = try await Self.send(fake, "POST", Self.jobsPath + "/slow_2/cancel")
            #expect(cancelled.json["job"]["status"]["errorResult"]["reason"] == "stopped")

            fake.inject(.backendErrorJob)
            let failed = try await Self.post(fake, Self.jobsPath, Self.queryJob("broken", "SELECT 1 AS x"))
            #expect(failed.json["status"]["errorResult"]["reason"] == "backendError")

            fake.inject(.duplicateAfterCreating)
            let lost = try await Self.post(fake, Self.jobsPath, Self.queryJob("lost_reply", "SELECT 7 AS x"))
            #expect(lost.status == 409)
            let fetched = try await Self.send(fake, "GET", "/bigquery/v2/projects/sluice-test/queries/lost_reply")
            #expect(fetched.json["rows"].array.first?["f"].array.first?["v"] == "7")

            fake.requireToken("secret-token")
            let anonymous = try await Self.send(fake, "GET", "/bigquery/v2/projects/sluice-test/datasets/raw")
            #expect(anonymous.status == 401 && anonymous.json["error"]["errors"].array.first?["reason"] == "authError")
            let signed = try await Self.send(fake, "GET", "/bigquery/v2/projects/sluice-test/datasets/raw", headers: ["Authorization": "Bearer secret-token"])
            #expect(signed.status == 200 && signed.json["datasetReference"]["datasetId"] == "raw")
            fake.requireToken(nil)

            fake.inject(.internalError, times: 2, on: .tablesGet)
            #expect(try await Self.send(fake, "GET", "/bigquery/v2/projects/sluice-test/datasets/raw/tables/x").status == 500)
            #expect(try await Self.send(fake, "GET", "/bigquery/v2/projects/sluice-test/datasets/raw/tables/x").status == 500)
            #expect(try await Self.send(fake, "GET", "/bigquery/v2/projects/sluice-test/datasets/raw/tables/x").status == 404)
        }
    }

    @Test func billsTenMebibytesPerTableAndEnforcesMaximumBytesBilled() async throws {
        try await FakeBigQuery.run { fake in
            fake.createDataset("raw")
            _ = try await Self.post(fake, Self.jobsPath, Self.queryJob("c2", "CREATE TABLE raw.t (id INT64, name STRING)"))
            _ = try await Self.post(fake, Self.jobsPath, Self.queryJob("c3", "INSERT INTO raw.t (id, name) VALUES (1, 'a'), (2, 'bb')"))
            let dry = try await Self.post(fake, Self.jobsPath, Self.queryJob("d1", "SELECT * FROM `raw.t`").settingDryRun())
            #expect(dry.json["statistics"]["query"]["totalBytesProcessed"] == "23")
            #expect(dry.json["jobReference"]["jobId"].isNull)
            let run = try await Self.post(fake, Self.jobsPath, Self.queryJob("q1", "SELECT * FROM raw.t"))
            #expect(run.json["statistics"]["query"]["totalBytesBilled"] == "10485760")
            let cached = try await Self.post(fake, Self.jobsPath, Self.queryJob("q2", "SELECT * FROM raw.t"))
            #expect(cached.json["statistics"]["query"]["cacheHit"] == true)
            #expect(cached.json["statistics"]["query"]["totalBytesBilled"] == "0")
            let capped = try await Self.post(fake, Self.jobsPath, Self.queryJob("q3", "SELECT a.id FROM raw.t a JOIN raw.t b ON a.id = b.id", extra: ["maximumBytesBilled": "1000000"]))
            #expect(capped.json["status"]["errorResult"]["reason"] == "bytesBilledLimitExceeded")
            let metadata = try await Self.post(fake, Self.jobsPath, Self.queryJob("q4", "SELECT partition_id, total_rows FROM `sluice-test.raw.INFORMATION_SCHEMA.PARTITIONS` WHERE table_name = 't'"))
            #expect(metadata.json["statistics"]["query"]["totalBytesBilled"] == "0")
            let unknown = try await Self.post(fake, Self.jobsPath, Self.queryJob("q5", "SELECT * FROM nope.t"))
            #expect(unknown.json["status"]["errorResult"]["reason"] == "notFound")
            #expect(unknown.json["status"]["errorResult"]["message"] == "Not found: Dataset sluice-test:nope")
        }
    }
}

extension FakeJSON {
    /// A job body with `configuration.labels` replaced.
    func replacingLabels(_ labels: [String: String]) -> FakeJSON {
        guard var body = object, var configuration = body["configuration"]?.object else { return self }
        configuration["labels"] = .object(labels.mapValues(FakeJSON.string))
        body["configuration"] = .object(configuration)
        return .object(body)
    }

    /// A job body with `configuration.dryRun = true`.
    func settingDryRun() -> FakeJSON {
        guard var body = object, var configuration = body["configuration"]?.object else { return self }
        configuration["dryRun"] = true
        body["configuration"] = .object(configuration)
        return .object(body)
    }
}

extension Array where Element == UInt8 {
    /// The body with its first part's header `Content-Type` renamed, so the part has none.
    func replacingFirstContentType() -> [UInt8] {
        Array(String(decoding: self, as: UTF8.self).replacingOccurrences(of: "Content-Type: application/json", with: "X-Note: metadata").utf8)
    }
}
