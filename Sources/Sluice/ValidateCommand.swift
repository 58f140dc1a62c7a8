import ArgumentParser
import Foundation
import SluiceApp
import SluiceCore

/// `sluice validate [MANIFEST]`: every problem with file, line and column, then the models and checks
/// compiled against the warehouse when it can be reached; exit code 1 if any problem.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a manifest, compile its models and checks against the warehouse, and list every problem with its line and column.")

    @Argument(help: "The manifest (default: SLUICE_MANIFEST or manifest/sluice.yml).")
    var manifest: String?

    func run() async throws {
        let path: String
        let result: Result<Manifest, ManifestErrors>
        let configuration = Result { try SluiceConfiguration() }
        do {
            path = try manifest ?? configuration.get().manifestPath
            result = try ManifestLoader.load(path, baseDirectory: FileManager.default.currentDirectoryPath)
        } catch let error as ConfigurationError {
            throw CommandFailure(error.description)
        }
        switch result {
        case let .success(manifest):
            let report = switch configuration {
            case let .success(configuration): await WarehouseCompilation.compile(manifest, configuration: configuration, logger: Logs.bootstrap())
            case let .failure(error): ManifestCompileReport(unavailable: "\(error)")
            }
            if !report.problems.isEmpty {
                for line in report.problems.map(\.description) + report.notes { print(line) }
                print("\(report.problems.count) problem(s) found compiling \(path) against its warehouse")
                throw ExitCode.failure
            }
            let tables = manifest.tables.count
            let checks = manifest.pipelines.map(\.checks.count).reduce(0, +)
            print("\(path): valid — \(manifest.pipelines.count) pipeline(s), \(tables) table(s), \(checks) check(s)")
            for note in report.notes { print(note) }
        case let .failure(errors):
            print(errors.description)
            print("\(errors.diagnostics.count) problem(s) in \(path)")
            throw ExitCode.failure
        }
    }
}
