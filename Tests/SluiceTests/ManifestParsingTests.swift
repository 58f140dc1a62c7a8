import Foundation
import Testing
import SluiceCore

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


/// Valid manifests: the full fixture's values, defaults, YAML merge keys, the default channel.
@Suite("Manifest parser: valid manifests")
struct ManifestParsingTests {
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
        #expect(manifest.pipelines.first?.sources.first?.encoding == .utf8)
        #expect(manifest.pipelines.first?.loads.first?.maxFieldSize == 1 << 20)
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

    @Test("a source's encoding is read by name or alias in any case; max_field_size as a byte size")
    func encodingAndFieldSize() throws {
        let expected: [(String, SourceEncoding)] = [
            ("utf-8", .utf8), ("latin1", .latin1), ("ISO-8859-1", .latin1), ("windows-1252", .windows1252), ("cp1252", .windows1252),
        ]
        for (name, encoding) in expected {
            let yaml = baseManifest
                .replacingOccurrences(of: "cursor: updated_at }", with: "cursor: updated_at, encoding: \(name) }")
                .replacingOccurrences(of: "write: append }", with: "write: append, max_field_size: 512KB }")
            let pipeline = try #require(try parseManifest(yaml, files: baseSQL).get().pipelines.first)
            #expect(pipeline.sources.first?.encoding == encoding, "\(name)")
            #expect(pipeline.loads.first?.maxFieldSize == 512_000)
        }
    }

    @Test("without slack.default_channel, every pipeline needs its own channel")
    func defaultChannelFallsBackToPipelineChannel() throws {
        let yaml = baseManifest
            .replacingOccurrences(of: "slack: { default_channel: \"#data\" }\n", with: "")
            .replacingOccurrences(of: "  shop:\n", with: "  shop:\n    channel: \"#shop\"\n")
        let manifest = try parseManifest(yaml, files: baseSQL).get()
        #expect(manifest.slack.defaultChannel == "#shop")
    }
}
