import Foundation
import SluiceCore
import Testing
import Warehouse
import Worker

@Suite struct DemoDataTests {
    /// 2026-03-11 14:25:00 UTC, a Wednesday.
    private let end = Date(timeIntervalSince1970: 1_773_239_100)

    private func rows(_ directory: String, _ name: String) throws -> [[String]] {
        let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    private func header(_ directory: String, _ name: String) throws -> String {
        let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        return String(text.prefix { $0 != "\n" })
    }

    private func seconds(_ timestamp: String) -> Int64? {
        Value.timestamp(timestamp).secondsSince1970
    }

    @Test func sameArgumentsWriteIdenticalBytesAndAnotherSeedDiffers() throws {
        let space = try Workspace()
        try DemoData.write(orders: 1_500, to: space.path("a"), endingAt: end, seed: 7)
        try DemoData.write(orders: 1_500, to: space.path("b"), endingAt: end, seed: 7)
        try DemoData.write(orders: 1_500, to: space.path("c"), endingAt: end, seed: 8)
        for name in DemoData.fileNames {
            let a = FileManager.default.contents(atPath: space.path("a/" + name))
            let b = FileManager.default.contents(atPath: space.path("b/" + name))
            #expect(a != nil && a == b, "\(name)")
        }
        let other = FileManager.default.contents(atPath: space.path("c/orders.csv"))
        #expect(other != FileManager.default.contents(atPath: space.path("a/orders.csv")))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: space.path("a")).sorted()
        #expect(leftovers == DemoData.fileNames.sorted())
    }

    @Test func sizesAndHeaders() throws {
        let space = try Workspace()
        try DemoData.write(orders: 2_000, to: space.root, endingAt: end)
        #expect(try header(space.root, "customers.csv") == "customer_id,name,email,state,city,created_at")
        #expect(try header(space.root, "products.csv") == "product_id,name,category,price")
        #expect(try header(space.root, "orders.csv")
            == "order_id,customer_id,status,state,order_date,purchased_at,approved_at,delivered_at,updated_at,total")
        #expect(try header(space.root, "order_items.csv") == "order_id,item_id,product_id,quantity,unit_price")
        #expect(try rows(space.root, "orders.csv").count == 2_000)
        #expect(try rows(space.root, "customers.csv").count == 500)
        let products = try rows(space.root, "products.csv")
        #expect(products.count == DemoData.productCount)
        #expect((8...10).contains(Set(products.map { $0[2] }).count))
        let items = try rows(space.root, "order_items.csv").count
        #expect((4_000...4_800).contains(items), "\(items) items for 2000 orders")
    }

