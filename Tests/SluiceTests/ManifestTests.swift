import Foundation
import Testing
import SluiceCore

/// Loads a manifest fixture from `Fixtures/manifests/`.
private func manifestFixture(_ name: String) throws -> String {
    let url = try #require(
        Bundle.module.url(forResource: name, withExtension: "yml", subdirectory: "Fixtures/manifests"),
        "fixture \(name).yml is missing"
    )
    return try String(contentsOf: url, encoding: .utf8)
}

/// Parses `yaml` with SQL files served from `files`.
private func parseManifest(_ yaml: String, files: [String: String] = [:]) -> Result<Manifest, ManifestErrors> {
    ManifestParser.parse(yaml: yaml, file: "sluice.yml", baseDirectory: "/srv/sluice") { files[$0] }
}

/// The diagnostics of an invalid manifest as `line:column: message`, or a failure note when it parsed.
private func problems(_ yaml: String, files: [String: String] = [:]) -> [String] {
    switch parseManifest(yaml, files: files) {
    case .success:
        return ["(parsed without problems)"]
    case let .failure(errors):
        return errors.diagnostics.map { "\($0.line):\($0.column): \($0.message)" }
    }
}

/// SQL for the full fixture's models.
private let fullFixtureSQL: [String: String] = [
    "manifest/models/staging/stg_orders.sql": """
        -- orders, cleaned; 'from raw.fake' in a comment or string is not a dependency
        select order_id, lower(status) as status, order_date, updated_at, total
        from `my-proj.raw.orders`
        where status != 'from raw.fake'
        """,
    "manifest/models/staging/stg_orders.sqlite.sql": "select order_id, lower(status) as status, order_date, updated_at, total from raw.orders",
    "manifest/models/staging/stg_order_items.sql": """
        select i.* from raw.order_items i
        join staging.stg_orders o on o.order_id = i.order_id
        """,
    "manifest/models/mart/daily_sales.sql": """
        with items as (select * from staging.stg_order_items)
        select o.order_date, sum(o.total) as revenue
        from staging.stg_orders o, raw.customers c, raw.products p
        left join items on items.order_id = o.order_id
        group by 1
        """,
    "manifest/models/mart/revenue_by_month.sql": "select * from `mart`.`daily_sales`",
]

