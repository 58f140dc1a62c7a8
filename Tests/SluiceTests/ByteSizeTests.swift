import Testing
import SluiceCore

@Suite("ByteSize")
struct ByteSizeTests {
    static let byteSizes: [(String, Int64)] = [
        ("50GB", 50_000_000_000), ("10 MB", 10_000_000), ("1TiB", 1 << 40), ("500MiB", 500 << 20),
        ("1048576", 1_048_576), ("2kb", 2_000), ("1.5GB", 1_500_000_000), ("0", 0), ("7 B", 7),
    ]

    @Test("byte sizes", arguments: byteSizes)
    func byteSize(_ text: String, _ bytes: Int64) {
        #expect(ByteSize.parse(text) == bytes)
    }

    @Test("byte sizes that are not sizes", arguments: ["", "GB", "-5GB", "5 gigs", "1.5", "1.2.3GB", "99999999999PB", ".5GB"])
    func invalidByteSize(_ text: String) {
        #expect(ByteSize.parse(text) == nil)
    }
}
