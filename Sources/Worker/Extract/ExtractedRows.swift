import Foundation
import SluiceCore
import Warehouse

/// Reads one source for one load, as typed rows: coercion to the load's columns, the cursor filter,
/// the backfill day filter and bad-record accounting. Files are read one after another, streaming;
/// memory stays flat whatever their size.
public final class ExtractedRows: FieldRowSource {
    /// The load's declared columns, or every source column as `string` when none are declared.
    public let columns: [Column]
    /// Records read from the source, good or bad, before the cursor and day filters.
    public private(set) var rowsRead: Int64 = 0
    /// Records skipped because they did not fit: a wrong field count, a value of the wrong type, text that
    /// is not UTF-8, a field over `max_field_size`, an empty merge key.
    public private(set) var badRecords: Int64 = 0
    /// Up to five bad records, as `file:line: why`.
    public private(set) var badExamples: [String] = []
    /// Rows skipped because their cursor value was before the watermark (a row at the watermark is
    /// read again: the merge key absorbs the overlap; a row without a cursor value is always read).
    public private(set) var skippedByCursor: Int64 = 0
    /// Rows skipped because their partition day was not one of the backfill's days.
    public private(set) var skippedByDay: Int64 = 0
    /// The largest cursor value among the emitted rows (nil without a cursor or rows). Store it as the
    /// source's watermark only after the load committed.
    public var newWatermark: String? { maxCursor.field?.value.text }
    /// Bad records per file (by the path messages show), so a file with bad rows is not marked read.
    public private(set) var badRecordsByFile: [String: Int64] = [:]
    /// The files this stream reads, in order.
    public var filePaths: [String] { files.map(\.display) }

    /// How many bad-record examples are kept.
    public static let exampleLimit = 5

    private let source: Source
    private let load: Load
    private let files: [SourceFiles.File]
    private var nextFile = 1
    private var currentFile: String
    private var reader: (any RecordReader)?
    private let types: [ColumnType]
    private let cursorIndex: Int?
    private let watermark = HeldField()
    private let partitionIndex: Int?
    private let days: Set<String>?
    private let options: RecordReaderOptions
    private let mergeKey: [Int]
    private let maxCursor = HeldField()
    private var row: [Value] = []
    /// The current row's fields.
    private let lent: UnsafeMutableBufferPointer<FieldValue>
    /// Per column, `ColumnType.scratchSize` bytes where coercion may rewrite a value.
    private let scratch: UnsafeMutableBufferPointer<UInt8>
    /// The current row's text, copied when the reader's bytes do not last until its next record.
    private var copied: UnsafeMutableBufferPointer<UInt8> = .allocate(capacity: 1 << 12)
    /// Per column: where its text starts in `copied`, or -1.
    private let copiedAt: UnsafeMutableBufferPointer<Int>

    /// Opens every file of `source` (every match of its path, glob or `{date}` template) for `load`.
    /// Relative paths resolve against `baseDirectory`. With a `watermark`, rows whose cursor is before
    /// it are skipped; with `days` (a backfill) and a partitioned load, only rows of those days are
    /// emitted, from every file (a day's rows may sit in any file). Throws `ExtractError`: a missing
    /// file or empty pattern, a declared column the source lacks.
    public convenience init(source: Source, load: Load, baseDirectory: String, watermark: String?, days: [String]?) throws {
        let files = try SourceFiles.all(of: source, baseDirectory: baseDirectory)
        try self.init(source: source, load: load, files: files, header: files[0], watermark: watermark, days: days)
    }

    /// Opens exactly `files` of `source` for `load` (none: an empty stream whose columns come from
    /// `header`, a file of the source). Filters as in the other initialiser.
    convenience init(
        source: Source, load: Load, files: [SourceFiles.File], header: SourceFiles.File, watermark: String?, days: [String]?
    ) throws {
        let headerFile = files.first ?? header
        let options = RecordReaderOptions(encoding: source.encoding, maxFieldSize: load.maxFieldSize)
        let first = try Self.open(headerFile, kind: source.kind, options: options)
        try self.init(
            source: source, load: load, first: first, display: headerFile.display, reading: !files.isEmpty, files: files,
            watermark: watermark, days: days)
    }

    /// Reads one streamed source (a database query, an API's pages) through its opened `reader`;
    /// `display` names it in messages. Filters as in the other initialisers.
    convenience init(source: Source, load: Load, reader: any RecordReader, display: String, watermark: String?, days: [String]?) throws {
        try self.init(
            source: source, load: load, first: reader, display: display, reading: true, files: [], watermark: watermark, days: days)
    }

