import Foundation
import SluiceCore
import Testing
@testable import Worker

/// The HTTP source through pipeline runs against a real API on loopback: every pagination style
/// loads every record, incremental reads send the watermark and keep rows at it, backfills rebuild
/// their days, nested objects load both flattened and as JSON, numbers keep their text, and bad
/// records are counted with the page they came from.
@Suite("HTTPSource: loads")
struct HTTPSourceLoadTests {
    /// A pagination style: the source's keys, the route, and how many requests 250 records take.
    struct Style: Sendable, CustomTestStringConvertible {
        var name: String
        var keys: String
        var requests: Int
        var testDescription: String { name }
    }

    static let styles: [Style] = [
        Style(name: "next_url", keys: "records: data, pagination: { next_url: links.next }", requests: 3),
        Style(name: "link", keys: "pagination: { link_header: true }", requests: 3),
        Style(name: "cursor", keys: "records: data, pagination: { cursor: meta.next_cursor, param: cursor }", requests: 3),
        // Pages 1–3 and the empty page 4 that ends the read.
        Style(name: "page", keys: "records: data, pagination: { page_param: page, start: 1 }", requests: 4),
        // Five full pages of 50 and the empty sixth (shorter than the limit) that ends it.
        Style(name: "offset", keys: "records: data, pagination: { offset_param: offset, limit_param: limit, limit: 50 }", requests: 6),
    ]

    static func source(_ base: String, _ style: Style, extra: String = "") -> String {
        "url: \"\(base)/v1/\(style.name)/reviews\", \(style.keys), headers: { Authorization: \"Bearer ${REVIEWS_TOKEN}\" }, "
            + "since_param: updated_since, cursor: updated_at\(extra)"
    }

    static let token = "tok-7d2f9a1c5e3b"

    @Test("a full load", arguments: styles)
    func fullLoadInEachStyle(_ style: Style) async throws {
        let api = HTTPReviewsAPI()
        api.seed(250)
        try await api.run { base in
            let harness = try HTTPSourceHarness(source: Self.source(base, style), environment: ["REVIEWS_TOKEN": Self.token])
            let run = try await harness.run()
            let step = try await harness.loadStep(run)
            #expect(run.state == .succeeded, "\(step.error ?? "")")
            let rows = try await harness.rows()
            try #require(rows.count == 250)
            #expect(rows.map { $0[0] } == (1...250).map { String($0) })
            #expect(rows[41] == ["42", "Review 42", HTTPReviewsAPI.time(minute: 42)])
            #expect(step.detail?.hasPrefix("250 rows read, 250 new") == true, "\(step.detail ?? "")")
            let requests = api.requests.dataRequests
            #expect(requests.count == style.requests)
            #expect(requests.allSatisfy { $0.header("authorization") == "Bearer \(Self.token)" })
            // A first read sends no watermark.
            #expect(requests.allSatisfy { $0.query["updated_since"] == nil })
            #expect(try await harness.watermark() == HTTPReviewsAPI.time(minute: 250))
        }
    }

    @Test func anIncrementalLoadSendsTheWatermarkAndKeepsRowsAtIt() async throws {
        for style in [Self.styles[0], Self.styles[3]] {
            let api = HTTPReviewsAPI()
            api.seed(250)
            try await api.run { base in
                let harness = try HTTPSourceHarness(source: Self.source(base, style), environment: ["REVIEWS_TOKEN": Self.token])
                #expect(try await harness.run().state == .succeeded)
                let watermark = HTTPReviewsAPI.time(minute: 250)
                #expect(try await harness.watermark() == watermark)

                api.upsert(5, updatedAt: HTTPReviewsAPI.time(minute: 300), body: "changed")
                api.upsert(251, updatedAt: HTTPReviewsAPI.time(minute: 301))
                // Arrived late with the watermark's own cursor value: `>=` must keep it.
                api.upsert(252, updatedAt: watermark, body: "at the watermark")
                let before = api.requests.count
                let run = try await harness.run()
                let step = try await harness.loadStep(run)
                #expect(run.state == .succeeded, "\(step.error ?? "")")
                let second = Array(api.requests.dropFirst(before)).dataRequests
                #expect(second.first?.query["updated_since"] == watermark)
                if style.name == "page" {
                    // Page-number follow-ups repeat the parameter.
                    #expect(second.count == 2)
                    #expect(second.allSatisfy { $0.query["updated_since"] == watermark })
                }
                let rows = try await harness.rows()
                try #require(rows.count == 252)
                #expect(rows[4] == ["5", "changed", HTTPReviewsAPI.time(minute: 300)])
                #expect(rows[251] == ["252", "at the watermark", watermark])
                #expect(rows[250][0] == "251")
                // Review 250 (at the watermark, unchanged), 252, 5 and 251.
                #expect(step.detail?.hasPrefix("4 rows read, 2 new, 1 updated, 1 unchanged") == true, "\(step.detail ?? "")")
                #expect(try await harness.watermark() == HTTPReviewsAPI.time(minute: 301))
            }
        }
    }

