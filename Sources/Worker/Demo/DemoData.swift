import Foundation

/// The demo online shop (`shop` pipeline): customers, products, orders and order items as CSV files,
/// generated deterministically from a seed. Orders span the 60 days ending at a given instant with a
/// weekly rhythm (quieter weekends) and mild day-to-day noise, but no anomalies; the newest order was
/// updated within minutes of that instant. Timestamps are UTC `YYYY-MM-DD HH:MM:SS`.
public struct DemoData {
    /// The files written, in the order they are written.
    public static let fileNames = ["customers.csv", "products.csv", "orders.csv", "order_items.csv"]
    /// How many days of orders are generated, ending at `end`.
    public static let windowDays: Int64 = 60
    /// How many products the shop sells.
    public static let productCount = 120

    private static let day: Int64 = 86_400

    /// Writes the four CSV files into `directory` (created when missing): `orders` orders (at least 1),
    /// about a quarter as many customers, 120 products and about 2.2 items per order. The same
    /// arguments always give byte-identical files.
    public static func write(orders: Int, to directory: String, endingAt end: Date, seed: UInt64 = 42) throws {
        guard orders >= 1 else {
            throw DemoDataError("the demo needs at least 1 order, got \(orders); pass --rows 1 or more")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DemoDataError("cannot create \(directory): \(error.localizedDescription)")
        }
        let endSecond = Int64(end.timeIntervalSince1970.rounded(.down))
        let startSecond = endSecond - windowDays * day
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        let customerStates = try writeCustomers(
            count: max(1, orders / 4), before: startSecond, to: path(fileNames[0]), seed: stream(seed, 1))
        let products = try writeProducts(to: path(fileNames[1]), seed: stream(seed, 2))
        try writeOrders(
            count: orders, from: startSecond, to: endSecond, customerStates: customerStates, products: products,
            ordersPath: path(fileNames[2]), itemsPath: path(fileNames[3]), seed: seed)
    }

    /// A seed for an independent stream of numbers, so each file depends only on what it needs.
    private static func stream(_ seed: UInt64, _ number: UInt64) -> UInt64 {
        var mixer = SplitMix64(seed: seed ^ (number &* 0xD1B5_4A32_D192_ED03))
        return mixer.next()
    }

    /// Writes customers, created up to two years before the window; returns each one's state index.
    private static func writeCustomers(count: Int, before start: Int64, to path: String, seed: UInt64) throws -> [UInt8] {
        var random = SplitMix64(seed: seed)
        let states = DemoCatalog.states
        let totalWeight = states.reduce(0) { $0 + $1.weight }
        let lowerFirst = DemoCatalog.firstNames.map { $0.lowercased() }
        let lowerLast = DemoCatalog.lastNames.map { $0.lowercased() }
        let out = try DemoFileWriter(path: path, header: "customer_id,name,email,state,city,created_at")
        var customerStates: [UInt8] = []
        customerStates.reserveCapacity(count)
        for id in 1...count {
            let first = random.below(lowerFirst.count), last = random.below(lowerLast.count)
            var pick = random.below(totalWeight), stateIndex = 0
            while pick >= states[stateIndex].weight {
                pick -= states[stateIndex].weight
                stateIndex += 1
            }
            let state = states[stateIndex]
            customerStates.append(UInt8(stateIndex))
            out.integer(Int64(id))
            out.comma()
            out.text(DemoCatalog.firstNames[first])
            out.text(" ")
            out.text(DemoCatalog.lastNames[last])
            out.comma()
            out.text(lowerFirst[first])
            out.text(".")
            out.text(lowerLast[last])
            out.integer(Int64(id))
            out.text("@example.com")
            out.comma()
            out.text(state.code)
            out.comma()
            out.text(state.cities[random.below(state.cities.count)])
            out.comma()
            out.timestamp(start - random.within(day...730 * day))
            out.endRow()
            try out.flushIfFull()
        }
        try out.finish()
        return customerStates
    }

    /// The products' prices and how popular each is.
    private struct Products {
        /// Price in cents, by product index (`product_id - 1`).
        var cents: [Int64]
        /// Cumulative popularity weights, by product index.
        var cumulativeWeights: [Double]

