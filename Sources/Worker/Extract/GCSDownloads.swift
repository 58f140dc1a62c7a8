import Foundation

/// A private temporary folder for one load's downloaded objects, removed (with everything in it)
/// by `remove()`, also after a failure.
struct GCSDownloads {
    /// The folder.
    let folder: String

    /// Creates the folder under the system's temporary directory; throws `ExtractError` naming
    /// the source when it cannot.
    init(source: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-gcs-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ExtractError(.unreadable, "source '\(source)': cannot create a temporary folder for its objects (\(folder)): \(error)")
        }
    }

    /// The file of the `index`th object (-1: a header read).
    func path(for index: Int) -> String {
        folder + (index < 0 ? "/head" : "/object-\(index)")
    }

    /// Removes the folder and its files.
    func remove() {
        try? FileManager.default.removeItem(atPath: folder)
    }
}
