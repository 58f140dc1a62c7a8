import BigQueryAPI
import Foundation
import Logging
import Synchronization
import Testing

/// Loads: small ones as one multipart body, large ones in resumable chunks.
@Suite("BigQuery REST client: loads")
struct BigQueryLoadTests: BigQueryClientStubSuite {
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
        let counter = EventCounter()
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
