import Foundation
import SluiceCore

/// Reads a manifest file and the model SQL it names from disk, relative to a base directory.
public enum ManifestLoader {
    /// The parsed manifest or every problem in it; relative paths resolve against `baseDirectory`.
    /// `${VAR}` references take their values from `environment` (the process's, by default).
    public static func load(
        _ path: String, baseDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Result<Manifest, ManifestErrors> {
        let base = baseDirectory
        let absolute = path.hasPrefix("/") ? path : base + "/" + path
        // Refused before it is read: a huge file must not be loaded into memory to learn it is too big.
        if let size = (try? FileManager.default.attributesOfItem(atPath: absolute))?[.size] as? Int,
            let problem = ManifestLimits.sizeProblem(byteCount: size)
        {
            throw ConfigurationError("\(path): \(problem)")
        }
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw ConfigurationError(
                "cannot read the manifest \(path): no such file. Set SLUICE_MANIFEST or pass a path; the demo lives in manifest/sluice.yml")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError("the manifest \(path) is not UTF-8 text")
        }
        return ManifestParser.parse(yaml: text, file: path, baseDirectory: base, environment: environment) { sqlPath in
            let resolved = sqlPath.hasPrefix("/") ? sqlPath : base + "/" + sqlPath
            return FileManager.default.contents(atPath: resolved).flatMap { String(data: $0, encoding: .utf8) }
        }
    }

    /// The manifest, or a `ConfigurationError` listing every problem (what `serve` and `run` refuse to start on).
    public static func loadValid(
        _ path: String, baseDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Manifest {
        switch try load(path, baseDirectory: baseDirectory, environment: environment) {
        case let .success(manifest):
            return manifest
        case let .failure(errors):
            throw ConfigurationError(
                "\(errors)\n\(errors.diagnostics.count) problem(s) in \(path); nothing was run. `sluice validate \(path)` lists them again.")
        }
    }
}
