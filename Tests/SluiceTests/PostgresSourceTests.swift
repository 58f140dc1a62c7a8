import Foundation
import SluiceCore
import StateStore
import Testing
import Logging
import Warehouse
@testable import Worker

/// `kind: postgres` against a real PostgreSQL server on loopback, through pipeline runs on the SQLite
/// warehouse: full loads of a table and of a query, incremental loads that keep rows at the
/// watermark, a backfill, a failure mid-stream that leaves everything as it was, every listed type's
/// mapping, connection errors without the password, and TLS.
@Suite("Postgres source", .postgresServer)
struct PostgresSourceTests {
    static let ordersTable = """
        create table orders (order_id bigint primary key, customer_id int, status text, amount numeric(12,2),
                             order_date date, updated_at timestamptz);
        create table payments (id int, order_id bigint, amount numeric, updated_at timestamptz, test boolean);
        insert into orders values
          (1, 10, 'placed', 12.50, '2026-03-01', '2026-03-01 10:00:00.250+00'),
          (2, 11, null, 7.00, '2026-03-02', '2026-03-02 11:00:00+00'),
          (3, 12, 'shipped', 100.10, '2026-03-03', '2026-03-03 12:00:00.75+00');
        insert into payments values
          (1, 1, 12.5, '2026-03-01 10:00:00.5+00', false),
          (2, 2, 7, '2026-03-02 09:00:00+00', true),
          (3, 3, 100.1, '2026-03-03 08:30:00.125+00', false);
        """

    static func shopYAML(partitioned: Bool = false) -> String {
        onePipelineYAML(
            sources: """
                orders:   { kind: postgres, url: "${SHOP_DB_URL}", table: public.orders, cursor: updated_at }
                payments: { kind: postgres, url: "${SHOP_DB_URL}", query: "select id, order_id, amount, updated_at from payments where not test", cursor: updated_at }
                """,
            loads: """
                - source: orders
                  table: raw.orders
                  write: merge
                  key: order_id\(partitioned ? "\n  partition_by: order_date" : "")
                  columns: { order_id: integer, customer_id: integer, status: string, amount: float, order_date: date, updated_at: timestamp }
                - { source: payments, table: raw.payments, write: merge, key: id }
                """)
    }

    private func server() throws -> PostgresServer {
        try #require(PostgresServer.current, "the suite's PostgreSQL server is not running")
    }

