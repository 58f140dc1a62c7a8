import Foundation
import Testing
import SluiceCore

// What the manifest parser suites share: fixtures, a parse with SQL files served from a
// dictionary, diagnostics as `line:column: message`, and the small valid manifest the diagnostic
// tables start from.

/// Loads a manifest fixture from `Fixtures/manifests/`.
func manifestFixture(_ name: String) throws -> String {
    let url = try #require(
        Bundle.module.url(forResource: name, withExtension: "yml", subdirectory: "Fixtures/manifests"),
        "fixture \(name).yml is missing"
    )
    return try String(contentsOf: url, encoding: .utf8)
}

/// Parses `yaml` with SQL files served from `files`.
func parseManifest(_ yaml: String, files: [String: String] = [:]) -> Result<Manifest, ManifestErrors> {
    ManifestParser.parse(yaml: yaml, file: "sluice.yml", baseDirectory: "/srv/sluice") { files[$0] }
}

/// The diagnostics of an invalid manifest as `line:column: message`, or a failure note when it parsed.
func problems(_ yaml: String, files: [String: String] = [:]) -> [String] {
    switch parseManifest(yaml, files: files) {
    case .success:
        return ["(parsed without problems)"]
    case let .failure(errors):
        return errors.diagnostics.map { "\($0.line):\($0.column): \($0.message)" }
    }
}

let baseManifest = """
    timezone: UTC
    slack: { default_channel: "#data" }
    pipelines:
      shop:
        sources:
          orders: { kind: csv, path: orders.csv, cursor: updated_at }
        loads:
          - { source: orders, table: raw.orders, write: append }
        models:
          - { name: staging.stg_orders, sql: stg.sql }
        checks:
          - { not_null: raw.orders, column: order_id }
    """

/// SQL for `baseManifest`'s model.
let baseSQL = ["stg.sql": "select * from raw.orders"]

/// One invalid manifest and the exact diagnostics it must produce.
struct ManifestProblemCase: Sendable, CustomTestStringConvertible {
    /// What the case is about.
    var title: String
    /// The manifest text.
    var yaml: String
    /// SQL files by path.
    var files: [String: String] = baseSQL
    /// `line:column: message` for each expected diagnostic, in order.
    var expected: [String]

    /// The title, as the test report shows each case.
    var testDescription: String { title }
}

/// A manifest of one pipeline on `warehouse` (the SQLite default unless given): `sources` and `loads`
/// are the lines under those keys (one entry per line, or blocks with their own indentation), indented
/// here, so a test writes only what it is about.
func onePipelineYAML(
    _ pipeline: String = "shop", channel: String = "#data", warehouse: String = "{ kind: sqlite, path: warehouse }",
    sources: String, loads: String
) -> String {
    func indented(_ block: String) -> String {
        block.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n")
    }
    return """
        timezone: UTC
        warehouse: \(warehouse)
        slack: { default_channel: "\(channel)" }
        pipelines:
          \(pipeline):
            sources:
        \(indented(sources))
            loads:
        \(indented(loads))
        """
}
