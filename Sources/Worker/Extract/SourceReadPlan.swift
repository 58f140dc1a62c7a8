import Foundation
import SluiceCore

/// Which files of a source a load reads this time, by the load rule: every file when the table is
/// rebuilt (a truncate load, a full refresh, a backfill); otherwise the new and changed files, whole,
/// and none of the files already read unchanged. A sqlite source is one database read through its
/// cursor, never skipped.
struct SourceReadPlan {
    /// Every file of the source, in reading order.
    let all: [SourceFiles.File]
    /// The files to read.
    let toRead: [SourceFiles.File]
    /// How many files were skipped as read before unchanged.
    let unchanged: Int
    /// The identity of each file read, to record once the load committed (and it had no bad rows).
    let identities: [String: SourceFileRecord]
    /// True when some file read now was read before in another version, or the cursor re-reads the
    /// rows at the watermark: the input may repeat rows the table holds (appends must deduplicate).
    let mayRepeatRows: Bool

    /// Whether the plan may skip files read before.
    enum Mode {
        /// Read the new and changed files only.
        case incremental(recorded: [String: SourceFileRecord])
        /// Read every file; remember what was read (a full refresh) or not (a truncate load, whose
        /// table never keeps what it read, or a backfill, which records nothing).
        case everything(recording: Bool)
    }

    /// Resolves the source's files and decides which to read.
    static func make(source: Source, baseDirectory: String, mode: Mode, watermark: String?) throws -> SourceReadPlan {
        let all = try SourceFiles.all(of: source, baseDirectory: baseDirectory)
        if case .sqlite = source.kind {
            return SourceReadPlan(all: all, toRead: all, unchanged: 0, identities: [:], mayRepeatRows: watermark != nil)
        }
        if case .everything(recording: false) = mode {
            // Nothing is recorded, so the files are neither stated nor hashed.
            return SourceReadPlan(all: all, toRead: all, unchanged: 0, identities: [:], mayRepeatRows: false)
        }
        var toRead: [SourceFiles.File] = []
        var identities: [String: SourceFileRecord] = [:]
        var unchanged = 0
        var repeats = false
        for file in all {
            let (size, modified) = try SourceFileIdentity.attributes(file)
            var digest: String?
            let currentDigest = {
                if let digest { return digest }
                let computed = try SourceFileIdentity.digest(file)
                digest = computed
                return computed
            }
            switch mode {
            case .everything:
                toRead.append(file)
            case let .incremental(recorded):
                let status = try SourceFileRule.status(
                    size: size, modifiedNanoseconds: modified, recorded: recorded[file.display], digest: currentDigest)
                switch status {
                case .unchanged:
                    unchanged += 1
                    if let record = recorded[file.display], record.modifiedNanoseconds != modified {
                        // Touched but the same bytes: remember the new time so it is not hashed again.
                        identities[file.display] = SourceFileRecord(
                            path: file.display, size: size, modifiedNanoseconds: trustedTime(modified), digest: record.digest)
                    }
                    continue
                case .changed:
                    repeats = true
                    toRead.append(file)
                case .new:
                    toRead.append(file)
                }
            }
            identities[file.display] = SourceFileRecord(
                path: file.display, size: size, modifiedNanoseconds: trustedTime(modified), digest: try currentDigest())
        }
        return SourceReadPlan(all: all, toRead: toRead, unchanged: unchanged, identities: identities, mayRepeatRows: repeats)
    }

    /// How recent a modification time must not be for it to vouch for a file's content.
    static let racyWindow: Int64 = 2_000_000_000

    /// The modification time to record: a time within `racyWindow` of now could be shared by a later
    /// write of the same size (file systems keep times at a coarse tick), so it is recorded as 0,
    /// which never matches, and the next run compares the content hash instead (as git does for
    /// "racily clean" files).
    private static func trustedTime(_ modified: Int64) -> Int64 {
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000_000)
        return now - modified < racyWindow ? 0 : modified
    }
}
