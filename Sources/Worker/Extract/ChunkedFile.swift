#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SluiceCore

/// A file read through one large reusable buffer, so memory stays flat whatever the file's size.
/// Readers parse `bytes[start..<end]`, move `start` past what they consumed, and call `refill()` when
/// a record continues past `end`; the unconsumed tail moves to the front and more is read after it.
/// The buffer grows to hold the pending record; readers bound a record by the load's `max_field_size`,
/// and `skipLine` passes an overlong line without keeping it.
///
/// A file in a single-byte encoding is transcoded to UTF-8 as it is read, so readers only ever see
/// UTF-8 (ASCII delimiters keep their bytes).
final class ChunkedFile {
    /// How much is read at a time.
    static let chunkSize = 1 << 20

    /// The buffer; valid bytes are `start..<end`.
    private(set) var bytes: UnsafeMutablePointer<UInt8>
    /// First unconsumed byte.
    var start = 0
    /// One past the last valid byte.
    private(set) var end = 0
    /// True once a read returned no more bytes.
    private(set) var isAtEOF = false
    /// The path as shown in messages.
    let displayPath: String

    private var capacity: Int
    private let descriptor: Int32
    private let encoding: SourceEncoding
    /// The file's own bytes before transcoding; nil for UTF-8, which is read straight into `bytes`.
    private let raw: UnsafeMutablePointer<UInt8>?

    /// Opens `path` for reading, its bytes in `encoding`; throws `missingFile` or `unreadable`.
    init(path: String, displayPath: String, encoding: SourceEncoding) throws {
        self.displayPath = displayPath
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let code = errno
            let reason = String(cString: strerror(code))
            if code == ENOENT {
                throw ExtractError(.missingFile, "\(displayPath) does not exist; check the source's path in the manifest")
            }
            throw ExtractError(.unreadable, "cannot open \(displayPath): \(reason)")
        }
        descriptor = fd
        capacity = Self.chunkSize
        bytes = .allocate(capacity: capacity)
        self.encoding = encoding
        raw = encoding == .utf8 ? nil : .allocate(capacity: Self.chunkSize)
    }

    deinit {
        close(descriptor)
        bytes.deallocate()
        raw?.deallocate()
    }

    /// Keeps the unconsumed bytes, growing the buffer when they fill it, and reads more after them.
    /// Returns false at the end of the file.
    func refill() throws -> Bool {
        if isAtEOF { return false }
        if start > 0 {
            let pending = end - start
            if pending > 0 { memmove(bytes, bytes + start, pending) }
            start = 0
            end = pending
        }
        // Transcoding needs room for a useful read at the worst expansion; UTF-8 is read into any room.
        let expansion = encoding.maximumUTF8Length
        let room = raw == nil ? 1 : expansion * 4096
        if capacity - end < room {
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            grown.update(from: bytes, count: end)
            bytes.deallocate()
            bytes = grown
            capacity *= 2
        }
        while true {
            let count = if let raw {
                read(descriptor, raw, min(Self.chunkSize, (capacity - end) / expansion))
            } else {
                read(descriptor, bytes + end, capacity - end)
            }
            if count > 0 {
                if let raw {
                    end += encoding.transcode(UnsafeBufferPointer(start: raw, count: count), into: bytes + end)
                } else {
                    end += count
                }
                return true
            }
            if count == 0 {
                isAtEOF = true
                return false
            }
            let code = errno
            if code != EINTR {
                throw ExtractError(.unreadable, "cannot read \(displayPath): \(String(cString: strerror(code)))")
            }
        }
    }

    /// Consumes the line that starts at `start` through its end — a line feed, and with
    /// `carriageReturnEndsLine` also a lone carriage return or CRLF — or through the end of the file.
    /// It reads on as needed without keeping the bytes it passes, so an overlong line costs no memory.
    func skipLine(carriageReturnEndsLine: Bool) throws {
        while true {
            var p = start
            while p < end {
                let c = bytes[p]
                if c == 0x0A {
                    start = p + 1
                    return
                }
                if c == 0x0D, carriageReturnEndsLine {
                    if p + 1 < end {
                        start = p + (bytes[p + 1] == 0x0A ? 2 : 1)
                        return
                    }
                    if isAtEOF {
                        start = end
                        return
                    }
                    break  // the carriage return is the last byte read: keep it and look at the next one
                }
                p += 1
            }
            start = p
            guard try refill() else {
                start = end
                return
            }
        }
    }
}
