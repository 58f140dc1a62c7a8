import Testing
import SluiceCore

@Suite("SQL table references")
struct SQLTableReferencesTests {
    /// The references found in `sql`, as `dataset.table` strings.
    private func tables(_ sql: String) -> [String] {
        SQLTableReferences.find(in: sql).map(\.description)
    }

    static let references: [(String, [String])] = [
        ("select * from raw.orders", ["raw.orders"]),
        ("SELECT * FROM raw.orders o JOIN raw.customers c ON c.id = o.customer_id", ["raw.orders", "raw.customers"]),
        ("select * From raw.orders left outer join staging.items using (id) cross join mart.x", ["raw.orders", "staging.items", "mart.x"]),
        ("select * from raw.a, raw.b as b, raw.c c where a.id = b.id", ["raw.a", "raw.b", "raw.c"]),
        ("select * from raw.a, raw.a join raw.b on true", ["raw.a", "raw.b"]),
        ("select * from my_project.raw.orders", ["raw.orders"]),
        ("select * from `my-proj.raw.orders`", ["raw.orders"]),
        ("select * from `raw.orders` join `raw`.`items` using (id)", ["raw.orders", "raw.items"]),
        ("select * from \"raw\".\"orders\"", ["raw.orders"]),
        ("select * from (select * from raw.a) s, raw.b", ["raw.a", "raw.b"]),
        ("select (select max(x) from raw.z) from raw.y", ["raw.z", "raw.y"]),
        ("select * from raw.orders where id in (select id from staging.keep)", ["raw.orders", "staging.keep"]),
    ]

    @Test("finds dataset.table after FROM and JOIN", arguments: references)
    func finds(_ sql: String, _ expected: [String]) {
        #expect(tables(sql) == expected)
    }

    static let nonReferences: [(String, [String])] = [
        ("select 'from raw.fake' as s from raw.real", ["raw.real"]),
        ("select \"from raw.fake\" from raw.real", ["raw.real"]),
        ("select '''it's from raw.fake''' from raw.real", ["raw.real"]),
        ("select 'it''s' as a, 'x\\' from raw.fake' as b from raw.real", ["raw.real"]),
        ("-- from raw.fake\nselect * from raw.real", ["raw.real"]),
        ("# from raw.fake\nselect * from raw.real", ["raw.real"]),
        ("/* select * from raw.fake */ select * /* join raw.fake2 */ from raw.real", ["raw.real"]),
        ("with recent as (select * from raw.orders) select * from recent join recent r2 using (id)", ["raw.orders"]),
        ("select * from orders", []),
        ("select * from raw.INFORMATION_SCHEMA.TABLES", []),
        ("select * from `region-us`.INFORMATION_SCHEMA.JOBS", []),
        ("select extract(year from o.order_date) from raw.orders o", ["raw.orders"]),
        ("select substring(name from 2) from raw.people", ["raw.people"]),
        ("select * from raw.a x where x.v is distinct from y.v", ["raw.a"]),
        ("select * from raw.orders o, unnest(o.items) as item", ["raw.orders"]),
        ("select * from raw.orders o, o.items as item", ["raw.orders"]),
        ("select * from raw.events_*", []),
        ("select * from ML.PREDICT(MODEL m, (select * from raw.features))", ["raw.features"]),
        ("select 1", []),
        ("", []),
    ]

    @Test("ignores what is not a table reference", arguments: nonReferences)
    func ignores(_ sql: String, _ expected: [String]) {
        #expect(tables(sql) == expected)
    }

    @Test("is unique and in first-seen order, in any keyword case")
    func orderAndCase() {
        let sql = """
            WITH totals AS (SELECT * FROM mart.totals)
            select * fRoM raw.b
            JoIn raw.a on true
            join raw.b on true
            , raw.c
            """
        #expect(tables(sql) == ["mart.totals", "raw.b", "raw.a"])
    }

    @Test("an unterminated comment or string does not crash and hides the rest")
    func unterminated() {
        #expect(tables("select * from raw.a /* from raw.b") == ["raw.a"])
        #expect(tables("select 'from raw.b from raw.a") == [])
    }
}
