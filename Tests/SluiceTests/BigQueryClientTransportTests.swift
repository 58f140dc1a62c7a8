import BigQueryAPI
import Foundation
import Logging
import Synchronization
import Testing

/// Datasets, tables and cancel; tokens; what every request carries; endpoints and job ids.
@Suite("BigQuery REST client: datasets, tables and transport")
struct BigQueryClientTransportTests: BigQueryClientStubSuite {
    /// Hands out `token-1`, `token-2`, … valid for an hour.
    struct CountingTokenSource: AccessTokenSource {
        let counter = EventCounter()
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
        _ = try await stub.run { base in
            _ = try await Self.client(base, tokens: NoTokenProvider()).table(dataset: "raw", table: "a")
            _ = try await Self.client(base, tokens: StaticTokenProvider(token: "abc")).table(dataset: "raw", table: "b")
            return base
        }
        #expect(stub.requests.allSatisfy { $0.header("User-Agent")?.hasPrefix("sluice/") == true })
        #expect(stub.requests[0].header("Authorization") == nil)
        #expect(stub.requests[1].header("Authorization") == "Bearer abc")
    }

    @Test func anUnreachableEndpointIsRetriedForGooglesTenMinutesThenNamed() async throws {
        let sleeps = SleepLog()
        let client = Self.client("http://127.0.0.1:1", retry: sleeps.policy)
        let error = await #expect(throws: BigQueryError.self) { try await client.ensureDataset("raw") }
        #expect(error?.reason == "connectionFailed")
        #expect(error?.message.contains("http://127.0.0.1:1") == true)
        #expect(error?.message.contains("gave up after \(sleeps.delays.count + 1) attempts") == true, "\(error?.message ?? "")")
        // Backoff from 1 s doubling, capped at 60 s, until the next wait would pass 600 s.
        #expect(sleeps.delays.count > 6)
        #expect(sleeps.delays.allSatisfy { $0 <= .seconds(60) })
        #expect(sleeps.slept <= .seconds(600) && sleeps.slept > .seconds(540), "slept \(sleeps.slept)")
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
}
