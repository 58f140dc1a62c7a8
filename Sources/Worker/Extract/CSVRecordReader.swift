#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SluiceCore

/// Reads an RFC 4180 CSV file with a header row, streaming, at the byte level: quoted fields with
/// commas, `""` escapes and line breaks, CRLF or LF line ends, an optional UTF-8 byte-order mark.
/// Fields are spans of the read buffer; nothing is copied until a value is coerced.
///
/// A bad record is one physical line: when a record turns out bad (a wrong field count, text after a
/// closing quote, a quote never closed, a field over `max_field_size`), only the line it starts on is
/// skipped and reading resumes on the next line, so one stray quote cannot hide the rows after it.
/// A quoted field still open after `max_field_size` bytes fails the read with the line it opened on.
final class CSVRecordReader: RecordReader {
    private static let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
    /// The longest header record read before giving up on the file as CSV.
    private static let headerLimit = 256 << 20

    /// A field of the current record: `start..<end` of the buffer; `escaped` while it still holds `""`.
    private struct FieldSpan {
        var start: Int
        var end: Int
        var escaped: Bool
    }

    /// Why a record is bad.
    private enum Problem {
        case textAfterQuote, neverClosed, fieldCount(found: Int), tooManyFields, fieldTooLong(index: Int)
    }

    /// What one scan of the buffer found.
    private enum ScanOutcome {
        case record, blank, end
        /// A bad record, still unconsumed: the physical line at `file.start` is skipped.
        case bad(Problem)
        /// A quoted field opened on `line` is still open after `max_field_size` bytes.
        case unclosedQuote(line: Int)
    }

    /// How a scan bounds a record: its fields' size, the whole record's, and the header's field count.
    private struct Limits {
        var field: Int
        var record: Int
        var fields: Int?
    }

    /// The header's column names.
    let sourceColumns: [String]
    private let file: ChunkedFile
    private let maxFieldSize: Int
    private let limits: Limits
    private var spans: [FieldSpan] = []
    private var positions: [Int] = []
    private var recordLine = 1
    private var nextLine = 1

    /// `file:line` of the current record.
    var location: String { "\(file.displayPath):\(recordLine)" }

