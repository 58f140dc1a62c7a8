import Foundation
import Logging
import SluiceApp
import SluiceCore
import Synchronization
import Testing

/// `${VAR}` and `${VAR:-default}` in manifest strings: filled from the environment, reported at their
/// line and column when unset, and never shown anywhere once filled.
@Suite("Manifest: environment variables")
struct ManifestInterpolationTests {
    static let manifest = """
        timezone: UTC
        slack: { default_channel: "${ALERTS:-#data-alerts}" }
        pipelines:
          shop:
            sources:
              orders: { kind: postgres, url: "${SHOP_DB_URL}", table: public.orders, cursor: updated_at }
              reviews:
                kind: http
                url: https://api.example.com/v1/reviews
                headers: { Authorization: "Bearer ${REVIEWS_TOKEN}", X-Literal: "$${NOT_A_VAR}" }
            loads:
              - { source: orders, table: raw.orders, write: merge, key: id }
              - { source: reviews, table: raw.reviews, write: append }
        """

    static let environment = [
        "SHOP_DB_URL": "postgres://app:s3cr%40t-pw@db.internal:5432/shop?sslmode=require",
        "REVIEWS_TOKEN": "tok-9f8e7d6c5b",
    ]

    @Test("values come from the environment, defaults fill unset variables, $${ is a literal ${")
    func fillsValues() throws {
        let manifest = try ManifestParser.parse(
            yaml: Self.manifest, file: "sluice.yml", baseDirectory: "/srv", environment: Self.environment) { _ in nil }.get()
        let sources = try #require(manifest.pipeline(named: "shop")).sources
        guard case let .postgres(spec) = sources[0].kind, case let .http(api) = sources[1].kind else {
            Issue.record("unexpected kinds: \(sources.map(\.kind.word))")
            return
        }
        #expect(spec.url == Self.environment["SHOP_DB_URL"])
        #expect(spec.relation == .table(schema: "public", name: "orders"))
        #expect(api.headers == [
            HTTPHeaderField(name: "Authorization", value: "Bearer tok-9f8e7d6c5b"),
            HTTPHeaderField(name: "X-Literal", value: "${NOT_A_VAR}"),
        ])
        #expect(manifest.slack.defaultChannel == "#data-alerts")
    }

    @Test("an empty variable takes the default with ':-'; without a default it is the empty value")
    func emptyValues() throws {
        let yaml = Self.manifest.replacingOccurrences(of: "${ALERTS:-#data-alerts}", with: "${ALERTS:-#fallback}")
        var environment = Self.environment
        environment["ALERTS"] = ""
        let manifest = try ManifestParser.parse(
            yaml: yaml, file: "sluice.yml", baseDirectory: "/srv", environment: environment) { _ in nil }.get()
        #expect(manifest.slack.defaultChannel == "#fallback")
    }

    @Test("an unset variable without a default is a problem at its line and column, naming the variable")
    func unsetVariable() {
        let result = ManifestParser.parse(
            yaml: Self.manifest, file: "sluice.yml", baseDirectory: "/srv", environment: ["SHOP_DB_URL": "postgres://h/db"]) { _ in nil }
        guard case let .failure(errors) = result else {
            Issue.record("parsed without REVIEWS_TOKEN")
            return
        }
        #expect(errors.diagnostics.map(\.description) == [
            "sluice.yml:10:43: environment variable REVIEWS_TOKEN is not set; export it, or give a default with ${REVIEWS_TOKEN:-value}",
        ])
    }

    @Test("a problem with a value taken from the environment does not print the value")
    func problemsDoNotPrintValues() {
        let yaml = """
            timezone: UTC
            slack: { default_channel: "#data" }
            pipelines:
              lake:
                sources:
                  exports: { kind: gcs, uri: "${LAND_URI}", format: csv }
                loads:
                  - { source: exports, table: raw.exports, write: append }
            """
        guard case let .failure(errors) = ManifestParser.parse(
            yaml: yaml, file: "sluice.yml", baseDirectory: "/srv", environment: ["LAND_URI": "s3://secret-bucket-9/x.csv"],
            readFile: { _ in nil }) else {
            Issue.record("an s3 URI parsed")
            return
        }
        #expect(errors.description.contains("'uri' of source 'exports' must be gs://BUCKET/OBJECT"))
        #expect(errors.description.contains("got '[redacted]'"))
        #expect(!errors.description.contains("secret-bucket-9"))
    }

    @Test("a reference that is not closed, or not a name, is a problem")
    func malformed() {
        let unclosed = Self.manifest.replacingOccurrences(of: "${SHOP_DB_URL}", with: "${SHOP_DB_URL")
        #expect(problems(unclosed).first { $0.contains("not closed") }?.hasPrefix("6:") == true)
        let notAName = Self.manifest.replacingOccurrences(of: "${SHOP_DB_URL}", with: "${SHOP DB}")
        #expect(problems(notAName).contains { $0.contains("'${SHOP DB}' is not a variable reference") })
    }

    @Test("values taken from the environment are redacted, and so is a URL's password alone, decoded or not")
    func redactsValues() throws {
        let manifest = try ManifestParser.parse(
            yaml: Self.manifest, file: "sluice.yml", baseDirectory: "/srv", environment: Self.environment) { _ in nil }.get()
        let text = "connect to \(Self.environment["SHOP_DB_URL"]!) failed; password s3cr@t-pw or s3cr%40t-pw; token tok-9f8e7d6c5b"
        let redacted = manifest.redact(text)
        #expect(!redacted.contains("s3cr"))
        #expect(!redacted.contains("tok-9f8e7d6c5b"))
        #expect(redacted.contains("token [redacted]"))
        // The default channel came from the file, not the environment: not a secret.
        #expect(manifest.redact("#data-alerts") == "#data-alerts")
    }

    @Test("any URL's password is redacted by pattern, whoever wrote it")
    func urlPasswords() {
        #expect(Secrets.redact("postgres://app:hunter2@db:5432/shop") == "postgres://app:[redacted]@db:5432/shop")
        #expect(Secrets.redact("https://example.com/a:b@c") == "https://example.com/a:b@c")
    }

    // One test for the redaction of log lines: the secrets it sets are the process's.
    @Test("log lines pass through the manifest's redaction: message, metadata, and the logger's own metadata")
    func logLines() {
        let lines = CapturedLines()
        RedactingLogHandler.values.withLock { $0 = ManifestSecrets(["tok-9f8e7d6c5b"]) }
        defer { RedactingLogHandler.values.withLock { $0 = ManifestSecrets() } }
        var logger = Logger(label: "test") { _ in
            RedactingLogHandler(CapturingHandler(lines: lines))
        }
        logger.info("sent tok-9f8e7d6c5b", metadata: ["header": "Bearer abc", "value": "tok-9f8e7d6c5b"])
        let line = lines.text.withLock { $0.joined() }
        #expect(line.contains("sent [redacted]"))
        #expect(!line.contains("tok-9f8e7d6c5b"))
        #expect(!line.contains("abc"))

        // The logger's own metadata is logged with each line, redacted; a line's own metadata wins.
        lines.text.withLock { $0 = [] }
        logger[metadataKey: "request"] = "tok-9f8e7d6c5b"
        logger[metadataKey: "pipeline"] = "shop"
        #expect(logger[metadataKey: "pipeline"] == "shop")
        logger.info("one", metadata: ["pipeline": "sales"])
        logger[metadataKey: "pipeline"] = nil
        logger.info("two")
        let logged = lines.text.withLock { $0 }
        #expect(logged.count == 2)
        #expect(logged.first?.contains("\"pipeline\": sales") == true && logged.first?.contains("shop") == false, "\(logged)")
        #expect(logged.allSatisfy { $0.contains("\"request\": [redacted]") && !$0.contains("tok-9f8e7d6c5b") }, "\(logged)")
        #expect(logged.last?.contains("pipeline") == false)
    }
}

/// Log lines written.
private final class CapturedLines: Sendable {
    let text = Mutex<[String]>([])
}

/// A log handler that keeps each line's message and metadata as text.
private struct CapturingHandler: LogHandler {
    let lines: CapturedLines
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.text.withLock { $0.append("\(event.message) \(event.metadata ?? [:])") }
    }
}
