import Foundation

/// A size in bytes as people write it in the manifest: `50GB`, `10 MB`, `1TiB`, `500MiB`, `1.5GB`, `1048576`.
public struct ByteSize {
    /// Decimal (`KB`, `MB`, `GB`, `TB`, `PB` = powers of 1000) and binary (`KiB` … `PiB` = powers of 1024)
    /// units, plus `B`; any case, optional space before the unit. A plain integer is bytes.
    private static let units: [String: Int64] = [
        "b": 1,
        "kb": 1_000, "mb": 1_000_000, "gb": 1_000_000_000, "tb": 1_000_000_000_000, "pb": 1_000_000_000_000_000,
        "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40, "pib": 1 << 50,
    ]

    /// The number of bytes `text` means, or nil when it is not a non-negative size that fits in 64 bits.
    /// Fractions are allowed with a unit and rounded to whole bytes (`1.5KB` = 1500).
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let unitStart = trimmed.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? trimmed.endIndex
        let number = String(trimmed[..<unitStart])
        let unitText = trimmed[unitStart...].trimmingCharacters(in: .whitespaces).lowercased()
        let multiplier: Int64
        if unitText.isEmpty {
            multiplier = 1
        } else if let known = units[unitText] {
            multiplier = known
        } else {
            return nil
        }
        guard !number.isEmpty, number.first != ".", number.last != "." else { return nil }
        if let whole = Int64(number) {
            let (product, overflow) = whole.multipliedReportingOverflow(by: multiplier)
            return overflow ? nil : product
        }
        guard !unitText.isEmpty, multiplier > 1, let fraction = Double(number), fraction.isFinite else { return nil }
        let bytes = (fraction * Double(multiplier)).rounded()
        guard bytes < 9.2e18 else { return nil }
        return Int64(bytes)
    }
}