        /// A product index, more popular ones more often.
        func pick(_ random: inout SplitMix64) -> Int {
            let target = random.unit() * (cumulativeWeights.last ?? 0)
            var low = 0, high = cumulativeWeights.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulativeWeights[middle] > target { high = middle } else { low = middle + 1 }
            }
            return low
        }
    }

    /// Writes the catalogue: 12 products per category, prices ending in .99.
    private static func writeProducts(to path: String, seed: UInt64) throws -> Products {
        var random = SplitMix64(seed: seed)
        let categories = DemoCatalog.categories
        let out = try DemoFileWriter(path: path, header: "product_id,name,category,price")
        var cents: [Int64] = []
        for id in 1...productCount {
            let category = categories[(id - 1) % categories.count]
            let price = max(random.within(category.cents) / 100 * 100 - 1, 99)
            cents.append(price)
            out.integer(Int64(id))
            out.comma()
            out.text(DemoCatalog.adjectives[random.below(DemoCatalog.adjectives.count)])
            out.text(" ")
            out.text(category.nouns[random.below(category.nouns.count)])
            out.comma()
            out.text(category.name)
            out.comma()
            out.cents(price)
            out.endRow()
        }
        try out.finish()
        var ranks = Array(0..<productCount)
        for index in stride(from: ranks.count - 1, to: 0, by: -1) {
            ranks.swapAt(index, random.below(index + 1))
        }
        var cumulative: [Double] = []
        var running = 0.0
        for rank in ranks {
            running += 1 / Double(rank + 8)
            cumulative.append(running)
        }
        return Products(cents: cents, cumulativeWeights: cumulative)
    }

    /// How many orders each calendar day of the window gets: the weekday rhythm times ±3% noise times
    /// the share of the day inside the window, rounded by largest remainder so they add up to `count`.
    private static func ordersPerDay(count: Int, from start: Int64, to end: Int64, seed: UInt64) -> [(day: Int64, orders: Int)] {
        let firstDay = start.floorDivided(by: day), lastDay = (end - 1).floorDivided(by: day)
        var weights: [Double] = []
        for dayNumber in firstDay...lastDay {
            let covered = min(end, (dayNumber + 1) * day) - max(start, dayNumber * day)
            var noise = SplitMix64(seed: seed ^ UInt64(bitPattern: dayNumber &* 0x2545_F491_4F6C_DD1D))
            let weekday = Int((dayNumber + 4).floorModulo(7))
            weights.append(Double(covered) / Double(day) * DemoCatalog.weekdayFactors[weekday] * (0.97 + 0.06 * noise.unit()))
        }
        let total = weights.reduce(0, +)
        let exact = weights.map { $0 / total * Double(count) }
        var orders = exact.map { Int($0.rounded(.down)) }
        let missing = count - orders.reduce(0, +)
        let byRemainder = exact.indices.sorted { a, b in
            let ra = exact[a] - Double(orders[a]), rb = exact[b] - Double(orders[b])
            return ra != rb ? ra > rb : a < b
        }
        for index in byRemainder.prefix(missing) { orders[index] += 1 }
        return orders.enumerated().map { (day: firstDay + Int64($0.offset), orders: $0.element) }
    }

    /// Writes orders in purchase order with their items. An order's life: approved minutes after purchase,
    /// shipped hours later, delivered after the state's transit days; whatever has not happened by `end`
    /// leaves it processing or shipped. About 3% of orders older than a day are cancelled.
    private static func writeOrders(
        count: Int, from start: Int64, to end: Int64, customerStates: [UInt8], products: Products,
        ordersPath: String, itemsPath: String, seed: UInt64
    ) throws {
        var random = SplitMix64(seed: stream(seed, 3))
        let states = DemoCatalog.states
        let orders = try DemoFileWriter(
            path: ordersPath,
            header: "order_id,customer_id,status,state,order_date,purchased_at,approved_at,delivered_at,updated_at,total")
        let items = try DemoFileWriter(path: itemsPath, header: "order_id,item_id,product_id,quantity,unit_price")
        let plan = ordersPerDay(count: count, from: start, to: end, seed: stream(seed, 4))
        let lastBusyDay = plan.lastIndex { $0.orders > 0 }
        var orderID: Int64 = 0
        var times: [Int64] = []
        for (index, entry) in plan.enumerated() where entry.orders > 0 {
            let low = max(start, entry.day * day), high = min(end, (entry.day + 1) * day) - 1
            times.removeAll(keepingCapacity: true)
            for _ in 0..<entry.orders { times.append(random.within(low...max(low, high))) }
            times.sort()
            if index == lastBusyDay, let last = times.last {
                times[times.count - 1] = max(last, end - random.within(30...600))
            }
            for purchased in times {
                orderID += 1
                let customer = random.below(customerStates.count)
                let state = states[Int(customerStates[customer])]
                let lifecycle = Lifecycle(purchased: purchased, end: end, transitDays: state.transitDays, random: &random)

                let itemCount = pickShare(DemoCatalog.itemCountShares, &random)
                var total: Int64 = 0
                for item in 1...itemCount {
                    let product = products.pick(&random)
                    let quantity = pickShare(DemoCatalog.quantityShares, &random)
                    let price = products.cents[product]
                    total += Int64(quantity) * price
                    items.integer(orderID)
                    items.comma()
                    items.integer(Int64(item))
                    items.comma()
                    items.integer(Int64(product + 1))
                    items.comma()
                    items.integer(Int64(quantity))
                    items.comma()
                    items.cents(price)
                    items.endRow()
                }
                try items.flushIfFull()

                orders.integer(orderID)
                orders.comma()
                orders.integer(Int64(customer + 1))
                orders.comma()
                orders.text(lifecycle.status)
                orders.comma()
                orders.text(state.code)
                orders.comma()
                orders.day(purchased)
                orders.comma()
                orders.timestamp(purchased)
                orders.comma()
                if let approved = lifecycle.approved { orders.timestamp(approved) }
                orders.comma()
                if let delivered = lifecycle.delivered { orders.timestamp(delivered) }
                orders.comma()
                orders.timestamp(lifecycle.updated)
                orders.comma()
                orders.cents(total)
                orders.endRow()
                try orders.flushIfFull()
            }
        }
        try items.finish()
        try orders.finish()
    }

    /// Where an order stands at the end of the window.
    private struct Lifecycle {
        var status: String
        var approved: Int64?
        var delivered: Int64?
        var updated: Int64

        init(purchased: Int64, end: Int64, transitDays: Int64, random: inout SplitMix64) {
            let approvedAt = purchased + random.within(120...5_400)
            if end - purchased > DemoData.day, random.below(100) < 3 {
                status = "cancelled"
                approved = approvedAt <= end ? approvedAt : nil
                updated = min(end, approvedAt + random.within(600...172_800))
                return
            }
            guard approvedAt <= end else {
                status = "processing"
                updated = purchased
                return
            }
            approved = approvedAt
            let shippedAt = approvedAt + random.within(6 * 3_600...48 * 3_600)
            guard shippedAt <= end else {
                status = "processing"
                updated = approvedAt
                return
            }
            let transit = max(12 * 3_600, transitDays * DemoData.day + random.within(-36 * 3_600...36 * 3_600))
            let deliveredAt = shippedAt + transit
            guard deliveredAt <= end else {
                status = "shipped"
                updated = shippedAt
                return
            }
            status = "delivered"
            delivered = deliveredAt
            updated = deliveredAt
        }
    }

    /// An index into cumulative shares out of 100, plus one (1-based).
    private static func pickShare(_ cumulative: [Int], _ random: inout SplitMix64) -> Int {
        let roll = random.below(100)
        return (cumulative.firstIndex { roll < $0 } ?? cumulative.count - 1) + 1
    }
}

extension Int64 {
    /// Division rounding toward negative infinity.
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return self % divisor < 0 ? quotient - 1 : quotient
    }

    /// The remainder of `floorDivided(by:)`, never negative for a positive divisor.
    func floorModulo(_ divisor: Int64) -> Int64 {
        self - floorDivided(by: divisor) * divisor
    }
}
