import SluiceCore
import Testing

@Suite("The columns a check names, and what is said when its table lacks one")
struct CheckColumnsTests {
    static let sales = TableName(dataset: "raw", table: "sales")
    static let customers = TableName(dataset: "raw", table: "customers")
    static let schema = [sales: ["id", "amount", "sold_at"], customers: ["customer_id", "name"]]

    static func check(_ kind: CheckKind) -> Check {
        Check(name: "c", kind: kind, severity: .error)
    }

    static func references(_ kind: CheckKind) -> [String] {
        CheckColumns.references(of: check(kind)).map { "\($0.key) \($0.table).\($0.column)" }
    }

    static func messages(_ kind: CheckKind) -> [String] {
        CheckColumns.missing(in: check(kind), columns: schema).map(\.message)
    }

    @Test func eachKindNamesItsColumnsOnTheTableThatMustHaveThem() {
        #expect(Self.references(.notNull(Self.sales, column: "id")) == ["column raw.sales.id"])
        #expect(Self.references(.unique(Self.sales, columns: ["id"])) == ["column raw.sales.id"])
        #expect(Self.references(.unique(Self.sales, columns: ["id", "sold_at"])) == ["columns raw.sales.id", "columns raw.sales.sold_at"])
        #expect(Self.references(.acceptedValues(Self.sales, column: "status", values: ["a"])) == ["column raw.sales.status"])
        #expect(
            Self.references(.relationships(Self.sales, column: "customer_id", to: Self.customers, field: "customer_id"))
                == ["column raw.sales.customer_id", "field raw.customers.customer_id"])
        #expect(Self.references(.freshness(Self.sales, loadedAt: "sold_at", warnAfter: nil, errorAfter: nil)) == ["loaded_at raw.sales.sold_at"])
        #expect(Self.references(.freshness(Self.sales, loadedAt: nil, warnAfter: nil, errorAfter: nil)).isEmpty)
        #expect(Self.references(.volume(Self.sales, VolumeSettings(dateColumn: "sold_at"))) == ["date_column raw.sales.sold_at"])
        #expect(Self.references(.volume(Self.sales, VolumeSettings())).isEmpty)
        #expect(Self.references(.sql(query: "select * from raw.sales")).isEmpty)
        #expect(CheckColumns.tables(of: Self.check(.relationships(Self.sales, column: "customer_id", to: Self.customers, field: "customer_id")))
            == [Self.sales, Self.customers])
    }

    @Test func aMissingColumnIsNamedWithTheTablesColumnsAndTheNearestOne() {
        #expect(Self.messages(.notNull(Self.sales, column: "idd")) == [
            "table raw.sales has no column 'idd' (its columns: id, amount, sold_at; did you mean 'id'?)",
        ])
        #expect(Self.messages(.unique(Self.sales, columns: ["id", "amonut", "sold_att"])) == [
            "table raw.sales has no column 'amonut' (its columns: id, amount, sold_at; did you mean 'amount'?)",
            "table raw.sales has no column 'sold_att' (its columns: id, amount, sold_at; did you mean 'sold_at'?)",
        ])
        #expect(Self.messages(.acceptedValues(Self.sales, column: "zzzz", values: ["a"])) == [
            "table raw.sales has no column 'zzzz' (its columns: id, amount, sold_at)",
        ], "nothing is near: no suggestion")
        #expect(Self.messages(.relationships(Self.sales, column: "id", to: Self.customers, field: "custmer_id")) == [
            "table raw.customers has no column 'custmer_id' (its columns: customer_id, name; did you mean 'customer_id'?)",
        ], "the parent's field is looked up in the parent table")
    }

    @Test func namesCompareWithoutCaseAndTablesWithoutAKnownSchemaAreNotJudged() {
        #expect(Self.messages(.notNull(Self.sales, column: "ID")).isEmpty)
        #expect(Self.messages(.freshness(Self.sales, loadedAt: "Sold_At", warnAfter: nil, errorAfter: nil)).isEmpty)
        let elsewhere = TableName(dataset: "raw", table: "elsewhere")
        #expect(CheckColumns.missing(in: Self.check(.notNull(elsewhere, column: "x")), columns: Self.schema).isEmpty, "not built yet")
        #expect(CheckColumns.missing(in: Self.check(.notNull(elsewhere, column: "x")), columns: [elsewhere: []]).isEmpty, "schema unknown")
    }
}