    private init(
        source: Source, load: Load, first: any RecordReader, display: String, reading: Bool, files: [SourceFiles.File],
        watermark: String?, days: [String]?
    ) throws {
        self.source = source
        self.load = load
        self.files = files
        currentFile = display
        options = RecordReaderOptions(encoding: source.encoding, maxFieldSize: load.maxFieldSize)
        guard !first.sourceColumns.isEmpty || !load.columns.isEmpty else {
            throw ExtractError(
                .badHeader,
                "cannot tell the columns of \(display): its first record has none; "
                    + "declare the columns of the load into \(load.table) in the manifest")
        }
        let columns = load.columns.isEmpty ? first.sourceColumns.map { Column(name: $0, type: .string) } : load.columns
        self.columns = columns
        types = columns.map(\.type)
        let names = columns.map(\.name)
        try Self.bind(first, names: names, display: display, load: load)
        reader = reading ? first : nil

        if let cursor = source.cursor {
            guard let index = names.firstIndex(of: cursor) else {
                throw ExtractError(
                    .badHeader,
                    "source '\(source.name)' has cursor '\(cursor)', but the load into \(load.table) has no such column "
                        + "(columns: \(names.joined(separator: ", "))); declare it or change the cursor")
            }
            cursorIndex = index
            if let watermark { self.watermark.hold(Value.watermark(watermark, as: columns[index].type)) }
        } else {
            cursorIndex = nil
        }

        if let days, let partition = load.partitionBy {
            guard let index = names.firstIndex(of: partition) else {
                throw ExtractError(
                    .badHeader,
                    "the load into \(load.table) is partitioned by '\(partition)', which is not one of its columns "
                        + "(\(names.joined(separator: ", "))); declare it or change partition_by")
            }
            partitionIndex = index
            self.days = Set(days)
        } else {
            partitionIndex = nil
            self.days = nil
        }
        if case let .merge(key) = load.write {
            mergeKey = key.compactMap { names.firstIndex(of: $0) }
        } else {
            mergeKey = []
        }
        row.reserveCapacity(columns.count)
        lent = .allocate(capacity: columns.count)
        lent.initialize(repeating: .null)
        scratch = .allocate(capacity: columns.count * ColumnType.scratchSize)
        copiedAt = .allocate(capacity: columns.count)
    }

    deinit {
        lent.deallocate()
        scratch.deallocate()
        copied.deallocate()
        copiedAt.deallocate()
    }

    /// The current row's fields (after `advanceRow` returned true), one per column.
    public var fields: UnsafeBufferPointer<FieldValue> { UnsafeBufferPointer(lent) }

    /// The next row that fits and passes the filters, as values; nil at the end of the last file.
    public func nextRow() throws -> [Value]? {
        guard try advanceRow() else { return nil }
        // Fill the last row's storage (reused once the caller let go of it).
        var row: [Value] = []
        swap(&row, &self.row)
        defer { self.row = row }
        row.removeAll(keepingCapacity: true)
        for field in lent { row.append(field.value) }
        return row
    }

    /// Moves to the next row that fits and passes the filters, whose fields `fields` then lends;
    /// false at the end of the last file. Throws `tooManyBadRecords` once more records failed than
    /// `max_bad_records` allows, and `unclosedQuote` when a quoted CSV field runs past the load's
    /// `max_field_size`.
    public func advanceRow() throws -> Bool {
        records: while let reader {
            switch try reader.advance() {
            case .end:
                self.reader = nil
                if nextFile < files.count {
                    let file = files[nextFile]
                    nextFile += 1
                    let next = try Self.open(file, kind: source.kind, options: options)
                    try Self.bind(next, names: columns.map(\.name), display: file.display, load: load)
                    self.reader = next
                    currentFile = file.display
                }
                continue records
            case let .bad(reason):
                rowsRead += 1
                try recordBad("\(reader.location): \(reason)")
                continue records
            case .record:
                rowsRead += 1
            }

            let lasting = reader.fieldsLastUntilAdvance
            var copiedCount = 0
            for index in 0..<types.count {
                copiedAt[index] = -1
                guard let bytes = reader.field(index) else {
                    lent[index] = .null
                    continue
                }
                let room = UnsafeMutableBufferPointer(rebasing: scratch[(index * ColumnType.scratchSize)..<((index + 1) * ColumnType.scratchSize)])
                guard let field = types[index].coerce(utf8: bytes, scratch: room) else {
                    try recordBad("\(reader.location): \(unfit(bytes, column: index))")
                    continue records
                }
                lent[index] = field
                if !lasting, let text = field.text {
                    // The reader may reuse these bytes for its next field: keep a copy.
                    copiedAt[index] = copiedCount
                    copy(text, at: copiedCount)
                    copiedCount += text.count
                }
            }
            if !lasting {
                // Point the copied fields at their copies, now that the buffer has stopped growing.
                for index in 0..<types.count where copiedAt[index] >= 0 {
                    let start = copiedAt[index], count = lent[index].text?.count ?? 0
                    lent[index] = lent[index].moved(to: UnsafeBufferPointer(rebasing: copied[start..<(start + count)]))
                }
            }

            // Merge keys: a row whose key (any key column) is NULL or empty would load with no key; it
            // is a bad record instead, like a value of the wrong type.
            for index in mergeKey {
                guard case .null = lent[index] else { continue }
                try recordBad("\(reader.location): merge key \(columns[index].name) is empty")
                continue records
            }

            if let partitionIndex, let days {
                guard let day = lent[partitionIndex].value.day, days.contains(day) else {
                    skippedByDay += 1
                    continue records
                }
            }
            if let cursorIndex {
                let value = lent[cursorIndex]
                if let watermark = watermark.field, FieldValue.compareCursor(value, watermark) == .orderedAscending {
                    skippedByCursor += 1
                    continue records
                }
                if case .null = value {
                } else if maxCursor.field.map({ FieldValue.compareCursor(value, $0) == .orderedDescending }) ?? true {
                    maxCursor.hold(value)
                }
            }
            return true
        }
        return false
    }

