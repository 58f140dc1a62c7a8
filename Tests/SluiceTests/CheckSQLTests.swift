import Foundation
import SluiceCore
import Testing

/// A check and the SQL it compiles to in each dialect.
struct CheckSQLCase: Sendable, CustomTestStringConvertible {
    let check: Check
    let sqlite: String?
    let bigquery: String?

    var testDescription: String { check.name }
}

private let orders = TableName(dataset: "staging", table: "stg_orders")
private let customers = TableName(dataset: "raw", table: "customers")

@Suite("CheckSQL")
struct CheckSQLTests {
    static let cases: [CheckSQLCase] = [
        CheckSQLCase(
            check: Check(name: "not_null", kind: .notNull(orders, column: "order_id"), severity: .error),
            sqlite: #"select * from "staging"."stg_orders" where "order_id" is null"#,
            bigquery: "select * from `staging.stg_orders` where `order_id` is null"),
        CheckSQLCase(
            check: Check(name: "unique", kind: .unique(orders, columns: ["order_id"]), severity: .error),
            sqlite: #"select "order_id", count(*) as "occurrences" from "staging"."stg_orders" where "order_id" is not null group by "order_id" having count(*) > 1 order by "occurrences" desc, "order_id""#,
            bigquery: "select `order_id`, count(*) as `occurrences` from `staging.stg_orders` where `order_id` is not null group by `order_id` having count(*) > 1 order by `occurrences` desc, `order_id`"),
        CheckSQLCase(
            check: Check(name: "unique_pair", kind: .unique(orders, columns: ["order_id", "line"]), severity: .error),
            sqlite: #"select "order_id", "line", count(*) as "occurrences" from "staging"."stg_orders" where "order_id" is not null and "line" is not null group by "order_id", "line" having count(*) > 1 order by "occurrences" desc, "order_id", "line""#,
            bigquery: "select `order_id`, `line`, count(*) as `occurrences` from `staging.stg_orders` where `order_id` is not null and `line` is not null group by `order_id`, `line` having count(*) > 1 order by `occurrences` desc, `order_id`, `line`"),
        CheckSQLCase(
            check: Check(name: "accepted", kind: .acceptedValues(orders, column: "status", values: ["placed", "it's", #"a\b"#]), severity: .warn),
            sqlite: #"select * from "staging"."stg_orders" where "status" is not null and cast("status" as text) not in ('placed', 'it''s', 'a\b')"#,
            bigquery: #"select * from `staging.stg_orders` where `status` is not null and cast(`status` as string) not in ('placed', 'it\'s', 'a\\b')"#),
        CheckSQLCase(
            check: Check(name: "accepted_none", kind: .acceptedValues(orders, column: "status", values: []), severity: .error),
            sqlite: #"select * from "staging"."stg_orders" where "status" is not null"#,
            bigquery: "select * from `staging.stg_orders` where `status` is not null"),
        CheckSQLCase(
            check: Check(name: "relationships", kind: .relationships(orders, column: "customer_id", to: customers, field: "id"), severity: .error),
            sqlite: #"select child.* from "staging"."stg_orders" as child left join "raw"."customers" as parent on child."customer_id" = parent."id" where child."customer_id" is not null and parent."id" is null"#,
            bigquery: "select child.* from `staging.stg_orders` as child left join `raw.customers` as parent on child.`customer_id` = parent.`id` where child.`customer_id` is not null and parent.`id` is null"),
        CheckSQLCase(
            check: Check(name: "negative_totals", kind: .sql(query: "  select * from mart.daily_sales where revenue < 0 ; ;\n"), severity: .warn),
            sqlite: "select * from mart.daily_sales where revenue < 0",
            bigquery: "select * from mart.daily_sales where revenue < 0"),
        CheckSQLCase(
            check: Check(name: "fresh", kind: .freshness(orders, loadedAt: "updated_at", warnAfter: .hours(3), errorAfter: .hours(6)), severity: .error),
            sqlite: nil, bigquery: nil),
        CheckSQLCase(
            check: Check(name: "volume", kind: .volume(orders, VolumeSettings()), severity: .error),
            sqlite: nil, bigquery: nil),
    ]

    @Test("failing-rows queries", arguments: cases)
    func query(_ example: CheckSQLCase) {
        #expect(CheckSQL.failingRowsQuery(for: example.check, dialect: .sqlite) == example.sqlite)
        #expect(CheckSQL.failingRowsQuery(for: example.check, dialect: .bigquery) == example.bigquery)
    }

    static let literalCases: [(String, SQLDialect, String)] = [
        ("plain", SQLDialect.sqlite, "'plain'"), ("o'clock", .sqlite, "'o''clock'"), ("line\nbreak", .sqlite, "'line\nbreak'"),
        ("o'clock", .bigquery, #"'o\'clock'"#), (#"back\slash"#, .bigquery, #"'back\\slash'"#),
        ("line\nbreak\ttab", .bigquery, #"'line\nbreak\ttab'"#), ("", .bigquery, "''"),
    ]

    @Test("literals and identifiers are escaped", arguments: literalCases)
    func literal(_ value: String, _ dialect: SQLDialect, _ expected: String) {
        #expect(CheckSQL.literal(value, dialect) == expected)
    }

    @Test("identifiers are quoted")
    func identifiers() {
        #expect(CheckSQL.quote(#"we"ird"#, .sqlite) == #""we""ird""#)
        #expect(CheckSQL.quote("we`ird", .bigquery) == #"`we\`ird`"#)
        #expect(CheckSQL.quote(customers, .sqlite) == #""raw"."customers""#)
        #expect(CheckSQL.quote(customers, .bigquery) == "`raw.customers`")
    }

    /// A check, the failing count, and the outcome's status and summary.
    static let outcomeCases: [(Check, Int64, CheckStatus, String)] = [
        (Check(name: "n", kind: .notNull(orders, column: "order_id"), severity: .error), 3, .fail,
         "3 rows of staging.stg_orders have NULL order_id"),
        (Check(name: "n", kind: .notNull(orders, column: "order_id"), severity: .error), 1, .fail,
         "1 row of staging.stg_orders has NULL order_id"),
        (Check(name: "n", kind: .notNull(orders, column: "order_id"), severity: .warn), 1_200_000, .warn,
         "1.2M rows of staging.stg_orders have NULL order_id"),
        (Check(name: "n", kind: .notNull(orders, column: "order_id"), severity: .error), 0, .pass,
         "No NULL order_id in staging.stg_orders"),
        (Check(name: "u", kind: .unique(orders, columns: ["order_id"]), severity: .error), 2, .fail,
         "2 values of order_id appear more than once in staging.stg_orders"),
        (Check(name: "u", kind: .unique(orders, columns: ["order_id", "line"]), severity: .error), 1, .fail,
         "1 combination of (order_id, line) appears more than once in staging.stg_orders"),
        (Check(name: "u", kind: .unique(orders, columns: ["order_id"]), severity: .error), 0, .pass,
         "order_id is unique in staging.stg_orders"),
        (Check(name: "a", kind: .acceptedValues(orders, column: "status", values: ["placed", "shipped"]), severity: .error), 4, .fail,
         "4 rows of staging.stg_orders have status outside 'placed', 'shipped'"),
        (Check(name: "a", kind: .acceptedValues(orders, column: "s", values: ["a", "b", "c", "d", "e", "f", "g"]), severity: .warn), 1, .warn,
         "1 row of staging.stg_orders has s outside 'a', 'b', 'c', 'd', 'e' and 2 more"),
        (Check(name: "a", kind: .acceptedValues(orders, column: "status", values: ["placed"]), severity: .error), 0, .pass,
         "Every status in staging.stg_orders is an accepted value"),
        (Check(name: "r", kind: .relationships(orders, column: "customer_id", to: customers, field: "id"), severity: .error), 5, .fail,
         "5 rows of staging.stg_orders have customer_id not found in raw.customers.id"),
        (Check(name: "r", kind: .relationships(orders, column: "customer_id", to: customers, field: "id"), severity: .error), 0, .pass,
         "Every customer_id in staging.stg_orders exists in raw.customers.id"),
        (Check(name: "negative_totals", kind: .sql(query: "select 1"), severity: .warn), 2, .warn,
         "negative_totals returned 2 rows"),
        (Check(name: "negative_totals", kind: .sql(query: "select 1"), severity: .error), 0, .pass,
         "negative_totals returned no rows"),
    ]

    @Test("outcomes: status and summary", arguments: outcomeCases)
    func outcome(_ check: Check, _ failing: Int64, _ status: CheckStatus, _ summary: String) {
        let outcome = CheckSQL.outcome(for: check, failingRows: failing, columns: [], rows: [])
        #expect(outcome.status == status)
        #expect(outcome.summary == summary)
        #expect(outcome.failingRows == failing)
    }

    @Test("samples render up to five rows, NULLs and long values")
    func sample() {
        let check = Check(name: "n", kind: .notNull(orders, column: "status"), severity: .error)
        let long = String(repeating: "x", count: 100)
        let rows: [[String?]] = [["12", nil], ["13", "a\nb"], ["14", long], ["15", nil], ["16", nil], ["17", nil], ["18", nil]]
        let outcome = CheckSQL.outcome(for: check, failingRows: 7, columns: ["order_id", "status"], rows: rows, sql: "select 1")
        #expect(outcome.sample.count == 5)
        #expect(outcome.sample[0] == "order_id=12, status=NULL")
        #expect(outcome.sample[1] == "order_id=13, status=a b")
        #expect(outcome.sample[2] == "order_id=14, status=" + String(repeating: "x", count: 59) + "…")
        #expect(outcome.sql == "select 1")
        #expect(outcome.failingRows == 7)
    }

    @Test("a passing check has no sample, and a negative count reads as zero")
    func passingSample() {
        let check = Check(name: "n", kind: .notNull(orders, column: "status"), severity: .error)
        let outcome = CheckSQL.outcome(for: check, failingRows: -1, columns: ["a"], rows: [["1"]])
        #expect(outcome.status == .pass)
        #expect(outcome.sample.isEmpty)
        #expect(outcome.failingRows == 0)
    }
}
