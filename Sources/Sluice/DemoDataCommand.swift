import ArgumentParser
import Foundation
import Worker

/// `sluice demo-data [--force]`: writes the deterministic `shop` data set; files already there are
/// overwritten only with `--force` (they may be a pipeline's own inputs).
struct DemoDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-data", abstract: "Write the shop demo CSVs (customers, products, orders, order_items).")

    @Option(name: .long, help: "Number of orders (customers, products and items scale with it).")
    var rows = 5_000

    @Option(name: .long, help: "Output folder.")
    var out = "manifest/demo"

    @Option(name: .long, help: "Random seed; the same seed and end date give the same bytes.")
    var seed: UInt64 = 42

    @Option(name: .long, help: "Last day of the 60-day window, YYYY-MM-DD (default: now).")
    var end: String?

    @Flag(name: .long, help: "Overwrite demo files that already exist in the output folder.")
    var force = false

    func validate() throws {
        guard rows > 0 else { throw ValidationError("--rows must be at least 1") }
    }

    func run() async throws {
        var endDate = Date()
        if let end {
            guard let day = ISO8601DateFormatter.dateOnly.date(from: end) else {
                throw ValidationError("--end must be a date like 2026-11-21, got '\(end)'")
            }
            endDate = day.addingTimeInterval(86_399)
        }
        do {
            try DemoData.write(orders: rows, to: out, endingAt: endDate, seed: seed, existing: force ? .replace : .refuse)
        } catch let error as DemoDataError {
            throw CommandFailure(error.message)
        }
        print("wrote \(DemoData.fileNames.joined(separator: ", ")) to \(out) (\(rows) orders, seed \(seed))")
    }
}

extension ISO8601DateFormatter {
    /// `YYYY-MM-DD` in UTC.
    fileprivate static var dateOnly: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter
    }
}
