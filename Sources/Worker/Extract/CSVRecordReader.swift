#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reads an RFC 4180 CSV file with a header row, streaming, at the byte level: quoted fields with
/// commas, `""` escapes and line breaks, CRLF or LF line ends, an optional UTF-8 byte-order mark.
/// Fields are spans of the read buffer; nothing is copied until a value is coerced.
final class CSVRecordReader: RecordReader {
    private static let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D

    /// A field of the current record: `start..<end` of the buffer; `escaped` while it still holds `""`.
    private struct FieldSpan {
        var start: Int
        var end: Int
        var escaped: Bool
    }

    /// What one scan of the buffer found.
    private enum ScanOutcome {
        case record, blank, bad(String), end
    }

    /// The header's column names.
    let sourceColumns: [String]
    private let file: ChunkedFile
    private var spans: [FieldSpan] = []
    private var positions: [Int] = []
    private var recordLine = 1
    private var nextLine = 1

    /// `file:line` of the current record.
    var location: String { "\(file.displayPath):\(recordLine)" }

    /// Opens the file and reads its header; throws `missingFile`, `unreadable` or `badHeader`.
    init(path: String, displayPath: String) throws {
        file = try ChunkedFile(path: path, displayPath: displayPath)
        _ = try file.refill(pendingRecordAt: "\(displayPath):1")
        if file.end >= 3, file.bytes[0] == 0xEF, file.bytes[1] == 0xBB, file.bytes[2] == 0xBF {
            file.start = 3
        }
        var header: [String]?
        while header == nil {
            switch try Self.scan(file, &spans, &recordLine, &nextLine) {
            case .blank:
                continue
            case .end:
                throw ExtractError(.badHeader, "\(displayPath) is empty; a CSV source needs a header row naming its columns")
            case let .bad(reason):
                throw ExtractError(.badHeader, "the header of \(displayPath) cannot be read: \(reason)")
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

    /// The next record; one with a field count other than the header's is `bad`.
    func advance() throws -> RecordStatus {
        while true {
            switch try Self.scan(file, &spans, &recordLine, &nextLine) {
            case .blank:
                continue
            case .end:
                return .end
            case let .bad(reason):
                return .bad(reason)
            case .record:
                guard spans.count == sourceColumns.count else {
                    return .bad("expected \(sourceColumns.count) fields as in the header, found \(spans.count)")
                }
                return .record
            }
        }
    }

    /// The bytes of bound column `index` of the current record, with `""` unescaped.
    func field(_ index: Int) -> UnsafeBufferPointer<UInt8>? {
        Self.unescape(&spans[positions[index]], in: file.bytes)
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
        _ file: ChunkedFile, _ spans: inout [FieldSpan], _ recordLine: inout Int, _ nextLine: inout Int
    ) throws -> ScanOutcome {
        while true {
            if let outcome = scanBuffered(file, &spans, &recordLine, &nextLine) { return outcome }
            _ = try file.refill(pendingRecordAt: "\(file.displayPath):\(nextLine)")
        }
    }

    /// Scans one record from the buffered bytes; nil when it continues past them and the file has more.
    /// Never nil at the end of the file.
    private static func scanBuffered(
        _ file: ChunkedFile, _ spans: inout [FieldSpan], _ recordLine: inout Int, _ nextLine: inout Int
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
        var breaks = 0
        var problem: String?
        while true {
            if p < e, b[p] == quote {
                p += 1
                let fieldStart = p
                var escaped = false
                while true {
                    guard let found = memchr(b + p, Int32(quote), e - p) else {
                        if !eof { return nil }
                        breaks += newlines(b, from: p, to: e)
                        p = e
                        problem = problem ?? "a quoted field is never closed"
                        break
                    }
                    let q = found.assumingMemoryBound(to: UInt8.self) - b
                    breaks += newlines(b, from: p, to: q)
                    p = q + 1
                    if p == e, !eof { return nil }
                    if p < e, b[p] == quote {
                        escaped = true
                        p += 1
                        continue
                    }
                    break
                }
                spans.append(FieldSpan(start: fieldStart, end: max(fieldStart, p - 1), escaped: escaped))
                if p < e, b[p] != comma, b[p] != lf, b[p] != cr {
                    problem = problem ?? "text follows a closing quote; quote the whole field and double inner quotes"
                    while p < e, b[p] != comma, b[p] != lf, b[p] != cr { p += 1 }
                    if p == e, !eof { return nil }
                }
            } else {
                let fieldStart = p
                while p < e {
                    let c = b[p]
                    if c == comma || c == lf || c == cr { break }
                    p += 1
                }
                if p == e, !eof { return nil }
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
                return nil
            }
            break
        }
        file.start = p
        recordLine = nextLine
        nextLine += 1 + breaks
        return problem.map { .bad($0) } ?? .record
    }

    /// Line feeds in `from..<to`.
    private static func newlines(_ b: UnsafeMutablePointer<UInt8>, from: Int, to: Int) -> Int {
        var count = 0
        for i in from..<to where b[i] == lf { count += 1 }
        return count
    }
}
