import Foundation

/// A length of time as people write it in the manifest and in Slack: `90s`, `30m`, `4h`, `2d`, `1h30m`.
public struct TimeSpan: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Whole seconds.
    public var seconds: Int64

    /// Creates a span of whole seconds.
    public init(seconds: Int64) {
        self.seconds = seconds
    }

    /// `n` minutes.
    public static func minutes(_ n: Int64) -> TimeSpan { TimeSpan(seconds: n * 60) }
    /// `n` hours.
    public static func hours(_ n: Int64) -> TimeSpan { TimeSpan(seconds: n * 3600) }
    /// `n` days.
    public static func days(_ n: Int64) -> TimeSpan { TimeSpan(seconds: n * 86_400) }

    /// Parses one or more `<number><unit>` groups, units `s`, `m`, `h`, `d`, `w`; nil when malformed or zero.
    public init?(parsing text: String) {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        var total: Int64 = 0
        var number = ""
        var sawGroup = false
        for ch in text.lowercased() {
            if ch.isASCII, ch.isNumber {
                number.append(ch)
            } else if let unit = units[ch], let value = Int64(number), !number.isEmpty {
                let (product, overflow) = value.multipliedReportingOverflow(by: unit)
                let (sum, sumOverflow) = total.addingReportingOverflow(product)
                guard !overflow, !sumOverflow else { return nil }
                total = sum
                number = ""
                sawGroup = true
            } else {
                return nil
            }
        }
        guard number.isEmpty, sawGroup, total > 0 else { return nil }
        self.init(seconds: total)
    }

    /// As `TimeInterval`.
    public var timeInterval: TimeInterval { TimeInterval(seconds) }

    /// Compact form: `1d 2h`, `4h`, `30m`, `45s`.
    public var description: String {
        var rest = seconds
        var parts: [String] = []
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            parts.append("\(rest / size)\(unit)")
            rest %= size
        }
        return parts.isEmpty ? "0s" : parts.prefix(2).joined(separator: " ")
    }

    /// Orders by length.
    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.seconds < rhs.seconds }
}
