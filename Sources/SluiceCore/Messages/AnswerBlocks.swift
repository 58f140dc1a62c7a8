import Foundation

/// Layout shared by the answers to questions (`freshness`, `volume`, `cost`): they are ephemeral
/// replies, which cannot continue in a thread, so long lists are cut to fit one message.
enum AnswerBlocks {
    /// Sections holding `lines` in at most `maxBlocks` blocks. When they do not all fit, as many
    /// lines as fit are kept and a context block made by `more(leftOut)` says how many were left out.
    static func sections(_ lines: [String], maxBlocks: Int, more: (Int) -> String) -> [Block] {
        let all = MessageFitting.sections(ofLines: lines)
        guard all.count > maxBlocks else { return all }
        guard maxBlocks > 1 else { return [.context([more(lines.count)])] }
        var low = 0
        var high = lines.count
        while low < high {
            let middle = (low + high + 1) / 2
            if MessageFitting.sections(ofLines: Array(lines.prefix(middle))).count <= maxBlocks - 1 {
                low = middle
            } else {
                high = middle - 1
            }
        }
        return MessageFitting.sections(ofLines: Array(lines.prefix(low))) + [.context([more(lines.count - low)])]
    }

    /// A share as an unsigned whole percent: `3%`, `<1%` for a small positive share, `0%`.
    static func share(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "?" }
        let percent = fraction * 100
        if percent > 0, percent < 0.5 { return "<1%" }
        return "\(Int64(min(percent, 9.0e15).rounded()))%"
    }

    /// Three-letter English weekday of a `YYYY-MM-DD` day (`Mon`), or an empty string.
    static func weekday(_ day: String) -> String {
        guard let number = Days.weekday(of: day) else { return "" }
        return ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][number - 1]
    }
}
