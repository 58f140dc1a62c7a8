import Foundation

/// What a load did with the rows it read: the run report's "N rows read, M new, K updated, J
/// unchanged (older or equal versions)".
public struct LoadCounts: Sendable, Equatable {
    /// Rows inserted (a key, or for appends a row, the table did not have).
    public var inserted: Int64
    /// Existing rows replaced by a newer version of their key.
    public var updated: Int64
    /// Rows that changed nothing: an older or equal version of a key already in the table, or a
    /// row an append already holds.
    public var unchanged: Int64

    /// Creates counts.
    public init(inserted: Int64 = 0, updated: Int64 = 0, unchanged: Int64 = 0) {
        self.inserted = inserted
        self.updated = updated
        self.unchanged = unchanged
    }

    /// Rows written: inserted plus updated.
    public var written: Int64 { inserted + updated }
}

/// The one-line report of a load step.
public struct LoadReport: Sendable, Equatable {
    /// Rows read from the source (good or bad), after the backfill day filter.
    public var rowsRead: Int64
    /// What the warehouse did with them.
    public var counts: LoadCounts
    /// Rows in the table afterwards.
    public var rowsInTable: Int64
    /// Files read (new or changed) and files skipped because they were read before unchanged.
    public var filesRead: Int
    /// Files skipped because they were already read unchanged.
    public var filesUnchanged: Int
    /// Bad records skipped.
    public var badRecords: Int64
    /// Files whose bad rows keep them unread: they are read again on every run until fixed.
    public var filesWithBadRecords: [String]
    /// Rows left out of a backfill because their key's newest version lies in another day.
    public var supersededElsewhere: Int64
    /// The load rebuilt the table from every source row (full refresh).
    public var rebuilt: Bool

    /// Creates a report.
    public init(
        rowsRead: Int64, counts: LoadCounts, rowsInTable: Int64, filesRead: Int = 0, filesUnchanged: Int = 0,
        badRecords: Int64 = 0, filesWithBadRecords: [String] = [], supersededElsewhere: Int64 = 0, rebuilt: Bool = false
    ) {
        self.rowsRead = rowsRead
        self.counts = counts
        self.rowsInTable = rowsInTable
        self.filesRead = filesRead
        self.filesUnchanged = filesUnchanged
        self.badRecords = badRecords
        self.filesWithBadRecords = filesWithBadRecords
        self.supersededElsewhere = supersededElsewhere
        self.rebuilt = rebuilt
    }

    /// `1.2K rows read, 40 new, 3 updated, 1.2K unchanged (older or equal versions), 5K in table`,
    /// then the files and bad records when there are any.
    public var line: String {
        var parts = [
            "\(Format.rows(rowsRead)) read", "\(Format.count(counts.inserted)) new", "\(Format.count(counts.updated)) updated",
            "\(Format.count(counts.unchanged)) unchanged (older or equal versions)",
            "\(Format.rows(rowsInTable)) in table",
        ]
        if rebuilt { parts.insert("rebuilt from every source row", at: 0) }
        if filesRead + filesUnchanged > 0 {
            let files = filesRead == 1 ? "1 file" : "\(filesRead) files"
            parts.append(filesUnchanged == 0 ? "\(files) read" : "\(files) read, \(filesUnchanged) unchanged since read")
        }
        if supersededElsewhere > 0 {
            parts.append("\(Format.count(supersededElsewhere)) older versions left out (their key's newest version is in another day)")
        }
        if badRecords > 0 {
            parts.append("\(Format.count(badRecords)) bad skipped")
            if !filesWithBadRecords.isEmpty {
                let shown = filesWithBadRecords.prefix(3).joined(separator: ", ")
                let more = filesWithBadRecords.count > 3 ? " and \(filesWithBadRecords.count - 3) more" : ""
                parts.append("\(shown)\(more) will be read again until fixed")
            }
        }
        return parts.joined(separator: ", ")
    }
}
