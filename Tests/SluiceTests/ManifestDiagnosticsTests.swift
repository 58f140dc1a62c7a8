import Foundation
import Testing
import SluiceCore

/// Diagnostics beyond single keys: the planted-mistakes fixture, times and schedules, references,
/// duplicates, YAML syntax, and how problems are collected and rendered.
@Suite("Manifest parser: diagnostics")
struct ManifestDiagnosticsTests {
    // MARK: The five planted mistakes

    @Test("the five-mistakes fixture yields exactly its five problems, at their positions")
    func fiveMistakes() throws {
        let files = [
            "Tests/SluiceTests/Fixtures/manifests/models/stg_orders.sql": "select * from raw.orders",
            "Tests/SluiceTests/Fixtures/manifests/models/daily_sales.sql": "select order_date, count(*) from staging.stg_orders group by 1",
        ]
        let result = parseManifest(try manifestFixture("five-mistakes"), files: files)
        guard case let .failure(errors) = result else {
            Issue.record("the five-mistakes fixture parsed without problems")
            return
        }
        #expect(errors.diagnostics.map(\.description) == [
            "sluice.yml:2:11: unknown time zone 'Europe/Londn'; did you mean Europe/London?",
            "sluice.yml:5:19: 'escalate_after' must be a duration such as 30m, 6h, 2d or 1h30m, got '2 hours'",
            "sluice.yml:8:5: unknown key 'shedule' in pipeline 'shop'; did you mean 'schedule'?",
            "sluice.yml:16:21: check 'not_null_stg_ordrs_order_id' checks unknown table 'staging.stg_ordrs'; "
                + "pipeline 'shop' does not load or build it; did you mean 'staging.stg_orders'?",
            "sluice.yml:18:15: invalid 'schedule' in pipeline 'nightly': cron field 2 (hour) '25' is out of range 0-23 in '0 25 * * *'",
        ])
        #expect(errors.description.split(separator: "\n").count == 5)
    }

    static let timesAndSchedules: [ManifestProblemCase] = [
        ManifestProblemCase(
            title: "bad duration",
            yaml: baseManifest + "\n      - { freshness: raw.orders, warn_after: 3 hours }",
            expected: ["13:46: 'warn_after' must be a duration such as 30m, 6h, 2d or 1h30m, got '3 hours'"]
        ),
        ManifestProblemCase(
            title: "warn_after not shorter than error_after",
            yaml: baseManifest + "\n      - { freshness: raw.orders, warn_after: 6h, error_after: 3h }",
            expected: ["13:46: 'warn_after' (6h) must be shorter than 'error_after' (3h) in check 'freshness_orders'"]
        ),
        ManifestProblemCase(
            title: "bad cron expression",
            yaml: baseManifest.replacingOccurrences(of: "  shop:\n", with: "  shop:\n    schedule: \"*/5 * * *\"\n"),
            expected: [
                "5:15: invalid 'schedule' in pipeline 'shop': cron expression '*/5 * * *' has 4 fields; "
                    + "expected 5 (minute hour day-of-month month day-of-week) or a macro such as @daily",
            ]
        ),
        ManifestProblemCase(
            title: "bad time zone with a suggestion",
            yaml: baseManifest.replacingOccurrences(of: "timezone: UTC", with: "timezone: America/New_Yrok"),
            expected: ["1:11: unknown time zone 'America/New_Yrok'; did you mean America/New_York?"]
        ),
        ManifestProblemCase(
            title: "bad time zone without a suggestion",
            yaml: baseManifest.replacingOccurrences(of: "timezone: UTC", with: "timezone: Mars/Olympus_Mons"),
            expected: ["1:11: unknown time zone 'Mars/Olympus_Mons'; use an IANA name such as Europe/London or UTC"]
        ),
    ]

    @Test("durations, cron schedules and time zones are validated", arguments: timesAndSchedules)
    func timeValue(_ problem: ManifestProblemCase) {
        #expect(problems(problem.yaml, files: problem.files) == problem.expected)
    }

    static let references: [ManifestProblemCase] = [
        ManifestProblemCase(
            title: "unknown source",
            yaml: baseManifest.replacingOccurrences(of: "source: orders", with: "source: ordres"),
            expected: ["8:19: unknown source 'ordres' in pipeline 'shop'; did you mean 'orders'?"]
        ),
        ManifestProblemCase(
            title: "check of another pipeline's table",
            yaml: baseManifest + """

                  other:
                    sources:
                      s: { kind: csv, path: s.csv }
                    loads:
                      - { source: s, table: raw.other, write: append }
                    checks:
                      - { not_null: raw.orders, column: order_id }
                """,
            expected: [
                "19:21: check 'not_null_orders_order_id' checks 'raw.orders', which belongs to pipeline 'shop'; "
                    + "a check may only check tables its own pipeline loads or builds",
            ]
        ),
        ManifestProblemCase(
            title: "relationships to an unknown table",
            yaml: baseManifest + "\n      - { relationships: staging.stg_orders, column: order_id, to: raw.order, field: order_id }",
            expected: [
                "13:68: check 'relationships_stg_orders_order_id' refers to unknown table 'raw.order'; "
                    + "no load or model writes it; did you mean 'raw.orders'?",
            ]
        ),
        ManifestProblemCase(
            title: "sql check query reads an unknown table",
            yaml: baseManifest + "\n      - { sql: big_orders, query: \"select * from staging.stg_order where total > 1000\" }",
            expected: [
                "13:35: check 'big_orders' reads unknown table 'staging.stg_order' in its query; "
                    + "no load or model writes it; did you mean 'staging.stg_orders'?",
            ]
        ),
        ManifestProblemCase(
            title: "model reads an unknown table",
            yaml: baseManifest,
            files: ["stg.sql": "select * from raw.orders o join raw.customer c on c.id = o.customer_id"],
            expected: [
                "10:42: model 'staging.stg_orders' reads unknown table 'raw.customer' in stg.sql; "
                    + "no load or model writes it",
            ]
        ),
        ManifestProblemCase(
            title: "model reads itself",
            yaml: baseManifest,
            files: ["stg.sql": "select * from raw.orders union all select * from staging.stg_orders"],
            expected: ["10:42: model 'staging.stg_orders' reads its own table in stg.sql; a model cannot depend on itself"]
        ),
        ManifestProblemCase(
            title: "missing SQL file",
            yaml: baseManifest,
            files: [:],
            expected: [
                "10:42: SQL file 'stg.sql' of model 'staging.stg_orders' was not found; "
                    + "paths are relative to the directory Sluice runs in",
            ]
        ),
        ManifestProblemCase(
            title: "dependency cycle",
            yaml: baseManifest.replacingOccurrences(
                of: "      - { name: staging.stg_orders, sql: stg.sql }",
                with: """
                      - { name: staging.a, sql: a.sql }
                      - { name: staging.b, sql: b.sql }
                      - { name: staging.c, sql: c.sql }
                """
            ).replacingOccurrences(of: "not_null: raw.orders", with: "not_null: staging.c"),
            files: [
                "a.sql": "select * from staging.b join raw.orders using (order_id)",
                "b.sql": "select * from staging.c",
                "c.sql": "select * from staging.a",
            ],
            expected: [
                "10:17: models depend on each other in a cycle: staging.a → staging.b → staging.c → staging.a; "
                    + "remove one of these references",
            ]
        ),
    ]

    @Test("references to unknown sources, tables and models are reported", arguments: references)
    func reference(_ problem: ManifestProblemCase) {
        #expect(problems(problem.yaml, files: problem.files) == problem.expected)
    }

    static let duplicates: [ManifestProblemCase] = [
        ManifestProblemCase(
            title: "a table written by a load and a model",
            yaml: baseManifest.replacingOccurrences(of: "name: staging.stg_orders", with: "name: raw.orders")
                .replacingOccurrences(of: "select * from raw.orders", with: "select 1"),
            files: ["stg.sql": "select 1"],
            expected: [
                "10:17: table 'raw.orders' is already loaded in pipeline 'shop' (line 8); "
                    + "each table must be written by exactly one load or model",
            ]
        ),
        ManifestProblemCase(
            title: "two checks with the same derived name",
            yaml: baseManifest + "\n      - { not_null: raw.orders, column: order_id, severity: warn }",
            expected: [
                "13:11: duplicate check name 'not_null_orders_order_id' in pipeline 'shop' (first at line 12); "
                    + "add 'name:' to tell the checks apart",
            ]
        ),
        ManifestProblemCase(
            title: "a key twice in one mapping",
            yaml: baseManifest.replacingOccurrences(of: "timezone: UTC", with: "timezone: UTC\ntimezone: Europe/Paris"),
            expected: ["1:1: duplicate key 'timezone' in the same mapping; each key may appear only once"]
        ),
    ]

    @Test("duplicates are reported at the later occurrence", arguments: duplicates)
    func duplicate(_ problem: ManifestProblemCase) {
        #expect(problems(problem.yaml, files: problem.files) == problem.expected)
    }

    static let syntaxErrors: [ManifestProblemCase] = [
        ManifestProblemCase(
            title: "unclosed flow sequence",
            yaml: "timezone: UTC\naccess: { operators: [U0123ABCD }\n",
            expected: ["2:33: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence, which started at line 2, column 22)"]
        ),
        ManifestProblemCase(
            title: "bad indentation",
            yaml: "timezone: UTC\npipelines:\n  shop:\n    channel: a\n   owners: [U0123ABCD]\n",
            expected: ["5:4: invalid YAML: did not find expected key (while parsing a block mapping, which started at line 3, column 3)"]
        ),
        ManifestProblemCase(
            title: "tab indentation",
            yaml: "timezone: UTC\npipelines:\n\tshop: {}\n",
            expected: ["3:1: invalid YAML: found character that cannot start any token (while scanning for the next token, which started at line 3, column 1)"]
        ),
        ManifestProblemCase(
            title: "not a mapping",
            yaml: "- timezone: UTC\n",
            expected: ["1:1: the manifest must be a mapping of keys to values, got a list"]
        ),
        ManifestProblemCase(
            title: "empty document",
            yaml: "# nothing yet\n",
            expected: ["1:1: the manifest is empty; it needs at least 'timezone' and 'pipelines'"]
        ),
    ]

    @Test("YAML syntax errors are one diagnostic at the parser's position", arguments: syntaxErrors)
    func syntaxError(_ problem: ManifestProblemCase) {
        #expect(problems(problem.yaml, files: problem.files) == problem.expected)
    }

    @Test("problems across the manifest are all collected and sorted by position")
    func collectsEverything() throws {
        let yaml = baseManifest
            .replacingOccurrences(of: "timezone: UTC", with: "timezone: Nowhere/Special")
            .replacingOccurrences(of: "write: append", with: "write: upsert")
            .replacingOccurrences(of: "column: order_id", with: "column: order id")
        guard case let .failure(errors) = parseManifest(yaml, files: baseSQL) else {
            Issue.record("expected problems")
            return
        }
        #expect(errors.diagnostics.map(\.line) == [1, 8, 12])
        #expect(errors.diagnostics.allSatisfy { $0.file == "sluice.yml" })
        #expect(errors.description.hasPrefix("sluice.yml:1:11: unknown time zone 'Nowhere/Special'"))
    }

    @Test("diagnostics render as file:line:column: message and sort by position")
    func diagnosticFormatting() {
        let errors = ManifestErrors(diagnostics: [
            ManifestDiagnostic(file: "m.yml", line: 9, column: 1, message: "later"),
            ManifestDiagnostic(file: "m.yml", line: 2, column: 7, message: "second"),
            ManifestDiagnostic(file: "m.yml", line: 2, column: 3, message: "first"),
        ])
        #expect(errors.description == "m.yml:2:3: first\nm.yml:2:7: second\nm.yml:9:1: later")
    }
}
