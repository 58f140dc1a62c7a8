#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SluiceCore

/// Reads newline-delimited JSON, streaming, one object per line. Fields are found by key; numbers,
/// booleans and strings become their text, `null` and missing keys are null. Blank lines are skipped.
/// A line longer than `max_field_size` is a bad record, passed without being kept; every value lies
/// within its line, so no string value is longer than the limit either.
final class NDJSONRecordReader: RecordReader {
    private static let lf: UInt8 = 0x0A, cr: UInt8 = 0x0D

    /// A JSON member value as extraction sees it.
    private enum JSONField: Decodable {
        case null
        case text(String)
        case nested

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .text(value ? "true" : "false")
            } else if let value = try? container.decode(Int64.self) {
                self = .text(String(value))
            } else if let value = try? container.decode(Double.self) {
                self = .text(String(value))
            } else if let value = try? container.decode(String.self) {
                self = .text(value)
            } else {
                self = .nested
            }
        }
    }

    /// The sorted keys of the first object (empty when the first line is not an object).
    private(set) var sourceColumns: [String] = []
    private let file: ChunkedFile
    private let maxFieldSize: Int
    private let decoder = JSONDecoder()
    private var object: [String: JSONField] = [:]
    private var names: [String] = []
    private var peeked: RecordStatus?
    private var line = 0
    private var scratchPointer: UnsafeMutablePointer<UInt8>
    private var scratchCapacity = 256

    /// `file:line` of the current object.
    var location: String { "\(file.displayPath):\(line)" }

    /// Opens the file and reads the first object to learn its keys.
    init(path: String, displayPath: String, options: RecordReaderOptions) throws {
        file = try ChunkedFile(path: path, displayPath: displayPath, encoding: options.encoding)
        maxFieldSize = options.maxFieldSize
        scratchPointer = .allocate(capacity: scratchCapacity)
        _ = try file.refill()
        if file.end >= 3, file.bytes[0] == 0xEF, file.bytes[1] == 0xBB, file.bytes[2] == 0xBF {
            file.start = 3
        }
        let first = try readObject()
        if first == .record { sourceColumns = object.keys.sorted() }
        peeked = first
    }

    deinit {
        scratchPointer.deallocate()
    }

    /// Remembers the keys to serve; JSON objects may omit any key, so none is missing.
    func bind(_ names: [String]) -> [String] {
        self.names = names
        return []
    }

    /// The next object; a line that is not an object, or a bound key holding an object or array, is `bad`.
    func advance() throws -> RecordStatus {
        let status: RecordStatus
        if let peeked {
            status = peeked
            self.peeked = nil
        } else {
            status = try readObject()
        }
        guard status == .record else { return status }
        if let nested = names.first(where: { if case .nested = object[$0] { true } else { false } }) {
            return .bad("key '\(nested)' holds an object or array; only strings, numbers, booleans and null load")
        }
        return .record
    }

    /// The text of bound key `index`, or nil for null or a missing key.
    func field(_ index: Int) -> UnsafeBufferPointer<UInt8>? {
        guard case var .text(text) = object[names[index]] else { return nil }
        return text.withUTF8 { utf8 in
            if utf8.count > scratchCapacity {
                scratchPointer.deallocate()
                scratchCapacity = utf8.count
                scratchPointer = .allocate(capacity: scratchCapacity)
            }
            if let base = utf8.baseAddress { scratchPointer.update(from: base, count: utf8.count) }
            return UnsafeBufferPointer(start: scratchPointer, count: utf8.count)
        }
    }

    /// Reads lines until a non-blank one, and decodes it.
    private func readObject() throws -> RecordStatus {
        while true {
            let b = file.bytes, s = file.start, e = file.end
            if s == e {
                if file.isAtEOF { return .end }
                _ = try file.refill()
                continue
            }
            let lineEnd: Int
            if let found = memchr(b + s, Int32(Self.lf), e - s) {
                lineEnd = found.assumingMemoryBound(to: UInt8.self) - b
                file.start = lineEnd + 1
            } else if file.isAtEOF {
                lineEnd = e
                file.start = e
            } else if e - s <= maxFieldSize {
                _ = try file.refill()
                continue
            } else {
                try file.skipLine(carriageReturnEndsLine: false)
                line += 1
                object = [:]
                return .bad(BadRecordReason.tooLong("the line", maxFieldSize: maxFieldSize))
            }
            line += 1
            guard lineEnd - s <= maxFieldSize else {
                object = [:]
                return .bad(BadRecordReason.tooLong("the line", maxFieldSize: maxFieldSize))
            }
            var first = s, last = lineEnd
            while first < last, b[first] == 0x20 || b[first] == 0x09 { first += 1 }
            while last > first, b[last - 1] == 0x20 || b[last - 1] == 0x09 || b[last - 1] == Self.cr { last -= 1 }
            if first == last { continue }
            let data = Data(bytes: b + first, count: last - first)
            let decoded = try? decoder.decode([String: JSONField].self, from: data)
            // JSON is UTF-8: a line that is not fails to decode, or decodes its broken strings as `nested`.
            if decoded?.values.contains(where: { if case .nested = $0 { true } else { false } }) ?? true,
               String(validating: UnsafeBufferPointer(start: b + first, count: last - first), as: UTF8.self) == nil {
                object = [:]
                return .bad(BadRecordReason.notUTF8("the line", inFile: true))
            }
            guard let decoded else {
                object = [:]
                return .bad("the line is not a JSON object")
            }
            object = decoded
            return .record
        }
    }
}
