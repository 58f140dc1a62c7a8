import Foundation
import SluiceCore
import Testing
@testable import Worker

/// The HTTP source when the API misbehaves, through pipeline runs: a page that keeps failing fails
/// the step and leaves the table and the watermark as they were; `429`/`503` wait what `Retry-After`
/// says and then load everything; a `4xx` fails at once with the API's message; too many pages fail
/// clearly; and the manifest's token never reaches an error, a message or the state store.
@Suite("HTTPSource: failures")
struct HTTPSourceFailureTests {
    static let token = HTTPSourceLoadTests.token

    static func source(_ base: String, style: Int = 0, extra: String = "") -> String {
        HTTPSourceLoadTests.source(base, HTTPSourceLoadTests.styles[style], extra: extra)
    }

    @Test func aPageThatKeepsFailingLeavesTheTableAndTheWatermark() async throws {
        let api = HTTPReviewsAPI()
        api.seed(250)
        api.setPageSize(50)
        try await api.run { base in
            // No since_param: every run reads every page, so the third page is always read.
            let source = "url: \"\(base)/v1/next_url/reviews\", records: data, pagination: { next_url: links.next }, cursor: updated_at"
            let harness = try HTTPSourceHarness(source: source)
            #expect(try await harness.run().state == .succeeded)
            let before = try await harness.rows()
            let watermark = try await harness.watermark()

            api.upsert(10, updatedAt: HTTPReviewsAPI.time(minute: 400), body: "changed")
            api.upsert(251, updatedAt: HTTPReviewsAPI.time(minute: 401))
            api.setFault(.init(page: 3, status: 500, body: #"{"message":"database is on fire"}"#))
            api.resetHits()
            let run = try await harness.run()
            #expect(run.state == .failed)
            let error = try await harness.loadStep(run).error ?? ""
            #expect(error.contains("page 3 failed after 3 tries: HTTP 500"), "\(error)")
            #expect(error.contains("database is on fire"), "\(error)")
            #expect(error.contains("/v1/next_url/reviews"), "\(error)")
            #expect(!error.contains("after="), "the query string stays out: \(error)")
            #expect(api.hits(page: 3) == 3)
            #expect(api.hits(page: 4) == 0)
            #expect(harness.waits.count == 2)
            #expect(harness.waits.allSatisfy { $0 > 0 && $0 <= 30 })
            // Page 1 (holding review 10) was read before the failure: none of it loaded.
            #expect(try await harness.rows() == before)
            #expect(try await harness.watermark() == watermark)

            api.setFault(nil)
            #expect(try await harness.run().state == .succeeded)
            let after = try await harness.rows()
            try #require(after.count == 251)
            #expect(after[9][1] == "changed")
        }
    }

    @Test func rateLimitsAndUnavailabilityWaitWhatRetryAfterSays() async throws {
        let api = HTTPReviewsAPI()
        api.seed(250)
        try await api.run { base in
            let harness = try HTTPSourceHarness(source: Self.source(base), environment: ["REVIEWS_TOKEN": Self.token])
            api.setFault(.init(page: 2, status: 429, body: #"{"message":"slow down"}"#, headers: [("Retry-After", "1")], remaining: 2))
            let run = try await harness.run()
            let problem = try await harness.loadStep(run).error ?? ""
            #expect(run.state == .succeeded, "\(problem)")
            #expect(harness.waits == [1, 1])
            #expect(api.hits(page: 2) == 3)
            #expect(try await harness.rows().count == 250)

            // A 503 whose Retry-After is an HTTP date 100 s ahead (far enough that a slow machine still
            // reads it as ahead; the recorded wait is not slept).
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            let date = formatter.string(from: Date().addingTimeInterval(100))
            api.setFault(.init(page: 1, status: 503, body: "maintenance", headers: [("Retry-After", date)], remaining: 1))
            #expect(try await harness.run().state == .succeeded)
            let wait = try #require(harness.waits.last)
            #expect(harness.waits.count == 3)
            #expect(wait > 40 && wait <= 100, "waited \(wait)")
        }
    }

    @Test func aClientErrorFailsAtOnceWithTheAPIsMessage() async throws {
        let api = HTTPReviewsAPI()
        api.seed(250)
        try await api.run { base in
            let harness = try HTTPSourceHarness(source: Self.source(base, style: 2), environment: ["REVIEWS_TOKEN": Self.token])
            api.setFault(.init(page: 2, status: 404, body: #"{"error":{"code":404,"message":"cursor expired, start over"}}"#))
            let run = try await harness.run()
            #expect(run.state == .failed)
            let error = try await harness.loadStep(run).error ?? ""
            #expect(error.contains("page 2 failed with HTTP 404"), "\(error)")
            #expect(error.contains("cursor expired, start over"), "\(error)")
            #expect(error.contains("GET \(base)/v1/cursor/reviews"), "\(error)")
            #expect(!error.contains("cursor=c"), "the query string stays out: \(error)")
            #expect(api.hits(page: 2) == 1, "a 4xx is not retried")
            #expect(harness.waits.isEmpty)
            #expect(try await harness.rows().isEmpty)
        }
    }

    @Test func moreThanMaxPagesFailsRatherThanTruncating() async throws {
        let api = HTTPReviewsAPI()
        api.seed(250)
        try await api.run { base in
            let harness = try HTTPSourceHarness(source: Self.source(base, extra: ", max_pages: 2"), environment: ["REVIEWS_TOKEN": Self.token])
            let run = try await harness.run()
            #expect(run.state == .failed)
            let error = try await harness.loadStep(run).error ?? ""
            #expect(error.contains("has more than max_pages (2) pages"), "\(error)")
            #expect(error.contains("raise max_pages"), "\(error)")
            #expect(api.requests.dataRequests.count == 2)
            #expect(try await harness.rows().isEmpty)
            #expect(try await harness.watermark() == nil)
        }
    }

    @Test func aPageThatIsNotJSONOrHasNoRecordsFailsNamingThePage() async throws {
        let api = HTTPReviewsAPI()
        api.seed(250)
        try await api.run { base in
            let harness = try HTTPSourceHarness(source: Self.source(base), environment: ["REVIEWS_TOKEN": Self.token])
            api.setFault(.init(page: 2, status: 200, body: "<html>Bad gateway</html>"))
            let run = try await harness.run()
            #expect(run.state == .failed)
            let error = try await harness.loadStep(run).error ?? ""
            #expect(error.contains("page 2 (GET \(base)/v1/next_url/reviews) is not JSON"), "\(error)")

            api.setFault(.init(page: 1, status: 200, body: #"{"items":[]}"#))
            let missing = try await harness.run()
            let message = try await harness.loadStep(missing).error ?? ""
            #expect(message.contains("page 1 has no records at 'data' (the page has 'items')"), "\(message)")
            #expect(try await harness.rows().isEmpty)
        }
    }

    @Test func theTokenNeverReachesErrorsMessagesOrTheStateStore() async throws {
        let token = "sk-live-4f8e2d6c1b9a7355"
        let key = "key-93jf82hd71"
        let api = HTTPReviewsAPI()
        api.seed(120)
        try await api.run { base in
            let source = "url: \"\(base)/v1/next_url/reviews?api_key=${REVIEWS_KEY}\", records: data, pagination: { next_url: links.next }, "
                + "headers: { Authorization: \"Bearer ${REVIEWS_TOKEN}\", X-Api-Key: \"${REVIEWS_KEY}\" }, since_param: updated_since, cursor: updated_at"
            let harness = try HTTPSourceHarness(source: source, environment: ["REVIEWS_TOKEN": token, "REVIEWS_KEY": key])
            #expect(try await harness.run().state == .succeeded)
            let first = try #require(api.requests.dataRequests.first)
            #expect(first.header("authorization") == "Bearer \(token)")
            #expect(first.header("x-api-key") == key)
            #expect(first.query["api_key"] == key)

            // The API echoes the credentials in its refusal.
            api.setFault(.init(page: 1, status: 401, body: #"{"message":"token \#(token) (key \#(key)) is revoked"}"#))
            let failed = try await harness.run()
            #expect(failed.state == .failed)
            let error = try await harness.loadStep(failed).error ?? ""
            #expect(error.contains("HTTP 401"), "\(error)")
            #expect(error.contains("is revoked"), "\(error)")
            let texts = [error, failed.error ?? ""] + (try await harness.postedMessages()) + [try harness.stateFilesText()]
            #expect(try await harness.postedMessages().count >= 2)
            for text in texts {
                #expect(!text.contains(token), "\(text.prefix(500))")
                #expect(!text.contains(key), "\(text.prefix(500))")
            }
            let declared = try #require(harness.manifest.pipeline(named: "reviews")?.source(named: "reviews"))
            let display = try #require(StreamedSources.stream(for: declared, manifest: harness.manifest)).display
            #expect(display == "source 'reviews' (GET \(base)/v1/next_url/reviews)")
        }
    }
}
