import Foundation
import Testing
@testable import Worker

/// The HTTP source's wire formats, one at a time: RFC 8288 `Link` headers, `Retry-After`, query
/// parameters, the JSON parser's exactness and limits, and how records become columns.
@Suite("HTTPSource: wire formats")
struct HTTPSourceWireTests {
    @Test func linkHeadersFindTheNextLinkAmongSeveral() {
        let header = #"<https://api.example.com/items?page=1>; rel="first", <https://api.example.com/items?a=1,2;b=3&page=3>; rel="prev next"; title="a, b""#
        #expect(HTTPLinkHeader.next(in: [header]) == "https://api.example.com/items?a=1,2;b=3&page=3")
        #expect(HTTPLinkHeader.next(in: [#"</x?page=1>; rel=last"#, #"</x?page=2>;rel=NEXT"#]) == "/x?page=2")
        #expect(HTTPLinkHeader.next(in: [#"<https://api.example.com/items?page=9>; rel="last""#]) == nil)
        #expect(HTTPLinkHeader.next(in: ["garbage"]) == nil)
        #expect(HTTPSourceURL.resolve("/v1/items?page=2", against: "https://api.example.com/v1/items?page=1&key=k")
            == "https://api.example.com/v1/items?page=2")
        #expect(HTTPSourceURL.resolve("?page=3", against: "https://api.example.com/v1/items?page=2") == "https://api.example.com/v1/items?page=3")
        #expect(HTTPSourceURL.resolve("ftp://elsewhere/x", against: "https://api.example.com/") == nil)
    }

    @Test func retryAfterIsSecondsOrAnHTTPDateCapped() {
        var policy = HTTPFetchPolicy()
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
        policy.now = { now }
        #expect(policy.retryAfter("3") == 3)
        #expect(policy.retryAfter("0") == 0)
        #expect(policy.retryAfter("86400") == 120)
        #expect(policy.retryAfter("Wed, 21 Oct 2015 07:28:30 GMT") == 30)
        #expect(policy.retryAfter("Wednesday, 21-Oct-15 07:28:10 GMT") == 10)
        #expect(policy.retryAfter("Wed, 21 Oct 2015 07:00:00 GMT") == 0)
        #expect(policy.retryAfter("soon") == nil)
        policy.random = { 0.999 }
        #expect(policy.backoff(after: 1) < 0.5 && policy.backoff(after: 1) > 0.49)
        #expect(policy.backoff(after: 20) <= 30)
    }

    @Test func queryParametersAreSetPercentEncodedAndReplaceTheirNamesakes() {
        #expect(HTTPSourceURL.setting([("updated_since", "2026-03-01 10:00:00+01:00")], in: "https://api.example.com/r?key=a%20b&updated_since=old#top")
            == "https://api.example.com/r?key=a%20b&updated_since=2026-03-01%2010%3A00%3A00%2B01%3A00")
        #expect(HTTPSourceURL.shown("https://user:pw@api.example.com:8443/v1/r?key=secret") == "https://api.example.com:8443/v1/r")
        #expect(HTTPSourceURL.sameOrigin("https://api.example.com/a", "https://API.example.com:443/b"))
        #expect(!HTTPSourceURL.sameOrigin("https://api.example.com/a", "https://cdn.example.com/a"))
    }

    @Test func jsonKeepsNumbersExactlyAndRefusesWhatIsNotJSON() throws {
        let page = try HTTPJSONParser.parse(Array(#"{"n": [18446744073709551617, -0.10, 2E+3], "s": "a\"\/\u0041\ud83d\ude00", "e": {}}"#.utf8))
        #expect(page["n"] == .array([.number("18446744073709551617"), .number("-0.10"), .number("2E+3")]))
        #expect(page["s"] == .string("a\"/A😀"))
        #expect(page.text == #"{"n":[18446744073709551617,-0.10,2E+3],"s":"a\"/A😀","e":{}}"#)
        for bad in ["", "{", "[1,]", "01", "{\"a\" 1}", "\"\u{01}\"", "[1] x", "nul", "[\"\\x\"]"] {
            #expect(throws: HTTPJSONParser.SyntaxError.self, "\(bad)") { try HTTPJSONParser.parse(Array(bad.utf8)) }
        }
        #expect(throws: HTTPJSONParser.SyntaxError.self) { try HTTPJSONParser.parse([0x22, 0xFF, 0x22]) }
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: HTTPJSONParser.SyntaxError.self) { try HTTPJSONParser.parse(Array(deep.utf8)) }
    }

    @Test func recordsFlattenAndCollisionsAreBadRecords() throws {
        let records = try HTTPJSONParser.parse(Array(#"[{"a": {"b": {"c": 1}}, "t": true, "z": null}, {"a_b": 1, "a": {"b": 2}}, {"k": 1, "k": 2}, "text", {}]"#.utf8))
        guard case let .array(items) = records else { Issue.record("not an array"); return }
        let first = try HTTPRecordFlattener.fields(of: items[0]).get()
        #expect(first["a"] == .some(Array(#"{"b":{"c":1}}"#.utf8)))
        #expect(first["a_b"] == .some(Array(#"{"c":1}"#.utf8)))
        #expect(first["a_b_c"] == .some(Array("1".utf8)))
        #expect(first["t"] == .some(Array("true".utf8)))
        #expect(first["z"] == .some(nil))
        for clash in [items[1], items[2]] {
            guard case let .failure(bad) = HTTPRecordFlattener.fields(of: clash) else { Issue.record("\(clash) loaded"); continue }
            #expect(bad.reason.contains("two values become column"))
        }
        let batch = HTTPRecordFlattener.batch(items, origin: "page 1")
        #expect(batch.columns == ["a", "a_b", "a_b_c", "t", "z"])
        #expect(batch.count == 5)
        #expect(batch.problem(of: 3) == "the record is a string, not a JSON object")
        #expect(batch.problem(of: 4) == nil)
        #expect(batch.range(record: 4, field: 0) == nil)
    }
}
