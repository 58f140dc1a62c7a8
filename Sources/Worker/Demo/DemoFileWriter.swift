#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SluiceCore

/// Writes one CSV file of the demo data through a large buffer, into a temporary file that replaces
/// the target only when complete, so a reader never sees half a file.
final class DemoFileWriter {
    private static let flushSize = 1 << 20

    private let path: String
    private let partialPath: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var dayTexts: [Int64: [UInt8]] = [:]

    /// Creates `path`'s temporary sibling and writes the header line.
    init(path: String, header: String) throws {
        self.path = path
        partialPath = path + ".partial"
        guard FileManager.default.createFile(atPath: partialPath, contents: nil),
              let handle = FileHandle(forWritingAtPath: partialPath)
        else {
            throw DemoDataError("cannot create \(partialPath); check that the directory is writable")
        }
        self.handle = handle
        buffer.reserveCapacity(Self.flushSize + 4096)
        text(header)
        endRow()
    }

    /// Appends text as is (the demo's text never needs CSV quoting).
    func text(_ value: String) {
        buffer.append(contentsOf: value.utf8)
    }

    /// Appends a field separator.
    func comma() {
        buffer.append(0x2C)
    }

    /// Ends a row.
    func endRow() {
        buffer.append(0x0A)
    }

    /// Appends a decimal integer.
    func integer(_ value: Int64) {
        if value < 0 {
            buffer.append(0x2D)
            integer(-value)
            return
        }
        if value >= 10 { integer(value / 10) }
        buffer.append(0x30 + UInt8(value % 10))
    }

    /// Appends cents as a decimal amount with two places: `1234` → `12.34`.
    func cents(_ value: Int64) {
        integer(value / 100)
        buffer.append(0x2E)
        buffer.append(0x30 + UInt8(value % 100 / 10))
        buffer.append(0x30 + UInt8(value % 10))
    }

    /// Appends the UTC day of `seconds` since 1970: `YYYY-MM-DD`.
    func day(_ seconds: Int64) {
        buffer.append(contentsOf: dayText(seconds.floorDivided(by: 86_400)))
    }

    /// Appends the UTC timestamp of `seconds` since 1970: `YYYY-MM-DD HH:MM:SS`.
    func timestamp(_ seconds: Int64) {
        let dayNumber = seconds.floorDivided(by: 86_400)
        let second = seconds - dayNumber * 86_400
        buffer.append(contentsOf: dayText(dayNumber))
        buffer.append(0x20)
        twoDigits(second / 3600)
        buffer.append(0x3A)
        twoDigits(second / 60 % 60)
        buffer.append(0x3A)
        twoDigits(second % 60)
    }

    /// Writes what is buffered when the buffer is full.
    func flushIfFull() throws {
        if buffer.count >= Self.flushSize { try flush() }
    }

    /// Writes the rest, closes the file and moves it into place.
    func finish() throws {
        try flush()
        try handle.close()
        guard rename(partialPath, path) == 0 else {
            throw DemoDataError("cannot move \(partialPath) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func twoDigits(_ value: Int64) {
        buffer.append(0x30 + UInt8(value / 10))
        buffer.append(0x30 + UInt8(value % 10))
    }

    private func dayText(_ dayNumber: Int64) -> [UInt8] {
        if let cached = dayTexts[dayNumber] { return cached }
        let text = Array(Days.string(Date(timeIntervalSince1970: Double(dayNumber * 86_400)), in: .gmt).utf8)
        dayTexts[dayNumber] = text
        return text
    }
}
