import Foundation
import Logging
import SluiceCore
import Warehouse
import Worker

/// The second half of `sluice validate`: the manifest's models and checks compiled against its
/// warehouse (see `ManifestCompiler`), when the warehouse can be opened. A SQLite warehouse whose
/// folder does not exist yet is not created: everything is reported as skipped, not built yet.
public enum WarehouseCompilation {
    /// Compiles `manifest` against the warehouse `dependencies` opens for it; a warehouse that
    /// cannot be opened (unusable BigQuery credentials) gives a report saying so.
    public static func compile(
        _ manifest: Manifest, configuration: SluiceConfiguration, dependencies: SluiceDependencies = .live, logger: Logger
    ) async -> ManifestCompileReport {
        if case let .sqlite(path) = manifest.warehouse, !FileManager.default.fileExists(atPath: manifest.resolve(path)) {
            return await ManifestCompiler(manifest: manifest, warehouse: nil).compile()
        }
        let warehouse: any Warehouse
        do {
            warehouse = try dependencies.warehouse(manifest, configuration, dependencies.clock, logger)
        } catch {
            return ManifestCompileReport(unavailable: "\(error)")
        }
        return await ManifestCompiler(manifest: manifest, warehouse: warehouse).compile()
    }
}
