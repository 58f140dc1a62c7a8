import Foundation

/// Transcoding the single-byte encodings to UTF-8, byte by byte, through their byte→scalar tables.
/// ASCII (0x00–0x7F) is the same in all of them, so delimiters, quotes and line ends keep their bytes
/// and a reader can split transcoded text exactly as it splits UTF-8.
extension SourceEncoding {
    /// The most UTF-8 bytes one source byte becomes: 1 for UTF-8 (copied as is), 2 for Latin-1
    /// (U+0080–U+00FF), 3 for Windows-1252 (`€` is U+20AC).
    public var maximumUTF8Length: Int {
        switch self {
        case .utf8: 1
        case .latin1: 2
        case .windows1252: 3
        }
    }

    /// The Unicode scalar a byte of this single-byte encoding stands for (UTF-8: nil, it is not a
    /// single-byte encoding). Windows-1252's five unassigned bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to
    /// the C1 control of the same number, as browsers decode them, so no byte is lost.
    public func scalar(for byte: UInt8) -> Unicode.Scalar? {
        switch self {
        case .utf8:
            return nil
        case .latin1:
            return Unicode.Scalar(byte)
        case .windows1252:
            guard byte >= 0x80, byte <= 0x9F else { return Unicode.Scalar(byte) }
            return Unicode.Scalar(Self.windows1252High[Int(byte - 0x80)]) ?? Unicode.Scalar(byte)
        }
    }

    /// Writes `input` as UTF-8 to `output` and returns how many bytes it wrote. `output` must have room
    /// for `input.count * maximumUTF8Length` bytes. UTF-8 input is copied unchanged.
    public func transcode(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutablePointer<UInt8>) -> Int {
        guard self != .utf8 else {
            if let base = input.baseAddress { output.update(from: base, count: input.count) }
            return input.count
        }
        var written = 0
        for byte in input {
            if byte < 0x80 {
                output[written] = byte
                written += 1
                continue
            }
            let value = self == .latin1 ? UInt32(byte) : (scalar(for: byte)?.value ?? UInt32(byte))
            if value < 0x800 {
                output[written] = UInt8(0xC0 | (value >> 6))
                output[written + 1] = UInt8(0x80 | (value & 0x3F))
                written += 2
            } else {
                output[written] = UInt8(0xE0 | (value >> 12))
                output[written + 1] = UInt8(0x80 | ((value >> 6) & 0x3F))
                output[written + 2] = UInt8(0x80 | (value & 0x3F))
                written += 3
            }
        }
        return written
    }

    /// Windows-1252's scalars for 0x80–0x9F (the rest of the table is Latin-1's).
    private static let windows1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]
}