    /// Opens the file and reads its header; throws `missingFile`, `unreadable`, `badHeader` or `unclosedQuote`.
    init(path: String, displayPath: String, options: RecordReaderOptions) throws {
        file = try ChunkedFile(path: path, displayPath: displayPath, encoding: options.encoding)
        maxFieldSize = options.maxFieldSize
        _ = try file.refill()
        if file.end >= 3, file.bytes[0] == 0xEF, file.bytes[1] == 0xBB, file.bytes[2] == 0xBF {
            file.start = 3
        }
        var header: [String]?
        let headerLimits = Limits(
            field: options.maxFieldSize, record: max(Self.headerLimit, options.maxFieldSize + 3), fields: nil)
        while header == nil {
            switch try Self.scan(file, &spans, &recordLine, &nextLine, headerLimits) {
            case .blank:
                continue
            case .end:
                throw ExtractError(.badHeader, "\(displayPath) is empty; a CSV source needs a header row naming its columns")
            case let .bad(problem):
                let reason = Self.reason(problem, names: [], maxFieldSize: maxFieldSize)
                throw ExtractError(.badHeader, "the header of \(displayPath) cannot be read: \(reason)")
            case let .unclosedQuote(line):
                throw Self.unclosedQuote(file, line: line, maxFieldSize: maxFieldSize)
            case .record:
                var names: [String] = []
                for k in spans.indices {
                    let text = String(decoding: Self.unescape(&spans[k], in: file.bytes), as: UTF8.self)
                    names.append(text.trimmingCharacters(in: .whitespaces))
                }
                header = names
            }
        }
        let names = header ?? []
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw ExtractError(
                .badHeader, "the header of \(displayPath) names column '\(name)' twice; column names must be unique")
        }
        sourceColumns = names
        // A record of n fields, each at most `field` bytes, quoted, with its comma, and a CRLF: any longer
        // record has more fields than the header, so it is bad before it is read whole.
        let (record, overflow) = names.count.multipliedReportingOverflow(by: options.maxFieldSize + 3)
        limits = Limits(field: options.maxFieldSize, record: overflow ? Int.max : record + 2, fields: names.count)
    }

    /// Binds names to header positions; returns the names the header lacks.
    func bind(_ names: [String]) -> [String] {
        var missing: [String] = []
        positions = names.map { name in
            guard let k = sourceColumns.firstIndex(of: name) else {
                missing.append(name)
                return 0
            }
            return k
        }
        return missing
    }

    /// The next record; a bad one is the physical line it starts on, which is skipped.
    func advance() throws -> RecordStatus {
        while true {
            switch try Self.scan(file, &spans, &recordLine, &nextLine, limits) {
            case .blank:
                continue
            case .end:
                return .end
            case .record:
                return .record
            case let .bad(problem):
                try file.skipLine(carriageReturnEndsLine: true)
                recordLine = nextLine
                nextLine += 1
                return .bad(Self.reason(problem, names: sourceColumns, maxFieldSize: maxFieldSize))
            case let .unclosedQuote(line):
                throw Self.unclosedQuote(file, line: line, maxFieldSize: maxFieldSize)
            }
        }
    }

    /// The bytes of bound column `index` of the current record, with `""` unescaped.
    func field(_ index: Int) -> UnsafeBufferPointer<UInt8>? {
        Self.unescape(&spans[positions[index]], in: file.bytes)
    }

    /// A bad record's reason, as the examples show it.
    private static func reason(_ problem: Problem, names: [String], maxFieldSize: Int) -> String {
        switch problem {
        case .textAfterQuote:
            return "text follows a closing quote; quote the whole field and double inner quotes"
        case .neverClosed:
            return "a quoted field is never closed"
        case let .fieldCount(found):
            return "expected \(names.count) fields as in the header, found \(found)"
        case .tooManyFields:
            return names.isEmpty
                ? "it is longer than \(Format.bytes(Int64(headerLimit))); check that the file is CSV"
                : "expected \(names.count) fields as in the header, found more"
        case let .fieldTooLong(index):
            let subject = index < names.count ? "column \(names[index])" : "field \(index + 1)"
            return BadRecordReason.tooLong(subject, maxFieldSize: maxFieldSize)
        }
    }

    /// The error for a quoted field that runs past the limit.
    private static func unclosedQuote(_ file: ChunkedFile, line: Int, maxFieldSize: Int) -> ExtractError {
        ExtractError(
            .unclosedQuote,
            "\(file.displayPath):\(line): a quoted field opened here runs past \(Format.bytes(Int64(maxFieldSize))) "
                + "(max_field_size); close the quote or raise max_field_size on the load")
    }

    /// Turns a span's `""` pairs into `"` in place (once) and returns its bytes.
    private static func unescape(_ span: inout FieldSpan, in bytes: UnsafeMutablePointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        if span.escaped {
            var read = span.start, write = span.start
            while read < span.end {
                bytes[write] = bytes[read]
                read += bytes[read] == quote ? 2 : 1
                write += 1
            }
            span.end = write
            span.escaped = false
        }
        return UnsafeBufferPointer(start: bytes + span.start, count: span.end - span.start)
    }

    /// Scans the next record, reading more of the file whenever it continues past the buffered bytes.
    private static func scan(
        _ file: ChunkedFile, _ spans: inout [FieldSpan], _ recordLine: inout Int, _ nextLine: inout Int, _ limits: Limits
    ) throws -> ScanOutcome {
        while true {
            if let outcome = scanBuffered(file, &spans, &recordLine, &nextLine, limits) { return outcome }
            _ = try file.refill()
        }
    }

    /// Scans one record from the buffered bytes; nil when it continues past them and the file has more.
    /// Never nil at the end of the file. A good record is consumed; a bad one is left for the caller to
    /// skip its first line.
    private static func scanBuffered(
        _ file: ChunkedFile, _ spans: inout [FieldSpan], _ recordLine: inout Int, _ nextLine: inout Int, _ limits: Limits
    ) -> ScanOutcome? {
        let b = file.bytes
        let e = file.end
        let eof = file.isAtEOF
        var p = file.start
        spans.removeAll(keepingCapacity: true)
        if p == e { return eof ? .end : nil }
        if b[p] == lf || b[p] == cr {
            if b[p] == lf || p + 1 < e {
                p += b[p] == cr && b[p + 1] == lf ? 2 : 1
            } else if eof {
                p += 1
            } else {
                return nil
            }
            file.start = p
            nextLine += 1
            return .blank
        }
        // Asks for more bytes, unless the record is already longer than a good one can be.
        var needMore: ScanOutcome? { e - file.start > limits.record ? .bad(.tooManyFields) : nil }
        var breaks = 0
        while true {
            if p < e, b[p] == quote {
                let openLine = nextLine + breaks
                p += 1
                let fieldStart = p
                var escaped = false
                while true {
                    guard let found = memchr(b + p, Int32(quote), e - p) else {
                        if e - fieldStart > limits.field { return .unclosedQuote(line: openLine) }
                        if !eof { return needMore }
                        return .bad(.neverClosed)
                    }
                    let q = found.assumingMemoryBound(to: UInt8.self) - b
                    if q - fieldStart > limits.field { return .unclosedQuote(line: openLine) }
                    breaks += newlines(b, from: p, to: q)
                    p = q + 1
                    if p == e, !eof { return needMore }
                    if p < e, b[p] == quote {
                        escaped = true
                        p += 1
                        continue
                    }
                    break
                }
                spans.append(FieldSpan(start: fieldStart, end: max(fieldStart, p - 1), escaped: escaped))
                if p < e, b[p] != comma, b[p] != lf, b[p] != cr { return .bad(.textAfterQuote) }
            } else {
                let fieldStart = p
                while p < e {
                    let c = b[p]
                    if c == comma || c == lf || c == cr { break }
                    p += 1
                }
                if p - fieldStart > limits.field { return .bad(.fieldTooLong(index: spans.count)) }
                if p == e, !eof { return needMore }
                spans.append(FieldSpan(start: fieldStart, end: p, escaped: false))
            }
            if p == e { break }
            let c = b[p]
            if c == comma {
                p += 1
                continue
            }
            if c == lf {
                p += 1
            } else if p + 1 < e {
                p += b[p + 1] == lf ? 2 : 1
            } else if eof {
                p += 1
            } else {
                return needMore
            }
            break
        }
        if let fields = limits.fields, spans.count != fields { return .bad(.fieldCount(found: spans.count)) }
        file.start = p
        recordLine = nextLine
        nextLine += 1 + breaks
        return .record
    }

    /// Line feeds in `from..<to`.
    private static func newlines(_ b: UnsafeMutablePointer<UInt8>, from: Int, to: Int) -> Int {
        var count = 0
        for i in from..<to where b[i] == lf { count += 1 }
        return count
    }
}
