#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import BigQueryAPI
import Foundation
import SluiceCore

/// The objects a `gcs` source names, listed from the bucket: an exact name, a prefix ending in `/`
/// (every object under it), a glob (`*`, `?`, `[…]` within one path segment, as for file sources)
/// or a `{date}` template (every object whose `{date}` part is a `YYYY-MM-DD` date). Listing asks
/// for the literal part before the first wildcard as the prefix, then matches each name.
public enum GCSObjects {
    /// Every object of `spec` in name order (folder placeholders, names ending in `/`, left out).
    /// Throws `CloudStorageError` when the bucket cannot be listed.
    public static func matching(_ spec: GCSSourceSpec, client: CloudStorageClient, pageSize: Int? = nil) async throws -> [CloudStorageObject] {
        let pattern = spec.object
        let listed = try await client.list(bucket: spec.bucket, prefix: prefix(of: pattern), pageSize: pageSize)
        return listed.filter { !$0.name.hasSuffix("/") && matches($0.name, pattern: pattern) }.sorted { $0.name < $1.name }
    }

    /// The newest `updated` time among the source's objects, nil when none match: what a source
    /// freshness check judges.
    public static func newestUpdate(spec: GCSSourceSpec, client: CloudStorageClient) async throws -> Date? {
        try await matching(spec, client: client).compactMap(\.updated).max()
    }

    /// The literal start of `pattern`, before any wildcard or `{date}`.
    static func prefix(of pattern: String) -> String {
        let wild = pattern.firstIndex { "*?[".contains($0) }
        let date = pattern.range(of: SourceFiles.datePlaceholder)?.lowerBound
        let end = [wild, date].compactMap { $0 }.min() ?? pattern.endIndex
        return String(pattern[..<end])
    }

    /// Whether object `name` is one `pattern` names.
    static func matches(_ name: String, pattern: String) -> Bool {
        let digits = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
        let glob = pattern.replacingOccurrences(of: SourceFiles.datePlaceholder, with: digits)
        if glob.contains(where: { "*?[".contains($0) }) {
            return fnmatch(glob, name, FNM_PATHNAME) == 0
        }
        return pattern.hasSuffix("/") ? name.hasPrefix(pattern) : name == pattern
    }

    /// What the state store remembers of an object read into a table: `gs://bucket/name` as the
    /// path, its size, its generation in place of a modification time, its MD5 as the digest.
    static func record(_ object: CloudStorageObject) -> SourceFileRecord {
        SourceFileRecord(path: object.uri, size: object.size, modifiedNanoseconds: object.generation, digest: object.md5Hash ?? "")
    }

    /// Whether `object` must be read, given what was recorded: a name never read is new, another
    /// generation than the one read is changed (read whole again), the same one unchanged.
    static func status(_ object: CloudStorageObject, recorded: [String: SourceFileRecord]) -> SourceFileStatus {
        guard let record = recorded[object.uri] else { return .new }
        return record.modifiedNanoseconds == object.generation ? .unchanged : .changed
    }
}
