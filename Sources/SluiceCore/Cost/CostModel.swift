import Foundation

/// BigQuery on-demand pricing: dollars for bytes billed, and the billing floor of 10 MiB per table a
/// query references.
public enum CostModel {
    /// The least BigQuery bills for each table a query references: 10 MiB.
    public static let minimumBytesPerTable: Int64 = 10 * 1_048_576

    /// Bytes in one tebibyte (2^40), the unit prices are quoted in.
    public static let bytesPerTiB: Double = 1_099_511_627_776

    /// The cost of `bytes` at `pricePerTiB` dollars per TiB: `bytes / 2^40 × price`; negative bytes cost nothing.
    public static func dollars(bytes: Int64, pricePerTiB: Double) -> Double {
        Double(max(bytes, 0)) / bytesPerTiB * pricePerTiB
    }

    /// The bytes a query would be billed for, given the bytes it processes and how many tables it
    /// references: at least `minimumBytesPerTable` per table (when it references any).
    public static func billedEstimate(bytesProcessed: Int64, referencedTables: Int) -> Int64 {
        let processed = max(bytesProcessed, 0)
        guard referencedTables > 0 else { return processed }
        let (floor, overflow) = minimumBytesPerTable.multipliedReportingOverflow(by: Int64(referencedTables))
        return overflow ? Int64.max : max(processed, floor)
    }
}
