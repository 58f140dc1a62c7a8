#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A file read through one large reusable buffer, so memory stays flat whatever the file's size.
/// Readers parse `bytes[start..<end]`, move `start` past what they consumed, and call `refill()` when
/// a record continues past `end`; the unconsumed tail moves to the front and more is read after it.
final class ChunkedFile {
    /// How much is read at a time.
    static let chunkSize = 1 << 20
    /// The longest record accepted; longer ones are almost always an unterminated quote.
    static let maximumBufferSize = 256 << 20

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

    /// Opens `path` for reading; throws `missingFile` or `unreadable`.
    init(path: String, displayPath: String) throws {
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
    }

    deinit {
        close(descriptor)
        bytes.deallocate()
    }

    /// Keeps the unconsumed bytes, growing the buffer when they fill it, and reads more after them.
    /// Returns false at the end of the file. `record` names the line of the pending record for the
    /// error about an overlong record.
    func refill(pendingRecordAt record: String) throws -> Bool {
        if isAtEOF { return false }
        if start > 0 {
            let pending = end - start
            if pending > 0 { memmove(bytes, bytes + start, pending) }
            start = 0
            end = pending
        }
        if end == capacity {
            guard capacity * 2 <= Self.maximumBufferSize else {
                throw ExtractError(
                    .unreadable,
                    "the record at \(record) is longer than \(Self.maximumBufferSize >> 20) MiB; "
                        + "a quote is probably never closed — fix the file")
            }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            grown.update(from: bytes, count: end)
            bytes.deallocate()
            bytes = grown
            capacity *= 2
        }
        while true {
            let count = read(descriptor, bytes + end, capacity - end)
            if count > 0 {
                end += count
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
}