    @Test func ordersAreConsistentWithTheirItemsCustomersAndTheWindow() throws {
        let space = try Workspace()
        try DemoData.write(orders: 3_000, to: space.root, endingAt: end, seed: 42)
        let endSecond = Int64(end.timeIntervalSince1970)
        let startSecond = endSecond - 60 * 86_400
        let customers = Set(try rows(space.root, "customers.csv").map { $0[0] })
        let prices = Dictionary(uniqueKeysWithValues: try rows(space.root, "products.csv").map { ($0[0], $0[3]) })
        var itemTotals: [String: Int64] = [:]
        for item in try rows(space.root, "order_items.csv") {
            #expect(item.count == 5)
            #expect(prices[item[2]] == item[4], "item price equals the product's price")
            let cents = Int64(item[4].replacingOccurrences(of: ".", with: "")) ?? -1
            itemTotals[item[0], default: 0] += (Int64(item[3]) ?? 0) * cents
        }
        let orders = try rows(space.root, "orders.csv")
        var newestUpdate: Int64 = 0
        var statuses: [String: Int] = [:]
        for order in orders {
            #expect(order.count == 10)
            let id = order[0]
            #expect(customers.contains(order[1]))
            statuses[order[2], default: 0] += 1
            let purchased = try #require(seconds(order[5]))
            let updated = try #require(seconds(order[8]))
            #expect(purchased >= startSecond && purchased <= endSecond)
            #expect(order[4] == String(order[5].prefix(10)))
            #expect(updated >= purchased && updated <= endSecond)
            #expect((order[7].isEmpty) == (order[2] != "delivered"))
            if let delivered = seconds(order[7]) { #expect(delivered > purchased && delivered <= endSecond) }
            let total = try #require(Int64(order[9].replacingOccurrences(of: ".", with: "")))
            #expect(total >= 0)
            #expect(itemTotals[id] == total, "order \(id): total is the sum of its items")
            newestUpdate = max(newestUpdate, updated)
        }
        #expect(Set(itemTotals.keys) == Set(orders.map { $0[0] }), "every order has items and every item an order")
        #expect(endSecond - newestUpdate <= 15 * 60)
        #expect(Set(statuses.keys).isSubset(of: ["delivered", "shipped", "processing", "cancelled"]))
        #expect((statuses["delivered"] ?? 0) * 10 > orders.count * 7, "mostly delivered: \(statuses)")
        #expect((statuses["cancelled"] ?? 0) > 0)
    }

    @Test(arguments: 0..<7)
    func theNewestCompleteDayIsNoVolumeAnomaly(daysLater: Int) throws {
        let space = try Workspace()
        let end = end.addingTimeInterval(Double(daysLater) * 86_400)
        try DemoData.write(orders: 5_000, to: space.root, endingAt: end)
        var counts: [String: Int64] = [:]
        for order in try rows(space.root, "orders.csv") { counts[order[4], default: 0] += 1 }
        #expect(counts.count == 61)
        let history = counts.map { DayCount(day: $0.key, rows: $0.value) }
        let yesterday = try #require(Days.adding(-1, to: Days.string(end, in: .gmt)))
        let verdict = VolumeAnomalyDetector.evaluate(day: yesterday, history: history, settings: VolumeSettings(sensitivity: 3))
        guard case let .normal(assessment) = verdict else {
            Issue.record("expected a normal day, got \(verdict)")
            return
        }
        #expect(abs(assessment.zScore) < 2.5)
        let weekend = counts.filter { [1, 7].contains(Days.weekday(of: $0.key)) && $0.key != Days.string(end, in: .gmt) }
        let weekdays = counts.filter { (2...6).contains(Days.weekday(of: $0.key) ?? 0) && $0.key != yesterday }
        let weekendMean = Double(weekend.values.reduce(0, +)) / Double(max(weekend.count, 1))
        let weekdayMean = Double(weekdays.values.reduce(0, +)) / Double(max(weekdays.count, 1))
        #expect(weekendMean < weekdayMean, "weekends are quieter")
    }

    @Test func theDemoFilesExtractWithoutBadRecords() throws {
        let space = try Workspace()
        try DemoData.write(orders: 1_000, to: space.root, endingAt: end)
        let columns = [
            Column(name: "order_id", type: .integer), Column(name: "customer_id", type: .integer),
            Column(name: "status", type: .string), Column(name: "state", type: .string),
            Column(name: "order_date", type: .date), Column(name: "purchased_at", type: .timestamp),
            Column(name: "approved_at", type: .timestamp), Column(name: "delivered_at", type: .timestamp),
            Column(name: "updated_at", type: .timestamp), Column(name: "total", type: .float),
        ]
        let load = Load(
            source: "orders", table: TableName(dataset: "raw", table: "orders"), write: .merge(key: ["order_id"]),
            partitionBy: "order_date", columns: columns)
        let extracted = try ExtractedRows(
            source: Source(name: "orders", kind: .csv(path: "orders.csv"), cursor: "updated_at"), load: load,
            baseDirectory: space.root, watermark: nil, days: nil)
        var count = 0
        while try extracted.nextRow() != nil { count += 1 }
        #expect(count == 1_000)
        #expect(extracted.badRecords == 0)
        #expect(extracted.newWatermark != nil)
    }

    @Test func zeroOrdersIsRefused() throws {
        let space = try Workspace()
        #expect(throws: DemoDataError.self) { try DemoData.write(orders: 0, to: space.root, endingAt: end) }
    }
}