    /// Copies `text` into `copied` at `offset`, growing it (and keeping what it holds) when needed.
    private func copy(_ text: UnsafeBufferPointer<UInt8>, at offset: Int) {
        if offset + text.count > copied.count {
            let larger = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(offset + text.count, copied.count * 2))
            _ = larger.initialize(from: UnsafeBufferPointer(rebasing: copied[0..<offset]))
            copied.deallocate()
            copied = larger
        }
        _ = UnsafeMutableBufferPointer(rebasing: copied[offset..<(offset + text.count)]).initialize(from: text)
    }

    private func recordBad(_ example: String) throws {
        badRecords += 1
        badRecordsByFile[currentFile, default: 0] += 1
        if badExamples.count < Self.exampleLimit { badExamples.append(example) }
        guard badRecords > Int64(load.maxBadRecords) else { return }
        let records = badRecords == 1 ? "1 bad record" : "\(badRecords) bad records"
        throw ExtractError(
            .tooManyBadRecords,
            "\(records) in source '\(source.name)' for \(load.table), more than max_bad_records "
                + "(\(load.maxBadRecords)); stopped reading. Examples:\n"
                + badExamples.map { "  \($0)" }.joined(separator: "\n")
                + "\nFix these rows in the source, or raise max_bad_records on the load to skip them.")
    }

    /// Why a field's bytes do not fit column `index`: they are not UTF-8, or not a value of its type.
    private func unfit(_ bytes: UnsafeBufferPointer<UInt8>, column index: Int) -> String {
        let column = columns[index]
        guard String(validating: bytes, as: UTF8.self) != nil else {
            let inFile = if case .sqlite = source.kind { false } else { true }
            return BadRecordReason.notUTF8("column \(column.name)", inFile: inFile)
        }
        return "column \(column.name): '\(Self.shown(bytes))' \(column.type.expectation)"
    }

    private static func open(
        _ file: SourceFiles.File, kind: SourceKind, options: RecordReaderOptions
    ) throws -> any RecordReader {
        switch kind {
        case .csv: try CSVRecordReader(path: file.path, displayPath: file.display, options: options)
        case .ndjson: try NDJSONRecordReader(path: file.path, displayPath: file.display, options: options)
        case let .sqlite(_, query): try SQLiteRecordReader(path: file.path, displayPath: file.display, query: query)
        case .postgres, .http, .gcs: throw ExtractError(.unreadable, "source kind \(kind.word) is not read from files")
        }
    }

    private static func bind(_ reader: any RecordReader, names: [String], display: String, load: Load) throws {
        let missing = reader.bind(names)
        guard !missing.isEmpty else { return }
        let list = missing.map { "'\($0)'" }.joined(separator: ", ")
        throw ExtractError(
            .badHeader,
            "the load into \(load.table) declares \(list), but \(display) has no such column "
                + "(its columns: \(reader.sourceColumns.joined(separator: ", "))); "
                + "add the column to the source or remove it from the load's columns")
    }

    /// A field as shown in a bad-record example: at most 40 characters.
    private static func shown(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.count > 40 ? text.prefix(40) + "…" : text
    }
}
