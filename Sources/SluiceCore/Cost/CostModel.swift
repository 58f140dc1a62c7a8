import Foundation

/// BigQuery on-demand pricing: dollars for bytes billed, and the billing floor of 10 MiB per table a
/// query references and per query.
public enum CostModel {
    /// The least BigQuery bills for each table a query references, and for any query: 10 MiB.
    public static let minimumBytesPerTable: Int64 = 10 * 1_048_576

    /// What BigQuery rounds billed bytes up to: 1 MiB.
    public static let billingUnit: Int64 = 1_048_576

    /// Bytes in one tebibyte (2^40), the unit prices are quoted in.
    public static let bytesPerTiB: Double = 1_099_511_627_776

    /// The cost of `bytes` at `pricePerTiB` dollars per TiB: `bytes / 2^40 × price`; negative bytes cost nothing.
    public static func dollars(bytes: Int64, pricePerTiB: Double) -> Double {
        Double(max(bytes, 0)) / bytesPerTiB * pricePerTiB
    }

    /// The bytes one query would be billed for, given the bytes it processes and how many tables it
    /// references: the processed bytes rounded up to the MiB, and at least `minimumBytesPerTable`
    /// per table it references — at least once, since every query (a metadata query, a query of no
    /// table) is billed the minimum.
    public static func billedEstimate(bytesProcessed: Int64, referencedTables: Int) -> Int64 {
        let processed = max(bytesProcessed, 0)
        let units = processed / billingUnit + (processed % billingUnit == 0 ? 0 : 1)
        let (rounded, roundingOverflow) = units.multipliedReportingOverflow(by: billingUnit)
        let (floor, overflow) = minimumBytesPerTable.multipliedReportingOverflow(by: Int64(max(referencedTables, 1)))
        return overflow || roundingOverflow ? Int64.max : max(rounded, floor)
    }

    /// The sum of `bytes`, saturating at `Int64.max` instead of overflowing.
    public static func total(_ bytes: [Int64]) -> Int64 {
        bytes.reduce(Int64(0)) { sum, next in
            let (added, overflow) = sum.addingReportingOverflow(max(next, 0))
            return overflow ? Int64.max : added
        }
    }
}
