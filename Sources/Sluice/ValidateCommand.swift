import ArgumentParser
import Foundation
import SluiceApp
import SluiceCore

/// `sluice validate [MANIFEST]`: every problem with file, line and column; exit code 1 if any.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check a manifest and list every problem with its line and column.")

    @Argument(help: "The manifest (default: SLUICE_MANIFEST or manifest/sluice.yml).")
    var manifest: String?

    func run() async throws {
        let path: String
        let result: Result<Manifest, ManifestErrors>
        do {
            path = try manifest ?? SluiceConfiguration().manifestPath
            result = try ManifestLoader.load(path, baseDirectory: FileManager.default.currentDirectoryPath)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        switch result {
        case let .success(manifest):
            let tables = manifest.tables.count
            let checks = manifest.pipelines.map(\.checks.count).reduce(0, +)
            print("\(path): valid — \(manifest.pipelines.count) pipeline(s), \(tables) table(s), \(checks) check(s)")
        case let .failure(errors):
            print(errors.description)
            print("\(errors.diagnostics.count) problem(s) in \(path)")
            throw ExitCode.failure
        }
    }
}
