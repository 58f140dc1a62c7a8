import Conversation
import Foundation
import SluiceCore
import StateStore
import Testing
import Warehouse
import Worker

/// What the backfill and progress-message suites share: the progress channel and what was posted there.
protocol BackfillSuite {}

extension BackfillSuite {
    static var channel: String { BackfillHarness.channel }

    static func posts(_ slack: FakeSlackWebAPI) async -> [FakeSlackWebAPI.Call] {
        await slack.calls(method: "chat.postMessage").filter { $0.body["channel"]?.string == channel }
    }
}

/// Full dumps of raw.orders and mart.daily_sales, split into the backfilled days and the others.
struct Snapshot {
    let days: [String]
    /// Every raw.orders row (all columns, by order id) of the other days.
    let ordersOutside: [String]
    /// Every mart.daily_sales row of the other days.
    let salesOutside: [String]
    /// raw.orders rows of the backfilled days: day → rows.
    let ordersInside: [String: [String]]
    /// mart.daily_sales rows of the backfilled days: day → row.
    let salesInside: [String: String]

    init(_ harness: BackfillHarness, _ days: [String]) async throws {
        let list = days.map { "'\($0)'" }.joined(separator: ", ")
        self.days = days
        ordersOutside = try await harness.dump("select * from raw.orders where order_date not in (\(list)) order by order_id")
        salesOutside = try await harness.dump("select * from mart.daily_sales where day not in (\(list)) order by day")
        let inside = try await harness.dump(
            "select order_date, order_id, total, * from raw.orders where order_date in (\(list)) order by order_id")
        ordersInside = Dictionary(grouping: inside) { String($0.prefix(10)) }
        let sales = try await harness.dump("select day, revenue, * from mart.daily_sales where day in (\(list)) order by day")
        salesInside = Dictionary(sales.map { (String($0.prefix(10)), $0) }, uniquingKeysWith: { first, _ in first })
    }

    func orders(on days: [String]) -> [[String]] { days.map { ordersInside[$0] ?? [] } }

    func sales(on days: [String]) -> [String?] { days.map { salesInside[$0] } }

    /// Order id → total on `days`.
    func totals(on days: [String]) -> [String: Double] {
        var totals: [String: Double] = [:]
        for row in days.flatMap({ ordersInside[$0] ?? [] }) {
            let fields = row.split(separator: "|", omittingEmptySubsequences: false)
            if fields.count > 2, let total = Double(fields[2]) { totals[String(fields[1])] = total }
        }
        return totals
    }

    /// Day → revenue on `days`.
    func revenue(on days: [String]) -> [String: Double] {
        var revenue: [String: Double] = [:]
        for day in days {
            if let row = salesInside[day], let value = row.split(separator: "|", omittingEmptySubsequences: false).dropFirst().first.flatMap({ Double($0) }) {
                revenue[day] = value
            }
        }
        return revenue
    }
}
