import Foundation
import SluiceCore

/// Reads a manifest file and the model SQL it names from disk, relative to the working directory.
enum ManifestLoader {
    /// The parsed manifest or every problem in it.
    static func load(_ path: String) throws -> Result<Manifest, ManifestErrors> {
        let base = FileManager.default.currentDirectoryPath
        let absolute = path.hasPrefix("/") ? path : base + "/" + path
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw CLIError("cannot read the manifest \(path): no such file. Set SLUICE_MANIFEST or pass a path; the demo lives in manifest/sluice.yml")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError("the manifest \(path) is not UTF-8 text")
        }
        return ManifestParser.parse(yaml: text, file: path, baseDirectory: base) { sqlPath in
            let resolved = sqlPath.hasPrefix("/") ? sqlPath : base + "/" + sqlPath
            return FileManager.default.contents(atPath: resolved).flatMap { String(data: $0, encoding: .utf8) }
        }
    }

    /// The manifest, or a `CLIError` listing every problem (what `serve` and `run` refuse to start on).
    static func loadValid(_ path: String) throws -> Manifest {
        switch try load(path) {
        case let .success(manifest):
            return manifest
        case let .failure(errors):
            throw CLIError("\(errors)\n\(errors.diagnostics.count) problem(s) in \(path); nothing was run. `sluice validate \(path)` lists them again.")
        }
    }
}
