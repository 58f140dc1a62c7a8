import Foundation
import GRDB
import SluiceCore

/// The state store in a SQLite file (GRDB `DatabasePool`, WAL mode): concurrent snapshot reads, and
/// writes serialized one transaction at a time.
public struct SQLiteStateStore: StateStore {
    /// The database file.
    public let path: String
    private let pool: DatabasePool

    /// Opens the store at `path`, creating the file and its parent directories when missing, and
    /// applies pending migrations. Throws `StateStoreError.unavailable` when it cannot.
    public init(path: String) throws {
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StateStoreError.unavailable(
                "cannot create the directory \(directory.path) for \(path) (\(error)); "
                    + "check its permissions or set SLUICE_STATE to another path")
        }
        var configuration = Configuration()
        configuration.label = "sluice-state"
        configuration.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StateStoreError.unavailable(
                "cannot open \(path) (\(error)); check that it is a SQLite file you may write, "
                    + "or set SLUICE_STATE to another path")
        }
        let migrator = StateMigrations.migrator
        do {
            if try pool.read({ db in try migrator.hasBeenSuperseded(db) }) {
                throw StateStoreError.unavailable(
                    "\(path) was written by a newer version of Sluice; upgrade Sluice or point SLUICE_STATE elsewhere")
            }
            try migrator.migrate(pool)
        } catch let error as StateStoreError {
            throw error
        } catch {
            throw StateStoreError.unavailable(
                "cannot migrate \(path) (\(error)); restore a backup or point SLUICE_STATE to a new file")
        }
    }

    /// Reads a consistent snapshot.
    public func read<T: Sendable>(_ body: @Sendable (any StateReader) throws -> T) async throws -> T {
        try await pool.read { db in try body(SQLiteStateReader(db: db)) }
    }

    /// Runs `body` in one write transaction; a thrown error rolls everything back.
    public func write<T: Sendable>(_ body: @Sendable (any StateWriter) throws -> T) async throws -> T {
        try await pool.write { db in try body(SQLiteStateWriter(db: db)) }
    }

    /// Reachable when the file answers a read; current when every migration of this build is applied.
    public func health() async -> StateStoreHealth {
        do {
            let current = try await pool.read { db in try StateMigrations.migrator.hasCompletedMigrations(db) }
            return StateStoreHealth(
                reachable: true, migrationsCurrent: current,
                problem: current ? nil : "\(path) lacks migrations of this version of Sluice: restart it so that they are applied")
        } catch {
            return StateStoreHealth(
                reachable: false, migrationsCurrent: false,
                problem: "\(path) cannot be read (\(error)): check the disk and the file's permissions")
        }
    }
}
