import Foundation
import SluiceCore
import Testing
@testable import Worker

// What the command parser suites share: a vocabulary built from two pipelines, a parse with it,
// and the shapes of their table-driven cases.

/// A table name for tests; records an issue (and returns a placeholder) when the text is not one.
func table(_ text: String) -> TableName {
    guard let name = TableName(text) else {
        Issue.record("bad test table name \(text)")
        return TableName(dataset: "invalid", table: "invalid")
    }
    return name
}

/// Two pipelines sharing a check name (`negative_totals`) and a table part (`ad_spend`).
let commandManifest: Manifest = {
    func loads(_ names: [String]) -> [Load] {
        names.map { Load(source: $0, table: table($0), write: .truncate) }
    }
    func models(_ names: [String]) -> [Model] {
        names.map { Model(name: table($0), sqlPath: "\($0).sql", sql: "select 1", materialized: .table, dependencies: []) }
    }
    let shop = Pipeline(
        name: "shop", schedule: nil, channel: nil, owners: [], sources: [],
        loads: loads(["raw.orders", "raw.customers"]), models: models(["staging.stg_orders", "mart.daily_sales"]),
        checks: [
            Check(name: "freshness_orders", kind: .freshness(table("raw.orders"), loadedAt: nil, warnAfter: nil, errorAfter: nil), severity: .error),
            Check(name: "not_null_stg_orders_order_id", kind: .notNull(table("staging.stg_orders"), column: "order_id"), severity: .error),
            Check(name: "negative_totals", kind: .sql(query: "select 1"), severity: .warn),
        ])
    let ads = Pipeline(
        name: "ads", schedule: nil, channel: nil, owners: [], sources: [],
        loads: loads(["raw.ad_spend", "raw.campaigns"]), models: models(["mart.ad_spend"]),
        checks: [
            Check(name: "negative_totals", kind: .sql(query: "select 1"), severity: .warn),
            Check(name: "freshness_ad_spend", kind: .freshness(table("raw.ad_spend"), loadedAt: nil, warnAfter: nil, errorAfter: nil), severity: .warn),
        ])
    return Manifest(
        file: "sluice.yml", baseDirectory: "/srv", timeZone: TimeZone(secondsFromGMT: 0) ?? .current,
        warehouse: .sqlite(path: ".sluice/warehouse"), cost: CostConfig(), slack: SlackConfig(defaultChannel: "#data"),
        access: AccessConfig(), backfill: BackfillConfig(maxDays: 31), pipelines: [shop, ads])
}()

/// The vocabulary every parser test uses.
let commandVocabulary = CommandVocabulary(manifest: commandManifest)

/// Parses with the test vocabulary.
func parse(_ text: String, commandName: String = "/sluice") -> Result<SlashCommand, CommandError> {
    CommandParser.parse(text, vocabulary: commandVocabulary, commandName: commandName)
}

/// A text and the command it must parse to.
struct CommandParseCase: Sendable, CustomTestStringConvertible {
    let text: String
    let expected: SlashCommand

    init(_ text: String, _ expected: SlashCommand) {
        self.text = text
        self.expected = expected
    }

    var testDescription: String { "'\(text.prefix(60))'" }
}

/// A text that must fail, and fragments its message must contain.
struct CommandErrorCase: Sendable, CustomTestStringConvertible {
    let text: String
    let fragments: [String]

    init(_ text: String, _ fragments: String...) {
        self.text = text
        self.fragments = fragments
    }

    var testDescription: String { "'\(text.prefix(60))'" }
}
