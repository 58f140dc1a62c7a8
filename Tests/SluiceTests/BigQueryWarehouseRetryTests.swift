import BigQueryAPI
import Foundation
import Logging
import SluiceCore
import Testing
import Warehouse

/// Transient failures retried, and a job whose reply was lost not run twice.
@Suite("BigQuery warehouse on the wire: retries")
struct BigQueryWarehouseRetryTests: BigQueryWarehouseSuite {
    @Test func transientFailuresAreRetriedAndALostReplyIsNotRunTwice() async throws {
        try await FakeBigQuery.run { fake in
            let warehouse = Self.warehouse(fake, uploads: UploadOptions(multipartLimit: 1_024, chunkSize: 256 * 1024))
            fake.inject(.tooManyRequests, on: .datasetsInsert)
            fake.inject(.unavailable, on: .datasetsInsert)
            try await warehouse.prepare(datasets: ["raw"])
            #expect(fake.requests(.datasetsInsert).map(\.status) == [429, 503, 200])

            fake.inject(.internalError, on: .uploadResumableChunk)
            fake.inject(.rateLimitExceeded, on: .tablesGet)
            let rows = (1...2_000).map { Self.order(Int64($0), "paid", 1, day: "2026-11-10") }
            #expect(try await Self.load(warehouse, rows, write: .truncate).rowsInTable == 2_000)
            #expect(fake.requests(.uploadResumableChunk).map(\.status).first == 500)
            #expect(fake.requests(.uploadResumableChunk).contains { $0.headers["content-range"]?.hasPrefix("bytes */") == true }, "asked what was stored")
            #expect(fake.jobs.last?.rows.compactMap { $0["order_id"] as? Int } == Array(1...2_000), "no byte lost or sent twice")
            #expect(fake.requests(.tablesGet).map(\.status) == [403, 200])

            fake.respond(toQueryContaining: "count(*) as n", columns: ["n"], rows: [["2000"]])
            fake.inject(.backendErrorJob, on: .jobsInsert)
            fake.inject(.internalError, on: .getQueryResults)
            fake.inject(.slow(polls: 3), on: .jobsInsert)
            let counted = try await warehouse.query("select count(*) as n from raw.orders", limit: 1, context: Self.context("check:count"))
            #expect(counted.rows == [["2000"]])
            let attempts = fake.jobs.filter { $0.type == "QUERY" }
            #expect(attempts.map(\.errorReason) == ["backendError", nil])
            #expect(attempts[0].id != attempts[1].id && attempts.allSatisfy { $0.id.hasPrefix("sluice_query_") }, "re-run under a new job id")
            let polls = fake.requests(.jobsGet).filter { $0.path.hasSuffix("/" + attempts[1].id) }
            #expect(polls.count == 4 && polls.allSatisfy { $0.query["location"] == "US" }, "RUNNING three times, then DONE")
            #expect(fake.requests(.getQueryResults).map(\.status) == [500, 200])

            fake.respond(toQueryContaining: "max(order_id)", columns: ["m"], rows: [["2000"]])
            fake.inject(.duplicateAfterCreating, on: .jobsInsert)
            let again = try await warehouse.query("select max(order_id) as m from raw.orders", limit: 1, context: Self.context("check:max"))
            #expect(again.rows == [["2000"]])
            let lost = fake.jobs.filter { $0.sql == "select max(order_id) as m from raw.orders" }
            #expect(lost.count == 1)
            #expect(fake.requests(.jobsInsert).map(\.status).suffix(1) == [409])
            #expect(fake.requests(.jobsGet).filter { $0.path.hasSuffix("/" + (lost.first?.id ?? "-")) }.count == 1, "the existing job was fetched")

            fake.inject(.duplicateAfterCreating, on: .uploadMultipart)
            #expect(try await Self.load(warehouse, [Self.order(1, "paid", 1, day: "2026-11-10")], write: .append).rowsLoaded == 1)
            #expect(fake.requests(.uploadMultipart).map(\.status) == [409] && fake.jobs.last?.writeDisposition == "WRITE_APPEND")
            #expect(fake.table("raw", "orders")?.numRows == 2_001, "loaded once")
        }
    }
}
