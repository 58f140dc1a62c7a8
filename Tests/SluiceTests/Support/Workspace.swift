import Foundation
import SluiceCore
import StateStore
import Synchronization
import Warehouse

/// A throwaway project folder for a test: files, a manifest parsed from YAML, a state store and a
/// SQLite warehouse inside it. Removed when the value is deinitialised.
final class Workspace: Sendable {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Absolute path of a workspace-relative path.
    func path(_ relative: String) -> String { root + "/" + relative }

    /// Writes a text file, creating folders.
    func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path(relative))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Writes a file of raw bytes (text in another encoding, or broken UTF-8), creating folders.
    func write(_ relative: String, bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: path(relative))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// Parses a manifest whose relative paths resolve in this workspace, `${VAR}` filled from
    /// `environment`; fails the test on diagnostics.
    func manifest(_ yaml: String, environment: [String: String] = [:]) throws -> Manifest {
        let result = ManifestParser.parse(yaml: yaml, file: "sluice.yml", baseDirectory: root, environment: environment) { sqlPath in
            let full = sqlPath.hasPrefix("/") ? sqlPath : self.path(sqlPath)
            return FileManager.default.contents(atPath: full).flatMap { String(data: $0, encoding: .utf8) }
        }
        return try result.get()
    }

    /// The workspace's state store (same file every call, like a restarted process).
    func stateStore() throws -> SQLiteStateStore {
        try SQLiteStateStore(path: path("state.sqlite"))
    }

    /// The workspace's SQLite warehouse.
    func warehouse() throws -> SQLiteWarehouse {
        try SQLiteWarehouse(directory: path("warehouse"))
    }

    /// The repository's root folder (for the checked-in demo manifest and models).
    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }
}

/// A clock the test moves by hand; `sleep(until:)` jumps to the date at once.
final class TestClock: WallClock {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 += seconds }
    }

    func sleep(until date: Date) async throws {
        try Task.checkCancellation()
        current.withLock { $0 = max($0, date) }
    }
}
