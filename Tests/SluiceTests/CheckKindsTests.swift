import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Worker

@Suite("Every check kind on the SQLite warehouse, failing on planted bad data and passing once fixed")
struct CheckKindsTests {
    static let manifestText = """
        timezone: UTC
        warehouse: { kind: sqlite, path: warehouse }
        slack: { default_channel: "#alerts" }
        pipelines:
          shop:
            sources:
              customers: { kind: csv, path: data/customers.csv }
              orders: { kind: csv, path: data/orders.csv }
            loads:
              - source: customers
                table: raw.customers
                write: truncate
                columns: { customer_id: integer, name: string }
              - source: orders
                table: raw.orders
                write: truncate
                partition_by: order_date
                columns: { order_id: integer, customer_id: integer, status: string, total: float, order_date: date, updated_at: timestamp }
            checks:
              - { freshness: raw.orders, loaded_at: updated_at, warn_after: 3h, error_after: 6h }
              - { volume: raw.orders, sensitivity: 3, severity: error }
              - { not_null: raw.orders, column: customer_id }
              - { unique: raw.orders, column: order_id }
              - { accepted_values: raw.orders, column: status, values: [shipped, delivered] }
              - { relationships: raw.orders, column: customer_id, to: raw.customers, field: customer_id }
              - { sql: negative_totals, query: "select * from raw.orders where total < 0" }
        """

    /// 21 days of 100 orders a day, newest updated at `updated`; `planted` rows added to the newest
    /// complete day carry every kind of bad data.
    static func orders(now: Date, updated: String, badRows: Bool, spike: Bool) -> String {
        var lines = ["order_id,customer_id,status,total,order_date,updated_at"]
        var id = 0
        for back in 1...21 {
            let day = Days.adding(-back, to: Days.string(now, in: .gmt)) ?? ""
            let count = back == 1 && spike ? 400 : 100
            for _ in 0..<count {
                id += 1
                lines.append("\(id),\(id % 5 + 1),shipped,10.5,\(day),\(day) 12:00:00")
            }
        }
        lines.append("\(id + 1),1,delivered,20,\(Days.string(now, in: .gmt)),\(updated)")
        if badRows {
            let day = Days.adding(-1, to: Days.string(now, in: .gmt)) ?? ""
            lines += [
                "\(id + 2),,shipped,5,\(day),\(day) 13:00:00",            // NULL customer_id
                "\(id + 1),2,shipped,5,\(day),\(day) 13:00:00",           // duplicate order_id
                "\(id + 3),3,lost,5,\(day),\(day) 13:00:00",              // status not accepted
                "\(id + 4),99,shipped,5,\(day),\(day) 13:00:00",          // customer 99 does not exist
                "\(id + 5),4,shipped,-7.5,\(day),\(day) 13:00:00",        // negative total
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func eachKindFailsOnItsPlantedProblemAndPassesOnceFixed() async throws {
        let workspace = try Workspace()
        let clock = TestClock(Date(timeIntervalSince1970: 1_795_000_000))
        let now = clock.now
        let stale = Format.timestamp(now.addingTimeInterval(-7 * 3600)).replacingOccurrences(of: " UTC", with: ":00")
        try workspace.write("data/customers.csv", "customer_id,name\n1,a\n2,b\n3,c\n4,d\n5,e\n")
        try workspace.write("data/orders.csv", Self.orders(now: now, updated: stale, badRows: true, spike: true))
        let manifest = try workspace.manifest(Self.manifestText)
        let state = try workspace.stateStore()
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: try workspace.warehouse(), clock: clock, logger: Logger(label: "t"))

        let bad = try await runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "t"))
        #expect(bad.state == .failed)
        let badSteps = Dictionary(uniqueKeysWithValues: try await state.read { try $0.steps(runID: bad.id) }.map { ($0.stepID, $0) })
        let expectations: [(String, String)] = [
            ("check:freshness_orders", "error after 6h"),
            ("check:volume_orders", "405 rows on"),
            ("check:not_null_orders_customer_id", "1 row"),
            ("check:unique_orders_order_id", "order_id"),
            ("check:accepted_values_orders_status", "lost"),
            ("check:relationships_orders_customer_id", "1 row"),
            ("check:negative_totals", "1 row"),
        ]
        for (step, fragment) in expectations {
            let record = try #require(badSteps[step], "\(step) missing")
            #expect(record.state == .failed, "\(step): \(record.detail ?? "")")
            let said = (record.error ?? "") + " " + (try await state.read { try $0.unresolvedAlert(fingerprint: "shop/\(step.dropFirst(6))/\(step == "check:negative_totals" ? "-" : "raw.orders")") }?.sample.joined(separator: " ") ?? "")
            #expect(said.contains(fragment), "\(step): \(said)")
        }
        let alerts = try await state.read { try $0.alerts(status: [.open], limit: 20) }
        #expect(alerts.count == 7)

        let fresh = Format.timestamp(now.addingTimeInterval(-600)).replacingOccurrences(of: " UTC", with: ":00")
        try workspace.write("data/orders.csv", Self.orders(now: now, updated: fresh, badRows: false, spike: false))
        let good = try await runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "t"))
        let goodSteps = try await state.read { try $0.steps(runID: good.id) }
        #expect(good.state == .succeeded, "\(goodSteps.filter { $0.state != .succeeded }.map { "\($0.stepID): \($0.error ?? "")" })")
        #expect(try await state.read { try $0.alerts(status: [.open], limit: 20) }.isEmpty)
        #expect(try await state.read { try $0.alerts(status: [.resolved], limit: 20) }.count == 7)
    }
}
