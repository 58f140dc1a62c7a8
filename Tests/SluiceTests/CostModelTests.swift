import Foundation
import SluiceCore
import Testing

@Suite("CostModel")
struct CostModelTests {
    static let dollarsCases: [(Int64, Double, Double)] = [
        (Int64(0), 6.25, 0.0),
        (1_099_511_627_776, 6.25, 6.25),
        (549_755_813_888, 6.25, 3.125),
        (10 * 1_048_576, 6.25, 10.0 * 1_048_576 / 1_099_511_627_776 * 6.25),
        (2 * 1_099_511_627_776, 5, 10),
        (-1, 6.25, 0),
    ]

    @Test("dollars are bytes / 2^40 × price", arguments: dollarsCases)
    func dollars(_ bytes: Int64, _ price: Double, _ expected: Double) {
        #expect(abs(CostModel.dollars(bytes: bytes, pricePerTiB: price) - expected) < 1e-12)
    }

    static let billedCases: [(Int64, Int, Int64)] = [
        (Int64(0), 0, Int64(10_485_760)),
        (0, 1, 10_485_760),
        (5_000, 3, 31_457_280),
        (50_000_000, 2, 50_331_648),
        (20_971_520, 2, 20_971_520),
        (20_971_521, 2, 22_020_096),
        (123, 0, 10_485_760),
        (-5, 0, 10_485_760),
        (0, Int.max, Int64.max),
        (Int64.max, 1, Int64.max),
    ]

    @Test("billed estimate: rounded up to the MiB, at least 10 MiB per referenced table and per query", arguments: billedCases)
    func billed(_ bytes: Int64, _ tables: Int, _ expected: Int64) {
        #expect(CostModel.billedEstimate(bytesProcessed: bytes, referencedTables: tables) == expected)
    }

    @Test("sums saturate instead of overflowing")
    func totals() {
        #expect(CostModel.total([1, 2, -3]) == 3)
        #expect(CostModel.total([Int64.max, 1]) == Int64.max)
    }

    @Test("the minimum is 10 MiB")
    func minimum() {
        #expect(CostModel.minimumBytesPerTable == 10_485_760)
        #expect(Format.dollars(CostModel.dollars(bytes: CostModel.minimumBytesPerTable, pricePerTiB: 6.25)) == "<$0.01")
    }
}
