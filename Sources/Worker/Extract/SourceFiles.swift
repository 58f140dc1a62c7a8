#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SluiceCore

/// Turns a source's `path:` into the files to read: a plain path, a glob (`*`, `?`, `[…]`: every match
/// in sorted order), or a `{date}` template (`orders_{date}.csv`: for a backfill the files of exactly
/// those days, otherwise every file whose `{date}` part is a `YYYY-MM-DD` date).
enum SourceFiles {
    /// A file to read: where it is, and how messages name it.
    struct File: Equatable {
        /// Absolute (or base-relative) path to open.
        var path: String
        /// The path relative to the base directory when it lies inside it, for messages.
        var display: String
    }

    /// The `{date}` placeholder.
    static let datePlaceholder = "{date}"

    /// Every file of a source: each match of a csv/ndjson path, glob or `{date}` template; a sqlite
    /// source's database.
    static func all(of source: Source, baseDirectory: String) throws -> [File] {
        switch source.kind {
        case let .csv(path), let .ndjson(path):
            return try resolve(path, baseDirectory: baseDirectory, days: nil, source: source)
        case let .sqlite(path, _):
            let absolute = absolutePath(path, baseDirectory: baseDirectory)
            return [File(path: absolute, display: display(absolute, baseDirectory: baseDirectory))]
        case .postgres, .http, .gcs:
            return []
        }
    }

    /// The files `pattern` names for `source`; throws `missingFile` when there are none or a named file
    /// (or backfill day's file) does not exist or is a directory.
    static func resolve(_ pattern: String, baseDirectory: String, days: [String]?, source: Source) throws -> [File] {
        let absolute = absolutePath(pattern, baseDirectory: baseDirectory)
        if pattern.contains(datePlaceholder) {
            if let days {
                return try Set(days).sorted().map { day in
                    let path = absolute.replacingOccurrences(of: datePlaceholder, with: day)
                    let file = File(path: path, display: display(path, baseDirectory: baseDirectory))
                    guard isRegularFile(path) else {
                        throw ExtractError(
                            .missingFile,
                            "source '\(source.name)' has no file for \(day): \(file.display) "
                                + (isDirectory(path) ? "is a directory" : "does not exist")
                                + "; choose days that have files or add the missing file")
                    }
                    return file
                }
            }
            let digits = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
            return try matches(absolute.replacingOccurrences(of: datePlaceholder, with: digits),
                               shown: pattern, baseDirectory: baseDirectory, source: source.name)
        }
        if pattern.contains(where: { "*?[".contains($0) }) {
            return try matches(absolute, shown: pattern, baseDirectory: baseDirectory, source: source.name)
        }
        let file = File(path: absolute, display: display(absolute, baseDirectory: baseDirectory))
        if isDirectory(absolute) {
            let folder = file.display.hasSuffix("/") ? String(file.display.dropLast()) : file.display
            throw ExtractError(
                .missingFile,
                "source '\(source.name)': \(file.display) is a directory; "
                    + "name a file, a glob (\(folder)/*.\(source.kind.word)) or a \(datePlaceholder) template")
        }
        guard isRegularFile(absolute) else {
            throw ExtractError(
                .missingFile,
                "source '\(source.name)': \(file.display) does not exist (resolved against \(baseDirectory)); "
                    + "check the path in the manifest")
        }
        return [file]
    }

    /// `path` made absolute against `baseDirectory` (absolute paths are kept).
    static func absolutePath(_ path: String, baseDirectory: String) -> String {
        if path.hasPrefix("/") || baseDirectory.isEmpty { return path }
        return baseDirectory + (baseDirectory.hasSuffix("/") ? "" : "/") + path
    }

    /// `path` relative to `baseDirectory` when inside it, else as is.
    static func display(_ path: String, baseDirectory: String) -> String {
        let prefix = baseDirectory.hasSuffix("/") ? baseDirectory : baseDirectory + "/"
        return !baseDirectory.isEmpty && path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func matches(_ pattern: String, shown: String, baseDirectory: String, source: String) throws -> [File] {
        var result = glob_t()
        defer { globfree(&result) }
        let status = glob(pattern, 0, nil, &result)
        var paths: [String] = []
        if status == 0 {
            for index in 0..<Int(result.gl_pathc) {
                if let path = result.gl_pathv[index] { paths.append(String(cString: path)) }
            }
        } else if status != GLOB_NOMATCH {
            throw ExtractError(.unreadable, "source '\(source)': cannot list the files matching \(shown) (glob error \(status))")
        }
        let files = paths.filter(isRegularFile).sorted().map { File(path: $0, display: display($0, baseDirectory: baseDirectory)) }
        guard !files.isEmpty else {
            throw ExtractError(
                .missingFile,
                "source '\(source)': no files match \(shown) (resolved against \(baseDirectory)); "
                    + "check the path in the manifest or add the files")
        }
        return files
    }
}
