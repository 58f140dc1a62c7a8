import BigQueryAPI
import Foundation
import Logging
import SluiceCore
import Testing
@testable import Worker

/// The Cloud Storage client and object matching against the real emulator: the endpoint as
/// Google's clients choose it, listing across pages, what each pattern matches, the newest
/// `updated` time for source freshness, and errors with the API's own words.
@Suite("GCS client against fake-gcs-server", .fakeGCSServer)
struct GCSClientTests {
    static func client() throws -> CloudStorageClient {
        CloudStorageClient(endpoint: try FakeGCSServer.shared().baseURL, tokens: NoTokenProvider(), retry: .immediate, logger: Logger(label: "t"))
    }

    @Test func theEndpointAndCredentialsFollowStorageEmulatorHost() throws {
        #expect(CloudStorageClient.endpoint(environment: [:]) == "https://storage.googleapis.com")
        #expect(CloudStorageClient.endpoint(environment: ["STORAGE_EMULATOR_HOST": "localhost:4443"]) == "http://localhost:4443")
        #expect(CloudStorageClient.endpoint(environment: ["STORAGE_EMULATOR_HOST": "https://gcs.test/"]) == "https://gcs.test")
        let emulator = try CloudStorageClient.tokens(environment: ["STORAGE_EMULATOR_HOST": "localhost:4443"], httpClient: .shared)
        #expect(emulator is NoTokenProvider)
        let withToken = try CloudStorageClient.tokens(
            environment: ["STORAGE_EMULATOR_HOST": "localhost:4443", "GOOGLE_OAUTH_ACCESS_TOKEN": "ya29.t"], httpClient: .shared)
        #expect(withToken is StaticTokenProvider)
    }

    @Test func patternsMatchAsFileSourcesDoAcrossListingPages() async throws {
        let server = try FakeGCSServer.shared()
        try await server.createBucket("patterns")
        for name in ["land/a.csv", "land/b.csv", "land/x/c.csv", "land/orders_2026-01-01.csv", "land/orders_2026-01-02.csv",
                     "land/orders_latest.csv", "other/a.csv"] {
            try await server.upload("patterns", name, "id\n1\n")
        }
        let client = try Self.client()
        func names(_ object: String) async throws -> [String] {
            try await GCSObjects.matching(GCSSourceSpec(bucket: "patterns", object: object, format: .csv), client: client, pageSize: 2).map(\.name)
        }
        #expect(try await names("land/*.csv") == ["land/a.csv", "land/b.csv", "land/orders_2026-01-01.csv", "land/orders_2026-01-02.csv", "land/orders_latest.csv"])
        #expect(try await names("land/") == [
            "land/a.csv", "land/b.csv", "land/orders_2026-01-01.csv", "land/orders_2026-01-02.csv", "land/orders_latest.csv", "land/x/c.csv",
        ])
        #expect(try await names("land/orders_{date}.csv") == ["land/orders_2026-01-01.csv", "land/orders_2026-01-02.csv"])
        #expect(try await names("land/a.csv") == ["land/a.csv"])
        #expect(try await names("land/a.cs") == [])
    }

    @Test func theNewestUpdateIsTheLatestMatchingObjectsTime() async throws {
        let server = try FakeGCSServer.shared()
        try await server.createBucket("fresh")
        let client = try Self.client()
        let spec = GCSSourceSpec(bucket: "fresh", object: "drop/*.csv", format: .csv)
        #expect(try await GCSObjects.newestUpdate(spec: spec, client: client) == nil)
        let before = Date().addingTimeInterval(-1)
        try await server.upload("fresh", "drop/a.csv", "id\n1\n")
        try await server.upload("fresh", "drop/b.csv", "id\n2\n")
        let objects = try await client.list(bucket: "fresh", prefix: "drop/")
        let newest = try #require(try await GCSObjects.newestUpdate(spec: spec, client: client))
        #expect(newest == objects.compactMap(\.updated).max())
        #expect(newest > before && newest < Date().addingTimeInterval(1))
    }

    @Test func aDownloadStreamsTheWholeObjectAndChecksItsHash() async throws {
        let server = try FakeGCSServer.shared()
        try await server.createBucket("download")
        let text = String(repeating: "0123456789abcdef", count: 200_000)  // 3.2 MB, several chunks
        let generation = try await server.upload("download", "big file.csv", text)
        let client = try Self.client()
        let listed = try #require(try await client.list(bucket: "download", prefix: "big").first)
        #expect(listed.generation == generation && listed.size == Int64(text.utf8.count) && listed.md5Hash != nil)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gcs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await client.download(listed, to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        try await client.download(listed, to: path, maxBytes: 10)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "0123456789")

        var wrong = listed
        wrong.md5Hash = "AAAAAAAAAAAAAAAAAAAAAA=="
        let mismatch = await #expect(throws: CloudStorageError.self) { try await client.download(wrong, to: path) }
        #expect(mismatch?.reason == "checksumMismatch")
    }

    @Test func errorsCarryTheAPIsWordsAndNameTheBucketAndObject() async throws {
        let client = try Self.client()
        let missingBucket = await #expect(throws: CloudStorageError.self) { try await client.list(bucket: "no-such-bucket", prefix: "") }
        #expect(missingBucket?.reason == "notFound")
        #expect(missingBucket?.description.contains("gs://no-such-bucket/") == true, "\(missingBucket?.description ?? "")")
        #expect(missingBucket?.description.contains("Not Found") == true)

        let server = try FakeGCSServer.shared()
        try await server.createBucket("gone")
        try await server.upload("gone", "a.csv", "id\n1\n")
        let listed = try #require(try await client.list(bucket: "gone", prefix: "").first)
        try await server.delete("gone", "a.csv")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gcs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let deleted = await #expect(throws: CloudStorageError.self) { try await client.download(listed, to: path) }
        #expect(deleted?.httpStatus == 404)
        #expect(deleted?.description.contains("gs://gone/a.csv") == true, "\(deleted?.description ?? "")")
        #expect(deleted?.hint?.contains("deleted or replaced") == true)
    }
}
