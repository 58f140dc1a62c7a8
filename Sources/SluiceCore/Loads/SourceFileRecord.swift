import Foundation

/// What Sluice remembers of a source file it has read into a table: enough to tell, on the next
/// run, whether the file is unchanged (skip it), changed or new (read it whole).
public struct SourceFileRecord: Sendable, Equatable {
    /// The file's path as the manifest names it (relative to the manifest's folder when inside it).
    public var path: String
    /// Size in bytes when it was read.
    public var size: Int64
    /// Modification time when it was read, in whole nanoseconds since 1970 (exact, so a touch shows).
    public var modifiedNanoseconds: Int64
    /// SHA-256 of the content, lowercase hex.
    public var digest: String

    /// Creates a record.
    public init(path: String, size: Int64, modifiedNanoseconds: Int64, digest: String) {
        self.path = path
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
        self.digest = digest
    }
}

/// Whether a file must be read, compared with what was recorded.
public enum SourceFileStatus: Sendable, Equatable {
    /// Never read into this table.
    case new
    /// Read before, but its content differs now.
    case changed
    /// Read before with the same content: nothing in it can be new.
    case unchanged
}

/// The rule that decides which files a load reads. A file whose size and modification time equal
/// the record is unchanged without reading it; one whose size differs is changed; one whose
/// modification time alone differs is unchanged only when its content hash is the same (a touch,
/// a copy that kept the bytes).
public enum SourceFileRule {
    /// The status of a file given its current size and time, its record, and (only asked for when
    /// needed) its current content digest.
    public static func status(
        size: Int64, modifiedNanoseconds: Int64, recorded: SourceFileRecord?, digest: () throws -> String
    ) rethrows -> SourceFileStatus {
        guard let recorded else { return .new }
        if recorded.size != size { return .changed }
        if recorded.modifiedNanoseconds == modifiedNanoseconds { return .unchanged }
        return try digest() == recorded.digest ? .unchanged : .changed
    }
}