/// A small valid manifest the diagnostic tables start from; `{…}` markers are replaced per case.
private let baseManifest = """
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
private let baseSQL = ["stg.sql": "select * from raw.orders"]

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

@Suite("Manifest parser")
struct ManifestTests {
    // MARK: The full fixture

    @Test("the full fixture parses into the expected values")
    func fullManifest() throws {
        let manifest = try parseManifest(try manifestFixture("full"), files: fullFixtureSQL).get()

        #expect(manifest.file == "sluice.yml")
        #expect(manifest.baseDirectory == "/srv/sluice")
        #expect(manifest.timeZone.identifier == "Europe/London")
        #expect(manifest.warehouse == .bigquery(project: "my-proj", location: "EU"))
        #expect(manifest.cost == CostConfig(pricePerTiB: 5.5, maximumBytesBilled: 50_000_000_000, dailyBudget: 5))
        #expect(manifest.slack.defaultChannel == "#data-alerts")
        #expect(manifest.slack.digest == DigestConfig(at: TimeOfDay(hour: 9, minute: 0), channel: "#data"))
        #expect(manifest.slack.escalateAfter == .minutes(90))
        #expect(manifest.access.operators == ["U0123ABCD", "S0456EFGH"])
        #expect(manifest.backfill.maxDays == 14)
        #expect(manifest.pipelines.map(\.name) == ["shop", "finance"])

        let shop = try #require(manifest.pipeline(named: "shop"))
        #expect(shop.schedule?.expression == "0 */2 * * *")
        #expect(shop.channel == "#shop-data")
        #expect(shop.owners == ["U0123ABCD", "S0456EFGH"])
        #expect(shop.maxParallelism == 8)
        #expect(shop.sources == [
            Source(name: "orders", kind: .csv(path: "manifest/demo/orders.csv"), cursor: "updated_at"),
            Source(name: "order_items", kind: .ndjson(path: "manifest/demo/order_items_{date}.ndjson")),
            Source(name: "legacy", kind: .sqlite(path: "data/legacy.db", query: "SELECT * FROM \"customers\"")),
            Source(name: "products", kind: .sqlite(path: "data/legacy.db", query: "select * from products where active = 1")),
        ])

        #expect(shop.loads.count == 4)
        #expect(shop.loads.first == Load(
            source: "orders", table: TableName(dataset: "raw", table: "orders"), write: .merge(key: ["order_id"]),
            partitionBy: "order_date",
            columns: [
                Column(name: "order_id", type: .integer), Column(name: "status", type: .string),
                Column(name: "order_date", type: .date), Column(name: "updated_at", type: .timestamp),
                Column(name: "total", type: .float), Column(name: "paid", type: .boolean),
            ],
            maxBadRecords: 10
        ))
        #expect(shop.loads.map(\.write) == [
            .merge(key: ["order_id"]), .append, .truncate, .merge(key: ["product_id", "variant"]),
        ])
        #expect(shop.loads[1].maxBadRecords == 0)
        #expect(shop.loads[1].columns.isEmpty)

        let stgOrders = try #require(shop.model(named: TableName(dataset: "staging", table: "stg_orders")))
        #expect(stgOrders.sqlPath == "manifest/models/staging/stg_orders.sql")
        #expect(stgOrders.sql == fullFixtureSQL["manifest/models/staging/stg_orders.sql"])
        #expect(stgOrders.sqliteSQL == fullFixtureSQL["manifest/models/staging/stg_orders.sqlite.sql"])
        #expect(stgOrders.materialized == .incremental(uniqueKey: ["order_id"]))
        #expect(stgOrders.partitionBy == "order_date")
        #expect(stgOrders.dependencies == [TableName(dataset: "raw", table: "orders")])
        #expect(shop.models.map(\.materialized) == [.incremental(uniqueKey: ["order_id"]), .view, .table])
        #expect(shop.models[1].dependencies.map(\.description) == ["raw.order_items", "staging.stg_orders"])
        #expect(shop.models[2].dependencies.map(\.description) == [
            "staging.stg_order_items", "staging.stg_orders", "raw.customers", "raw.products",
        ])

        #expect(shop.checks.map(\.name) == [
            "freshness_orders", "volume_orders", "volume_order_items", "not_null_stg_orders_order_id",
            "unique_stg_orders_order_id", "unique_stg_order_items_order_id_line_number",
            "accepted_values_stg_orders_status", "relationships_stg_order_items_order_id", "negative_totals",
            "orders_stale_soon",
        ])
        let orders = TableName(dataset: "raw", table: "orders")
        #expect(shop.checks[0].kind == .freshness(orders, loadedAt: "updated_at", warnAfter: .hours(3), errorAfter: .hours(6)))
        #expect(shop.checks[1].kind == .volume(orders, VolumeSettings(
            dateColumn: "order_date", sensitivity: 2.5, trainingDays: 21, seasonality: .dayOfWeek, direction: .drop
        )))
        #expect(shop.checks[2].kind == .volume(TableName(dataset: "raw", table: "order_items"), VolumeSettings()))
        #expect(shop.checks[4].severity == .warn)
        #expect(shop.checks[3].severity == .error)
        #expect(shop.checks[6].kind == .acceptedValues(
            TableName(dataset: "staging", table: "stg_orders"), column: "status", values: ["delivered", "shipped"]
        ))
        #expect(shop.checks[7].kind == .relationships(
            TableName(dataset: "staging", table: "stg_order_items"), column: "order_id",
            to: TableName(dataset: "staging", table: "stg_orders"), field: "order_id"
        ))
        #expect(shop.checks[8].kind == .sql(query: "select * from mart.daily_sales where revenue < 0"))
        #expect(shop.checks[8].severity == .warn)
        #expect(shop.checks[9].kind == .freshness(orders, loadedAt: nil, warnAfter: .days(1), errorAfter: nil))

        let finance = try #require(manifest.pipeline(named: "finance"))
        #expect(finance.schedule == nil)
        #expect(finance.channel == nil)
        #expect(finance.maxParallelism == 4)
        #expect(finance.models.first?.dependencies == [TableName(dataset: "mart", table: "daily_sales")])
        #expect(manifest.tables.count == 8)
    }

    @Test("defaults apply when optional sections are left out")
    func defaults() throws {
        let manifest = try parseManifest(baseManifest, files: baseSQL).get()
        #expect(manifest.warehouse == .sqlite(path: ".sluice/warehouse"))
        #expect(manifest.cost == CostConfig())
        #expect(manifest.slack.escalateAfter == .minutes(60))
        #expect(manifest.slack.digest == nil)
        #expect(manifest.access.operators.isEmpty)
        #expect(manifest.backfill.maxDays == 31)
        let model = try #require(manifest.pipelines.first?.models.first)
        #expect(model.materialized == .table)
        #expect(manifest.pipelines.first?.checks.first?.name == "not_null_orders_order_id")
    }

    @Test("YAML anchors and merge keys share settings; the mapping's own keys win")
    func mergeKeys() throws {
        let yaml = baseManifest.replacingOccurrences(
            of: "    loads:\n      - { source: orders, table: raw.orders, write: append }",
            with: """
                    loads:
                      - &load { source: orders, table: raw.orders, write: merge, key: order_id, max_bad_records: 5 }
                      - { <<: *load, table: raw.orders_copy }
                """
        )
        let manifest = try parseManifest(yaml, files: baseSQL).get()
        let loads = try #require(manifest.pipelines.first?.loads)
        #expect(loads.map(\.table.description) == ["raw.orders", "raw.orders_copy"])
        #expect(loads.last?.write == .merge(key: ["order_id"]))
        #expect(loads.last?.maxBadRecords == 5)
    }

    @Test("without slack.default_channel, every pipeline needs its own channel")
    func defaultChannelFallsBackToPipelineChannel() throws {
        let yaml = baseManifest
            .replacingOccurrences(of: "slack: { default_channel: \"#data\" }\n", with: "")
            .replacingOccurrences(of: "  shop:\n", with: "  shop:\n    channel: \"#shop\"\n")
        let manifest = try parseManifest(yaml, files: baseSQL).get()
        #expect(manifest.slack.defaultChannel == "#shop")
    }

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

    // MARK: Diagnostic categories

    static let unknownKeys: [ManifestProblemCase] = [
        ManifestProblemCase(
            title: "top-level key",
            yaml: baseManifest.replacingOccurrences(of: "timezone: UTC", with: "timezone: UTC\ntimezon: UTC"),
            expected: ["2:1: unknown key 'timezon' in the manifest; did you mean 'timezone'?"]
        ),
        ManifestProblemCase(
            title: "pipeline key without a near match lists the valid keys",
            yaml: baseManifest.replacingOccurrences(of: "  shop:\n", with: "  shop:\n    colour: blue\n"),
            expected: [
                "5:5: unknown key 'colour' in pipeline 'shop'; expected 'schedule', 'channel', 'owners', "
                    + "'max_parallelism', 'sources', 'loads', 'models' or 'checks'",
            ]
        ),
        ManifestProblemCase(
            title: "load key",
            yaml: baseManifest.replacingOccurrences(of: "write: append }", with: "write: append, partiton_by: day }"),
            expected: ["8:61: unknown key 'partiton_by' in load into 'raw.orders'; did you mean 'partition_by'?"]
        ),
        ManifestProblemCase(
            title: "check key",
            yaml: baseManifest.replacingOccurrences(of: "column: order_id }", with: "columns: order_id }"),
            expected: [
                "12:9: check 'not_null_orders' is missing required key 'column'",
                "12:33: unknown key 'columns' in check 'not_null_orders'; did you mean 'column'?",
            ]
        ),
        ManifestProblemCase(
            title: "check without a kind",
            yaml: baseManifest.replacingOccurrences(of: "{ not_null: raw.orders, column: order_id }", with: "{ not_nul: raw.orders, column: order_id }"),
            expected: ["12:11: unknown key 'not_nul' in check #1 of pipeline 'shop'; did you mean 'not_null'?"]
        ),
        ManifestProblemCase(
            title: "check with an unknown kind",
            yaml: baseManifest.replacingOccurrences(of: "{ not_null: raw.orders, column: order_id }", with: "{ row_count: raw.orders }"),
            expected: [
                "12:9: check #1 of pipeline 'shop' needs exactly one kind key: "
                    + "freshness, volume, not_null, unique, accepted_values, relationships or sql",
            ]
        ),
        ManifestProblemCase(
            title: "check with two kinds",
            yaml: baseManifest.replacingOccurrences(of: "column: order_id }", with: "column: order_id, unique: raw.orders }"),
            expected: [
                "12:51: check 'not_null_orders_order_id' has more than one kind ('not_null' and 'unique'); "
                    + "write each as its own check",
            ]
        ),
        ManifestProblemCase(
            title: "unique with both column and columns",
            yaml: baseManifest + "\n      - { unique: raw.orders, column: a, columns: [a, b] }",
            expected: ["13:42: check 'unique_orders_a_b' has both 'column' and 'columns'; keep one of them"]
        ),
        ManifestProblemCase(
            title: "sqlite source with both table and query",
            yaml: baseManifest.replacingOccurrences(
                of: "{ kind: csv, path: orders.csv, cursor: updated_at }",
                with: "{ kind: sqlite, path: shop.db, table: orders, query: select 1 }"
            ),
            expected: ["6:61: source 'orders' has both 'table' and 'query'; keep one of them"]
        ),
        ManifestProblemCase(
            title: "warehouse key depends on its kind",
            yaml: baseManifest.replacingOccurrences(of: "timezone: UTC", with: "timezone: UTC\nwarehouse: { kind: sqlite, project: p }"),
            expected: ["2:28: unknown key 'project' in 'warehouse'; expected 'kind' or 'path'"]
        ),
    ]

    @Test("unknown, missing-kind and conflicting keys are reported, with the nearest valid key", arguments: unknownKeys)
    func unknownKey(_ problem: ManifestProblemCase) {
        #expect(problems(problem.yaml, files: problem.files) == problem.expected)
    }

    static let wrongValues: [ManifestProblemCase] = [
        ManifestProblemCase(
            title: "integer expected",
            yaml: baseManifest.replacingOccurrences(of: "  shop:\n", with: "  shop:\n    max_parallelism: four\n"),
            expected: ["5:22: 'max_parallelism' must be an integer, got 'four'"]
        ),
        ManifestProblemCase(
            title: "integer out of range",
            yaml: baseManifest.replacingOccurrences(of: "  shop:\n", with: "  shop:\n    max_parallelism: 40\n"),
            expected: ["5:22: 'max_parallelism' must be between 1 and 32, got 40"]
        ),
        ManifestProblemCase(
            title: "training days below the minimum",
            yaml: baseManifest + "\n      - { volume: raw.orders, training_days: 3 }",
            expected: ["13:46: 'training_days' must be at least 7, got 3"]
        ),
        ManifestProblemCase(
            title: "sensitivity must be positive",
            yaml: baseManifest + "\n      - { volume: raw.orders, sensitivity: 0 }",
            expected: ["13:44: 'sensitivity' must be greater than zero, got '0'"]
        ),
        ManifestProblemCase(
            title: "a choice with a near miss",
            yaml: baseManifest.replacingOccurrences(of: "write: append", with: "write: apend"),
            expected: ["8:53: 'write' must be truncate, append or merge, got 'apend'; did you mean 'append'?"]
        ),
        ManifestProblemCase(
            title: "a list where a value belongs",
            yaml: baseManifest.replacingOccurrences(of: "  shop:\n", with: "  shop:\n    channel: [a, b]\n"),
            expected: ["5:14: 'channel' must be a single value, got a list"]
        ),
        ManifestProblemCase(
            title: "a table name without a dataset",
            yaml: baseManifest.replacingOccurrences(of: "table: raw.orders", with: "table: orders"),
            expected: [
                "8:34: 'table' must be a table name written dataset.table (for example raw.orders), got 'orders'",
                "10:42: model 'staging.stg_orders' reads unknown table 'raw.orders' in stg.sql; no load or model writes it",
                "12:21: check 'not_null_orders_order_id' checks unknown table 'raw.orders'; pipeline 'shop' does not load or build it",
            ]
        ),
        ManifestProblemCase(
            title: "Slack ids",
            yaml: baseManifest.replacingOccurrences(of: "  shop:\n", with: "  shop:\n    owners: [U0123ABCD, alice]\n"),
            expected: [
                "5:25: 'alice' in 'owners' is not a Slack user id (U… or W…) or user-group id (S…); "
                    + "copy it from the member's or group's profile",
            ]
        ),
        ManifestProblemCase(
            title: "column types",
            yaml: baseManifest.replacingOccurrences(
                of: "write: append }", with: "write: append, columns: { order_id: int, updated_at: timestamp } }"
            ),
            expected: [
                "8:82: type of column 'order_id' must be string, integer, float, boolean, date or timestamp, got 'int'",
            ]
        ),
        ManifestProblemCase(
            title: "byte sizes",
            yaml: baseManifest.replacingOccurrences(of: "timezone: UTC", with: "timezone: UTC\ncost: { maximum_bytes_billed: 50 gigs }"),
            expected: ["2:31: 'maximum_bytes_billed' must be a size such as 50GB, 500MiB or 1TiB, got '50 gigs'"]
        ),
        ManifestProblemCase(
            title: "digest time",
            yaml: baseManifest.replacingOccurrences(of: "slack: { default_channel: \"#data\" }", with: "slack: { default_channel: \"#data\", digest: { at: \"9am\" } }"),
            expected: ["2:50: 'at' must be a time of day written HH:MM (for example \"09:00\"), got '9am'"]
        ),
        ManifestProblemCase(
            title: "merge key must be a declared column",
            yaml: baseManifest.replacingOccurrences(
                of: "write: append }",
                with: "write: merge, key: order_ud, columns: { order_id: integer, updated_at: timestamp } }"
            ),
            expected: [
                "8:65: key column 'order_ud' is not among the columns of load into 'raw.orders'; did you mean 'order_id'?",
            ]
        ),
        ManifestProblemCase(
            title: "the source cursor must be a declared column",
            yaml: baseManifest.replacingOccurrences(of: "write: append }", with: "write: append, columns: { order_id: integer } }"),
            expected: [
                "8:61: cursor 'updated_at' of source 'orders' is not among the columns of load into 'raw.orders'",
            ]
        ),
        ManifestProblemCase(
            title: "key only with merge",
            yaml: baseManifest.replacingOccurrences(of: "write: append }", with: "write: append, key: order_id }"),
            expected: ["8:61: 'key' only applies to 'write: merge', but load into 'raw.orders' uses 'write: append'"]
        ),
    ]

    @Test("wrong types and values name the key and the value given", arguments: wrongValues)
    func wrongValue(_ problem: ManifestProblemCase) {
        #expect(problems(problem.yaml, files: problem.files) == problem.expected)
    }

    static let missingKeys: [ManifestProblemCase] = [
        ManifestProblemCase(
            title: "timezone and pipelines",
            yaml: "slack: { default_channel: \"#d\" }",
            expected: [
                "1:1: the manifest is missing required key 'timezone'",
                "1:1: the manifest is missing required key 'pipelines'",
            ]
        ),
        ManifestProblemCase(
            title: "source kind",
            yaml: baseManifest.replacingOccurrences(of: "{ kind: csv, path: orders.csv, cursor: updated_at }", with: "{ path: orders.csv }"),
            expected: [
                "6:15: source 'orders' is missing required key 'kind'",
            ]
        ),
        ManifestProblemCase(
            title: "load write",
            yaml: baseManifest.replacingOccurrences(of: ", write: append", with: ""),
            expected: ["8:9: load into 'raw.orders' is missing required key 'write'"]
        ),
        ManifestProblemCase(
            title: "merge needs a key",
            yaml: baseManifest.replacingOccurrences(of: "write: append", with: "write: merge"),
            expected: [
                "8:9: load into 'raw.orders' uses 'write: merge' and needs 'key': the column or columns rows are matched on",
            ]
        ),
        ManifestProblemCase(
            title: "model sql",
            yaml: baseManifest.replacingOccurrences(of: ", sql: stg.sql", with: ""),
            expected: ["10:9: model 'staging.stg_orders' is missing required key 'sql'"]
        ),
        ManifestProblemCase(
            title: "incremental model needs a unique key",
            yaml: baseManifest.replacingOccurrences(of: "sql: stg.sql }", with: "sql: stg.sql, materialized: incremental }"),
            expected: [
                "10:9: model 'staging.stg_orders' is 'materialized: incremental' and needs 'unique_key': "
                    + "the column or columns rows are merged on",
            ]
        ),
        ManifestProblemCase(
            title: "freshness needs a threshold",
            yaml: baseManifest + "\n      - { freshness: raw.orders }",
            expected: ["13:9: check 'freshness_orders' needs 'warn_after', 'error_after' or both (for example warn_after: 3h)"]
        ),
        ManifestProblemCase(
            title: "sqlite source needs a table or a query",
            yaml: baseManifest.replacingOccurrences(of: "{ kind: csv, path: orders.csv, cursor: updated_at }", with: "{ kind: sqlite, path: legacy.db }"),
            expected: ["6:15: source 'orders' needs 'table' or 'query' to say what to read"]
        ),
        ManifestProblemCase(
            title: "a key with no value",
            yaml: baseManifest.replacingOccurrences(of: "timezone: UTC", with: "timezone:"),
            expected: ["1:1: 'timezone' in the manifest needs a value"]
        ),
        ManifestProblemCase(
            title: "default channel needed by a pipeline without one",
            yaml: baseManifest.replacingOccurrences(of: "slack: { default_channel: \"#data\" }\n", with: ""),
            expected: ["3:3: pipeline 'shop' has no 'channel' and 'slack.default_channel' is not set; set one of them"]
        ),
    ]

    @Test("missing required keys are reported at the enclosing mapping", arguments: missingKeys)
    func missingKey(_ problem: ManifestProblemCase) {
        #expect(problems(problem.yaml, files: problem.files) == problem.expected)
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

    // MARK: ByteSize and NearestName

    static let byteSizes: [(String, Int64)] = [
        ("50GB", 50_000_000_000), ("10 MB", 10_000_000), ("1TiB", 1 << 40), ("500MiB", 500 << 20),
        ("1048576", 1_048_576), ("2kb", 2_000), ("1.5GB", 1_500_000_000), ("0", 0), ("7 B", 7),
    ]

    @Test("byte sizes", arguments: byteSizes)
    func byteSize(_ text: String, _ bytes: Int64) {
        #expect(ByteSize.parse(text) == bytes)
    }

    @Test("byte sizes that are not sizes", arguments: ["", "GB", "-5GB", "5 gigs", "1.5", "1.2.3GB", "99999999999PB", ".5GB"])
    func invalidByteSize(_ text: String) {
        #expect(ByteSize.parse(text) == nil)
    }

    @Test("nearest names")
    func nearestNames() {
        let keys = ["schedule", "channel", "owners", "max_parallelism", "sources", "loads", "models", "checks"]
        #expect(NearestName.suggestions(for: "shedule", in: keys) == ["schedule"])
        #expect(NearestName.suggestions(for: "chanel", in: keys) == ["channel"])
        #expect(NearestName.suggestions(for: "MODELS", in: keys) == ["models"])
        #expect(NearestName.suggestions(for: "sourcse", in: keys) == ["sources"])
        #expect(NearestName.suggestions(for: "xyzzy", in: keys).isEmpty)
        #expect(NearestName.suggestions(for: "schedule", in: keys).isEmpty)
        #expect(NearestName.suggestions(for: "orders", in: ["raw.orders", "staging.stg_orders", "raw.customers"]) == ["raw.orders"])
        #expect(NearestName.suggestions(for: "London", in: ["Europe/London", "Europe/Paris"]) == ["Europe/London"])
        #expect(NearestName.suggestions(for: "load", in: ["loads", "loaf", "lead", "road", "goad"], limit: 2) == ["loads", "loaf"])
        #expect(NearestName.suggestions(for: "load", in: ["loads"], limit: 0).isEmpty)
    }
}
