import Foundation

/// What writing the demo data does with demo files that are already there: they may be a
/// pipeline's inputs (or a user's own edits), so only `--force` replaces them.
public enum DemoOverwrite: Sendable, Equatable {
    /// Write nothing and throw `DemoDataError` naming the files, when any is there (`sluice demo-data`).
    case refuse
    /// Replace every file (`sluice demo-data --force`).
    case replace
    /// Write only the missing files and leave the others as they are (the first-use bootstrap).
    case keepExisting
}

extension DemoData {
    /// The demo files already in `directory`, in `fileNames` order.
    public static func existingFiles(in directory: String) -> [String] {
        fileNames.filter { FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0)) }
    }

    /// Writes the demo files into `directory` as `write(orders:to:endingAt:seed:)` does, treating
    /// files already there as `existing` says; returns the names written. With `.keepExisting` the
    /// missing files are generated with a whole set in a temporary folder beside them and moved in,
    /// so what is written is a consistent part of one data set.
    @discardableResult
    public static func write(
        orders: Int, to directory: String, endingAt end: Date, seed: UInt64 = 42, existing: DemoOverwrite
    ) throws -> [String] {
        let present = existingFiles(in: directory)
        switch existing {
        case .replace:
            try write(orders: orders, to: directory, endingAt: end, seed: seed)
            return fileNames
        case .refuse:
            guard present.isEmpty else {
                throw DemoDataError(
                    "\(directory) already holds \(present.joined(separator: ", ")), which a pipeline may read; nothing was written. "
                        + "Pass --force to overwrite \(present.count == 1 ? "it" : "them"), or --out to write somewhere else.")
            }
            try write(orders: orders, to: directory, endingAt: end, seed: seed)
            return fileNames
        case .keepExisting:
            let missing = fileNames.filter { !present.contains($0) }
            guard !missing.isEmpty else { return [] }
            guard !present.isEmpty else {
                try write(orders: orders, to: directory, endingAt: end, seed: seed)
                return fileNames
            }
            let scratch = (directory as NSString).appendingPathComponent(".sluice-demo-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            try write(orders: orders, to: scratch, endingAt: end, seed: seed)
            for name in missing {
                let target = (directory as NSString).appendingPathComponent(name)
                do {
                    try FileManager.default.moveItem(atPath: (scratch as NSString).appendingPathComponent(name), toPath: target)
                } catch {
                    throw DemoDataError("cannot write \(target): \(error.localizedDescription)")
                }
            }
            return missing
        }
    }
}
