import Foundation
import SluiceCore
import Warehouse

/// Reads the freshness figures a `FreshnessReport` needs from the warehouse, a few at a time. A
/// table whose figure cannot be read gets a reading with the reason (the report shows it as
/// unknown), never a failed report. `/sluice freshness` and the digest read through it.
public enum FreshnessReader {
    /// How many figures are read at once.
    public static let parallelism = 8

    /// The warehouse's answer to each request.
    public static func read(_ requests: [FreshnessRequest], from warehouse: any Warehouse) async -> [FreshnessRequest: FreshnessReading] {
        await withTaskGroup(of: (FreshnessRequest, FreshnessReading).self) { group in
            var readings: [FreshnessRequest: FreshnessReading] = [:]
            var pending = requests[...]
            func startNext() {
                guard let request = pending.popFirst() else { return }
                group.addTask { (request, await reading(request, from: warehouse)) }
            }
            for _ in 0..<parallelism { startNext() }
            while let (request, reading) = await group.next() {
                readings[request] = reading
                startNext()
            }
            return readings
        }
    }

    /// One figure: the `loaded_at` column's newest value, or the table's last modification.
    public static func reading(_ request: FreshnessRequest, from warehouse: any Warehouse) async -> FreshnessReading {
        do {
            let facts = try await warehouse.freshness(of: request.table, loadedAt: request.source.column, context: nil)
            return FreshnessReading(exists: facts.exists, newest: request.source.column == nil ? facts.lastModified : facts.newestLoadedAt)
        } catch let error as WarehouseError {
            return .unavailable(error.description)
        } catch {
            return .unavailable("\(error)")
        }
    }
}