    @Test func aBackfillRebuildsItsDaysFromEverySourceRow() async throws {
        let api = HTTPReviewsAPI()
        api.seed(30)
        try await api.run { base in
            let harness = try HTTPSourceHarness(source: Self.source(base, Self.styles[2]), environment: ["REVIEWS_TOKEN": Self.token])
            api.setPageSize(7)
            #expect(try await harness.run().state == .succeeded)
            // Review 3 is of 2026-03-01 (id % 3 + 1); it is amended. Review 40 is new, of 2026-03-02.
            api.upsert(3, updatedAt: HTTPReviewsAPI.time(minute: 100), day: "2026-03-01", body: "amended")
            api.upsert(40, updatedAt: HTTPReviewsAPI.time(minute: 101), day: "2026-03-02")
            let before = api.requests.count
            let backfill = try await harness.backfill(["2026-03-01"])
            #expect(backfill.state == .succeeded, "\(backfill.error ?? "")")
            // A backfill reads everything: no watermark sent.
            #expect(Array(api.requests.dropFirst(before)).dataRequests.allSatisfy { $0.query["updated_since"] == nil })
            let rows = try await harness.rows("id, body, review_date")
            try #require(rows.count == 30)
            #expect(rows[2] == ["3", "amended", "2026-03-01"])
            #expect(!rows.contains { $0[0] == "40" })
            // The backfill leaves the watermark; the next run picks up review 40.
            #expect(try await harness.watermark() == HTTPReviewsAPI.time(minute: 30))
            #expect(try await harness.run().state == .succeeded)
            #expect(try await harness.rows().count == 31)
        }
    }

    @Test func nestedObjectsLoadFlattenedAndAsJSONAndNumbersKeepTheirText() async throws {
        let api = HTTPReviewsAPI()
        api.seed(150)
        // A key only a later page has (review 140, page 2 of 100) still loads into its declared column.
        api.upsert(140, updatedAt: HTTPReviewsAPI.time(minute: 140), extra: ["promo": #""SPRING""#])
        api.upsertRaw(7, updatedAt: HTTPReviewsAPI.time(minute: 7), json: """
            {"id": 7, "updated_at": "\(HTTPReviewsAPI.time(minute: 7))", "review_date": "2026-03-02",
             "big": 9007199254740993, "price": 12.50, "tiny": 1e-7, "verified": false, "body": "line\\none \\u00e9\\ud83d\\ude00",
             "author": {"name": "Zoë", "id": 12, "address": {"city": "Bâle", "zip": null}}, "tags": [1, "two", {"three": 3}], "note": null}
            """)
        let columns =
            "{ id: integer, updated_at: timestamp, review_date: date, big: string, price: string, tiny: string, verified: boolean, "
            + "body: string, author: string, author_name: string, author_address: string, author_address_city: string, "
            + "author_address_zip: string, tags: string, note: string, promo: string }"
        try await api.run { base in
            let harness = try HTTPSourceHarness(
                source: Self.source(base, Self.styles[0]), columns: columns, environment: ["REVIEWS_TOKEN": Self.token])
            let run = try await harness.run()
            let problem = try await harness.loadStep(run).error ?? ""
            #expect(run.state == .succeeded, "\(problem)")
            let rows = try await harness.rows(
                "id, big, price, tiny, verified, body, author, author_name, author_address, author_address_city, author_address_zip, tags, note, promo")
            try #require(rows.count == 150)
            #expect(rows[6] == [
                // SQLite keeps booleans as 0/1.
                "7", "9007199254740993", "12.50", "1e-7", "0", "line\none é😀",
                #"{"name":"Zoë","id":12,"address":{"city":"Bâle","zip":null}}"#, "Zoë", #"{"city":"Bâle","zip":null}"#, "Bâle", nil,
                #"[1,"two",{"three":3}]"#, nil, nil,
            ])
            #expect(rows[139][13] == "SPRING")
            #expect(rows[0][7] == "Author 1")
            #expect(rows[0][9] == "City 1")
        }
    }

    @Test func anEmptyFirstPageLoadsNothingWhenTheLoadDeclaresItsColumns() async throws {
        let api = HTTPReviewsAPI()
        try await api.run { base in
            let harness = try HTTPSourceHarness(source: Self.source(base, Self.styles[3]), environment: ["REVIEWS_TOKEN": Self.token])
            let run = try await harness.run()
            let problem = try await harness.loadStep(run).error ?? ""
            #expect(run.state == .succeeded, "\(problem)")
            #expect(try await harness.rows().isEmpty)
            #expect(try await harness.watermark() == nil)
            #expect(api.requests.dataRequests.count == 1)
        }
    }

    @Test func aRecordThatIsNotAnObjectIsABadRecordNamedByItsPage() async throws {
        let api = HTTPReviewsAPI()
        api.seed(120)
        api.upsertRaw(110, updatedAt: HTTPReviewsAPI.time(minute: 110), json: "42")
        try await api.run { base in
            let strict = try HTTPSourceHarness(source: Self.source(base, Self.styles[0]), environment: ["REVIEWS_TOKEN": Self.token])
            let failed = try await strict.run()
            #expect(failed.state == .failed)
            let error = try await strict.loadStep(failed).error ?? ""
            #expect(error.contains("page 2, record 10: the record is a number, not a JSON object"), "\(error)")
            #expect(try await strict.rows().isEmpty)

            let tolerant = try HTTPSourceHarness(
                source: Self.source(base, Self.styles[0]), load: "max_bad_records: 1", environment: ["REVIEWS_TOKEN": Self.token])
            let run = try await tolerant.run()
            let step = try await tolerant.loadStep(run)
            #expect(run.state == .succeeded, "\(step.error ?? "")")
            #expect(step.detail?.contains("1 bad skipped") == true, "\(step.detail ?? "")")
            #expect(try await tolerant.rows().count == 119)
        }
    }
}
