import Foundation
import SluiceCore
import Testing

/// The manifest vocabulary of the remote sources: what `postgres`, `http` and `gcs` accept, and each
/// mistake reported at its line and column.
@Suite("Manifest parser: postgres, http and gcs sources")
struct ManifestSourceKindsTests {
    static func manifest(_ source: String) -> String {
        """
        timezone: UTC
        slack: { default_channel: "#data" }
        pipelines:
          shop:
            sources:
              s: \(source)
            loads:
              - { source: s, table: raw.s, write: append }
        """
    }

    static func kind(_ source: String) throws -> SourceKind {
        try #require(try parseManifest(manifest(source)).get().pipeline(named: "shop")?.sources.first).kind
    }

    @Test("each kind's keys become its spec")
    func specs() throws {
        #expect(try Self.kind(#"{ kind: postgres, url: "postgres://app@db:5432/shop?sslmode=require", query: "select 1 as id", cursor: id }"#)
            == .postgres(PostgresSourceSpec(url: "postgres://app@db:5432/shop?sslmode=require", relation: .query("select 1 as id"))))
        #expect(try Self.kind(#"{ kind: postgres, url: "postgres://db/shop", table: orders }"#)
            == .postgres(PostgresSourceSpec(url: "postgres://db/shop", relation: .table(schema: nil, name: "orders"))))
        #expect(try Self.kind(#"{ kind: http, url: "https://api.example.com/v1/reviews", records: data.items, pagination: { next_url: links.next }, since_param: updated_since, max_pages: 50, timeout: 30s }"#)
            == .http(HTTPSourceSpec(
                url: "https://api.example.com/v1/reviews", records: ["data", "items"], pagination: .nextURL(path: ["links", "next"]),
                sinceParam: "updated_since", maxPages: 50, timeoutSeconds: 30)))
        let styles: [(String, HTTPPagination)] = [
            ("{ link_header: true }", .linkHeader),
            ("{ cursor: meta.next, param: after }", .cursor(path: ["meta", "next"], param: "after")),
            ("{ page_param: page }", .page(param: "page", start: 1)),
            ("{ page_param: p, start: 0 }", .page(param: "p", start: 0)),
            ("{ offset_param: offset, limit_param: limit, limit: 100 }", .offset(offsetParam: "offset", limitParam: "limit", limit: 100)),
        ]
        for (yaml, style) in styles {
            guard case let .http(spec) = try Self.kind("{ kind: http, url: \"http://127.0.0.1:9/r\", pagination: \(yaml) }") else {
                Issue.record("not http")
                continue
            }
            #expect(spec.pagination == style, "\(yaml)")
        }
        #expect(try Self.kind(#"{ kind: gcs, uri: "gs://shop-exports/orders_{date}.csv" }"#)
            == .gcs(GCSSourceSpec(bucket: "shop-exports", object: "orders_{date}.csv", format: .csv)))
        #expect(try Self.kind(#"{ kind: gcs, uri: "gs://bkt/land/", format: ndjson }"#)
            == .gcs(GCSSourceSpec(bucket: "bkt", object: "land/", format: .ndjson)))
    }

    @Test("mistakes are reported where they are, without repeating a URL that may hold a password")
    func mistakes() {
        let cases: [(String, String)] = [
            (#"{ kind: postgres, url: "mysql://u:pw@h/db", table: t }"#, "6:33: 'url' of source 's' must be a postgres:// URL"),
            (#"{ kind: postgres, url: "postgres://u:pw@h/db?sslmode=strict", table: t }"#, "6:33: 'url' of source 's' has sslmode 'strict'"),
            (#"{ kind: postgres, url: "postgres://h/db" }"#, "6:10: source 's' needs 'table' or 'query'"),
            (#"{ kind: postgres, url: "postgres://h/db", table: a.b.c }"#, "6:59: 'table' of source 's' must be a plain name or schema.table"),
            (#"{ kind: http, url: "ftp://x/y" }"#, "6:29: 'url' of source 's' must be an http:// or https:// address"),
            (#"{ kind: http, url: "https://x/y", pagination: { next_url: a, page_param: p } }"#, "6:56: 'pagination' of source 's' needs exactly one of"),
            (#"{ kind: http, url: "https://x/y", pagination: { offset_param: o, limit_param: l } }"#, "is missing required key 'limit'"),
            (#"{ kind: http, url: "https://x/y", pagination: { cursor: meta.next } }"#, "is missing required key 'param'"),
            (#"{ kind: http, url: "https://x/y", headers: { "Bad Name": v } }"#, "header name 'Bad Name' may hold only letters"),
            (#"{ kind: gcs, uri: "s3://b/x.csv" }"#, "6:28: 'uri' of source 's' must be gs://BUCKET/OBJECT"),
            (#"{ kind: gcs, uri: "gs://bkt/land/" }"#, "needs 'format: csv' or 'format: ndjson'"),
            (#"{ kind: gcs, uri: "gs://bkt/x.csv", path: x }"#, "unknown key 'path' in source 's'"),
        ]
        for (source, expected) in cases {
            let found = problems(Self.manifest(source))
            #expect(found.contains { $0.hasPrefix(expected) || (!expected.first!.isNumber && $0.contains(expected)) }, "\(source): \(found)")
            #expect(!found.joined().contains("pw@"), "\(found)")
        }
    }
}
