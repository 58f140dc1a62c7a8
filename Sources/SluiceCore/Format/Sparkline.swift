import Foundation

/// A one-line trend drawn with block characters (`▁▂▃▄▅▆▇█`), for row counts in Slack.
public enum Sparkline {
    /// The eight bar heights, lowest first.
    public static let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// One bar per value, scaled between the smallest (`▁`) and the largest (`█`) value;
    /// all-equal values draw middle bars (`▄`), and no values draw an empty string.
    public static func render(_ values: [Int64]) -> String {
        guard let low = values.min(), let high = values.max() else { return "" }
        guard low < high else { return String(repeating: bars[3], count: values.count) }
        let span = Double(high) - Double(low)
        let top = Double(bars.count - 1)
        return String(values.map { value in
            bars[Int(((Double(value) - Double(low)) / span * top).rounded())]
        })
    }
}