    @Test func aTableAndAQueryLoadInFullAndTheQuerysWatermarkRoundTrips() async throws {
        let server = try server()
        let database = try await server.database(Self.ordersTable)
        let shop = try PostgresPipelineHarness(yaml: Self.shopYAML(), url: server.url(database: database))
        let run = try await shop.run()
        #expect(run.state == .succeeded, "\(run.error ?? "")")
        #expect(try await shop.rows("raw.orders", order: "order_id") == [
            ["1", "10", "placed", "12.5", "2026-03-01", "2026-03-01 10:00:00"],
            ["2", "11", nil, "7.0", "2026-03-02", "2026-03-02 11:00:00"],
            ["3", "12", "shipped", "100.1", "2026-03-03", "2026-03-03 12:00:00"],
        ])
        // Undeclared columns arrive as the source's text: exact numerics, UTC timestamps with microseconds.
        #expect(try await shop.rows("raw.payments", "id, order_id, amount, updated_at", order: "id") == [
            ["1", "1", "12.5", "2026-03-01T10:00:00.500000Z"],
            ["3", "3", "100.1", "2026-03-03T08:30:00.125000Z"],
        ])
        #expect(try await shop.watermark("orders") == "2026-03-03 12:00:00")
        #expect(try await shop.watermark("payments") == "2026-03-03T08:30:00.125000Z")

        // A payment at exactly the query's watermark (to the microsecond) still arrives.
        try await server.execute("insert into payments values (4, 3, 1.25, '2026-03-03 08:30:00.125+00', false)", database: database)
        let again = try await shop.run()
        #expect(again.state == .succeeded, "\(again.error ?? "")")
        #expect(try await shop.rows("raw.payments", "id", order: "id") == [["1"], ["3"], ["4"]])
        #expect(try await shop.detail(again, table: "raw.payments").hasPrefix("2 rows read, 1 new, 0 updated, 1 unchanged"))
    }

    @Test func anIncrementalLoadBringsNewAndChangedRowsAndRowsAtTheWatermark() async throws {
        let server = try server()
        let database = try await server.database(Self.ordersTable)
        let shop = try PostgresPipelineHarness(yaml: Self.shopYAML(), url: server.url(database: database))
        #expect(try await shop.run().state == .succeeded)
        #expect(try await shop.watermark("orders") == "2026-03-03 12:00:00")

        try await server.execute("""
            update orders set status = 'delivered', updated_at = '2026-03-05 09:00:00+00' where order_id = 1;
            insert into orders values (4, 13, 'placed', 3.30, '2026-03-04', '2026-03-04 08:00:00+00');
            insert into orders values (5, 14, 'placed', 4.40, '2026-03-03', '2026-03-03 12:00:00+00');
            """, database: database)
        let run = try await shop.run()
        #expect(run.state == .succeeded, "\(run.error ?? "")")
        // Read from the watermark on (>=): order 3 again (unchanged), 5 at the watermark, 4 new, 1 changed.
        #expect(try await shop.detail(run, table: "raw.orders").hasPrefix("4 rows read, 2 new, 1 updated, 1 unchanged"))
        #expect(try await shop.rows("raw.orders", "order_id, status, updated_at", order: "order_id") == [
            ["1", "delivered", "2026-03-05 09:00:00"], ["2", nil, "2026-03-02 11:00:00"], ["3", "shipped", "2026-03-03 12:00:00"],
            ["4", "placed", "2026-03-04 08:00:00"], ["5", "placed", "2026-03-03 12:00:00"],
        ])
        #expect(try await shop.watermark("orders") == "2026-03-05 09:00:00")
    }

    @Test func aBackfillRebuildsExactlyItsDaysFromTheSource() async throws {
        let server = try server()
        let database = try await server.database(Self.ordersTable)
        let shop = try PostgresPipelineHarness(yaml: Self.shopYAML(partitioned: true), url: server.url(database: database))
        #expect(try await shop.run().state == .succeeded)
        try await server.execute("""
            update orders set amount = 8.00, updated_at = '2026-03-06 10:00:00+00' where order_id = 2;
            insert into orders values (6, 15, 'placed', 1.00, '2026-03-02', '2026-03-06 11:00:00+00');
            insert into orders values (7, 16, 'placed', 2.00, '2026-03-03', '2026-03-06 12:00:00+00');
            """, database: database)
        let backfills = BackfillRunner(runner: shop.runner)
        let started = try await backfills.start(pipeline: "shop", days: ["2026-03-02"], requestedBy: "t", channel: "#data")
        #expect(try await backfills.execute(backfillID: started.backfill.id).state == .succeeded)
        // 2026-03-02 rebuilt from the source (order 2 changed, order 6 added); 2026-03-03 untouched (no order 7).
        #expect(try await shop.rows("raw.orders", "order_id, amount, order_date", order: "order_id") == [
            ["1", "12.5", "2026-03-01"], ["2", "8.0", "2026-03-02"], ["3", "100.1", "2026-03-03"], ["6", "1.0", "2026-03-02"],
        ])
        // A backfill does not move the watermark.
        #expect(try await shop.watermark("orders") == "2026-03-03 12:00:00")
    }

    @Test func aSourceFailingMidStreamLeavesTheTableAndTheWatermarkAsTheyWere() async throws {
        let server = try server()
        let database = try await server.database("""
            create table orders (order_id bigint primary key, updated_at timestamptz);
            insert into orders select n, timestamptz '2026-01-01 00:00:00+00' + n * interval '1 second' from generate_series(1, 100) n;
            create index orders_updated_at on orders (updated_at);
            """)
        // Rows stream in index order (no sort first), so the failing row comes after 14,999 rows were sent.
        try await server.execute("alter database \(database) set enable_sort = off")
        let yaml = onePipelineYAML(
            sources: """
                orders: { kind: postgres, url: "${SHOP_DB_URL}", query: "select order_id, updated_at, 1 / (case when order_id = 15000 then 0 else 1 end) as one from orders", cursor: updated_at }
                """,
            loads: """
                - { source: orders, table: raw.orders, write: merge, key: order_id, columns: { order_id: integer, updated_at: timestamp, one: integer } }
                """)
        let shop = try PostgresPipelineHarness(yaml: yaml, url: server.url(database: database))
        #expect(try await shop.run().state == .succeeded)
        let watermark = try await shop.watermark("orders")
        #expect(watermark == "2026-01-01 00:01:40")

        try await server.execute("""
            insert into orders select n, timestamptz '2026-01-01 00:00:00+00' + n * interval '1 second' from generate_series(101, 20000) n;
            """, database: database)
        let failed = try await shop.run()
        #expect(failed.state == .failed)
        let error = try #require(failed.error)
        #expect(error.contains("division by zero"), "\(error)")
        // Rows arrived before the failure (how many: as far as postgres-nio's buffer had handed them over).
        #expect(error.contains(" rows: division by zero") && error.contains("failed after "), "\(error)")
        #expect(error.contains("127.0.0.1:\(server.port) (database \(database)"), "\(error)")
        #expect(try await shop.rows("raw.orders", "count(*)", order: "1") == [["100"]])
        #expect(try await shop.watermark("orders") == watermark)
    }

    @Test func everyListedTypeMapsToTheLoadsValues() async throws {
        let server = try server()
        let database = try await server.database("""
            create type mood as enum ('sad', 'happy');
            create table types (
              id int, i2 smallint, i4 integer, i8 bigint, n numeric, n2 numeric(12,2), n3 numeric, f4 real, f8 double precision,
              t text, vc varchar(10), c char(4), u uuid, b bool, b2 bool, d date, ts timestamp, tz timestamptz, j json, jb jsonb,
              ia int[], ta text[], fa float8[], na numeric[], by bytea, iv interval, m mood, nan numeric);
            insert into types values (1, -32768, 2147483647, -9223372036854775808, 12345678901234567890.123456789, 0.50, -0.001,
              1.5, 0.1, 'héllo, "world"', 'abc', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', true, false, '2024-02-29',
              '2024-05-01 10:00:00.123456', '2024-05-01 12:00:00.5+02', '{"a": 1, "b": [1, 2]}', '{"b": [1, 2], "a": 1}',
              '{1,2,3}', '{a,"b c",NULL}', '{1.5,2}', '{1.10,2}', '\\x0102ff', '1 day 2 hours', 'happy', 'NaN');
            insert into types (id) values (2);
            """)
        let yaml = onePipelineYAML(
            sources: """
                types: { kind: postgres, url: "${SHOP_DB_URL}", table: types }
                typed: { kind: postgres, url: "${SHOP_DB_URL}", query: "select id, i8, n2, f8, b, d, ts, tz from types" }
                """,
            loads: """
                - { source: types, table: raw.types, write: truncate }
                - { source: typed, table: raw.typed, write: truncate, columns: { id: integer, i8: integer, n2: float, f8: float, b: boolean, d: date, ts: timestamp, tz: timestamp } }
                """)
        let shop = try PostgresPipelineHarness(yaml: yaml, url: server.url(database: database))
        let run = try await shop.run()
        #expect(run.state == .succeeded, "\(run.error ?? "")")
        let columns = "id, i2, i4, i8, n, n2, n3, f4, f8, t, vc, c, u, b, b2, d, ts, tz, j, jb, ia, ta, fa, na, by, iv, m, nan"
        let rows = try await shop.rows("raw.types", columns, order: "id")
        try #require(rows.count == 2)
        let expected: [String?] = [
            "1", "-32768", "2147483647", "-9223372036854775808", "12345678901234567890.123456789", "0.50", "-0.001",
            "1.5", "0.1", "héllo, \"world\"", "abc", "ab  ", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "true", "false", "2024-02-29",
            "2024-05-01T10:00:00.123456", "2024-05-01T10:00:00.500000Z", "{\"a\": 1, \"b\": [1, 2]}", "{\"a\": 1, \"b\": [1, 2]}",
            "[1,2,3]", "[\"a\",\"b c\",null]", "[1.5,2]", "[1.10,2]", "AQL/", "P1DT2H", "happy", "NaN",
        ]
        for (index, name) in columns.split(separator: ",").enumerated() {
            #expect(rows[0][index] == expected[index], "column \(name)")
        }
        #expect(rows[1] == ["2"] + Array(repeating: nil, count: expected.count - 1))
        #expect(try await shop.rows("raw.typed", "id, i8, n2, f8, b, d, ts, tz", order: "id") == [
            ["1", "-9223372036854775808", "0.5", "0.1", "1", "2024-02-29", "2024-05-01 10:00:00", "2024-05-01 10:00:00"],
            ["2", nil, nil, nil, nil, nil, nil, nil],
        ])
    }

    @Test func aWrongPasswordOrARefusedPortFailsTheStepNamingTheServerButNotThePassword() async throws {
        let server = try server()
        let database = try await server.database(Self.ordersTable)
        let wrong = "Wr0ng-Passw0rd-Zq"
        let refusedPort = try PostgresServer.freePort()
        let cases: [(url: String, port: Int, says: String)] = [
            (server.url(database: database, password: wrong), server.port, "password authentication failed"),
            (server.url(database: database, port: refusedPort), refusedPort, "connection refused"),
            (server.url(database: "nowhere"), server.port, "does not exist"),
        ]
        for example in cases {
            let shop = try PostgresPipelineHarness(yaml: Self.shopYAML(), url: example.url)
            let run = try await shop.run()
            #expect(run.state == .failed)
            let error = run.error ?? ""
            #expect(error.contains("127.0.0.1:\(example.port)"), "\(error)")
            #expect(error.contains("database \(example.url.contains("nowhere") ? "nowhere" : database)"), "\(error)")
            #expect(error.contains(example.says), "\(error)")
            let written = try await shop.everythingWritten(run)
            #expect(!written.contains(wrong))
            #expect(!written.contains(PostgresServer.password))
            #expect(!written.contains(PostgresServer.password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "?"))
        }
    }

    @Test func aMissingTableOrABrokenQuerySaysWhatToCheck() async throws {
        let server = try server()
        let database = try await server.database(Self.ordersTable)
        let yaml = Self.shopYAML()
            .replacingOccurrences(of: "table: public.orders", with: "table: public.nowhere")
            .replacingOccurrences(of: "from payments where not test", with: "frm payments")
        let shop = try PostgresPipelineHarness(yaml: yaml, url: server.url(database: database))
        let run = try await shop.run()
        #expect(run.state == .failed)
        let steps = try await shop.state.read { try $0.steps(runID: run.id) }
        let orders = steps.first { $0.stepID == "load:raw.orders" }?.error ?? ""
        #expect(orders.contains("table public.nowhere") && orders.contains("does not exist"), "\(orders)")
        let payments = steps.first { $0.stepID == "load:raw.payments" }?.error ?? ""
        #expect(payments.contains("syntax error") && payments.contains("check the source's query"), "\(payments)")
    }

    @Test func theNewestCursorIsTheMaximumInTheRowsOwnForm() async throws {
        let server = try server()
        let database = try await server.database(Self.ordersTable + "; create table empty (updated_at timestamptz);")
        let url = server.url(database: database)
        let logger = Logger(label: "test")
        let orders = PostgresSourceSpec(url: url, relation: .table(schema: "public", name: "orders"))
        #expect(try await PostgresSource.newestCursor(spec: orders, cursor: "updated_at", logger: logger) == "2026-03-03T12:00:00.750000Z")
        let dates = PostgresSourceSpec(url: url, relation: .query("select order_date from orders where order_id < 3"))
        #expect(try await PostgresSource.newestCursor(spec: dates, cursor: "order_date", logger: logger) == "2026-03-02")
        let empty = PostgresSourceSpec(url: url, relation: .table(schema: nil, name: "empty"))
        #expect(try await PostgresSource.newestCursor(spec: empty, cursor: "updated_at", logger: logger) == nil)
    }

    @Test func tlsWithSSLModeRequireAndVerifyFull() async throws {
        let server = try server()
        let database = try await server.database()
        let yaml = onePipelineYAML(
            sources: """
                tls: { kind: postgres, url: "${SHOP_DB_URL}", query: "select 1 as id, (select ssl from pg_stat_ssl where pid = pg_backend_pid()) as encrypted" }
                """,
            loads: """
                - { source: tls, table: raw.tls, write: truncate }
                """)
        let required = try PostgresPipelineHarness(yaml: yaml, url: server.url(database: database, sslmode: "require"))
        let run = try await required.run()
        #expect(run.state == .succeeded, "\(run.error ?? "")")
        #expect(try await required.rows("raw.tls", order: "id") == [["1", "true"]])

        let plain = try PostgresPipelineHarness(yaml: yaml, url: server.url(database: database, sslmode: "disable"))
        #expect(try await plain.run().state == .succeeded)
        #expect(try await plain.rows("raw.tls", order: "id") == [["1", "false"]])

        // verify-full: trusted through sslrootcert, refused without it (a self-signed certificate).
        let trusted = server.url(database: database, sslmode: "verify-full")
            .replacingOccurrences(of: "127.0.0.1", with: "localhost") + "&sslrootcert=\(server.root)/server.crt"
        let verified = try PostgresPipelineHarness(yaml: yaml, url: trusted)
        let verifiedRun = try await verified.run()
        #expect(verifiedRun.state == .succeeded, "\(verifiedRun.error ?? "")")
        let untrusted = try PostgresPipelineHarness(yaml: yaml, url: server.url(database: database, sslmode: "verify-full"))
        let refused = try await untrusted.run()
        #expect(refused.state == .failed)
        #expect(refused.error?.contains("TLS handshake failed") == true, "\(refused.error ?? "")")
    }
}
