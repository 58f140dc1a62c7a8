import Foundation
import Logging
import SluiceCore

/// How old the newest data in a source itself is, for a source freshness check (`freshness: exports`):
/// the newest modification time of a file source's files, the newest `updated` of a Cloud Storage
/// source's objects, the greatest cursor of a PostgreSQL source. Nothing is read but metadata (and
/// one `max()` query).
public struct SourceFreshnessProbe: Sendable {
    let manifest: Manifest
    let logger: Logger

    /// A probe for `manifest`'s sources.
    public init(manifest: Manifest, logger: Logger) {
        self.manifest = manifest
        self.logger = logger
    }

    /// The instant of the newest data in `source`, or nil when it has none (no files, no rows).
    /// Throws `ExtractError` in the user's terms when the source cannot be asked.
    func newest(of source: Source) async throws -> Date? {
        switch source.kind {
        case .csv, .ndjson:
            let files: [SourceFiles.File]
            do {
                files = try SourceFiles.all(of: source, baseDirectory: manifest.baseDirectory)
            } catch let error as ExtractError where error.code == .missingFile {
                return nil
            }
            return files.compactMap { file in
                (try? FileManager.default.attributesOfItem(atPath: file.path))?[.modificationDate] as? Date
            }.max()
        case let .gcs(spec):
            let client = try GCSConnection.current.client(for: source.name)
            return try await GCSObjects.newestUpdate(spec: spec, client: client)
        case let .postgres(spec):
            guard let cursor = source.cursor else {
                throw ExtractError(.unreadable, "source '\(source.name)' has no cursor, so its freshness cannot be read")
            }
            guard let text = try await PostgresSource.newestCursor(spec: spec, cursor: cursor, logger: logger) else { return nil }
            guard let instant = ColumnType.instant(text) else {
                throw ExtractError(
                    .unreadable,
                    "the newest \(cursor) of source '\(source.name)' is '\(text)', not a date or timestamp; a source's freshness needs a time cursor")
            }
            return instant
        case .sqlite, .http:
            throw ExtractError(.unreadable, "the freshness of a \(source.kind.word) source cannot be read; check the table it loads instead")
        }
    }

    /// Every rule's source asked at once (a few at a time), each with a deadline of `timeout`
    /// seconds; a failure becomes the reading's problem, redacted.
    public func read(_ rules: [SourceFreshnessRule], timeout: Duration = .seconds(20)) async -> [SourceFreshnessReading] {
        await withTaskGroup(of: (Int, SourceFreshnessReading).self) { group in
            var readings: [SourceFreshnessReading?] = Array(repeating: nil, count: rules.count)
            var next = 0
            func start(_ index: Int) {
                let rule = rules[index]
                group.addTask {
                    guard let source = manifest.pipeline(named: rule.pipeline)?.source(named: rule.source) else {
                        return (index, SourceFreshnessReading(rule: rule, kind: "?", newest: nil, problem: "not in the manifest"))
                    }
                    do {
                        let found: Date? = try await withDeadline(timeout) { try await self.newest(of: source) }
                        return (index, SourceFreshnessReading(rule: rule, kind: source.kind.word, newest: found))
                    } catch {
                        return (index, SourceFreshnessReading(
                            rule: rule, kind: source.kind.word, newest: nil, problem: manifest.redact("\(error)")))
                    }
                }
            }
            while next < min(4, rules.count) {
                start(next)
                next += 1
            }
            for await (index, reading) in group {
                readings[index] = reading
                if next < rules.count {
                    start(next)
                    next += 1
                }
            }
            return readings.compactMap { $0 }
        }
    }

    /// `work`, or a timeout error after `limit`.
    private func withDeadline<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw ExtractError(.unreadable, "the source did not answer within \(limit.components.seconds) s")
            }
            guard let first = try await group.next() else { throw CancellationError() }
            group.cancelAll()
            return first
        }
    }
}
