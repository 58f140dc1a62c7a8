import Foundation

/// Numbers, sizes, money and times written for people in Slack and the console:
/// `1.2M rows`, `3.4 GiB`, `$0.02`, `2h 14m ago`. Output does not depend on the process locale.
public enum Format {
    /// A row count with its noun: `1 row`, `980 rows`, `12.3K rows`, `1.2M rows`.
    public static func rows(_ n: Int64) -> String {
        count(n) + (n == 1 ? " row" : " rows")
    }

    /// A count, abbreviated from a thousand up: `980`, `12.3K`, `123K`, `1.2M`, `4B`, `2.1T`.
    /// One decimal below 100 of a unit, none from 100; a trailing `.0` is dropped.
    public static func count(_ n: Int64) -> String {
        let sign = n < 0 ? "-" : ""
        let magnitude = Double(n.magnitude)
        guard magnitude >= 1000 else { return sign + String(n.magnitude) }
        return sign + scaled(magnitude, base: 1000, units: ["", "K", "M", "B", "T", "Q"], separator: "")
    }

    /// A size in binary units: `0 B`, `512 B`, `3.4 KiB`, `3.4 GiB`, `1.1 TiB`.
    public static func bytes(_ n: Int64) -> String {
        let sign = n < 0 ? "-" : ""
        let magnitude = Double(n.magnitude)
        guard magnitude >= 1024 else { return sign + "\(n.magnitude) B" }
        return sign + scaled(magnitude, base: 1024, units: ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"], separator: " ")
    }

    /// US dollars with cents and thousands separators: `$0.02`, `$0.00`, `$1,234.57`, `-$3.10`;
    /// a positive amount under half a cent is `<$0.01`, so a real cost never reads as free.
    /// Not-a-number and infinities are `$?`.
    public static func dollars(_ amount: Double) -> String {
        guard amount.isFinite else { return "$?" }
        if amount > 0, amount < 0.005 { return "<$0.01" }
        let cents = (abs(amount) * 100).rounded()
        guard cents < 9.0e17 else { return amount < 0 ? "-$?" : "$?" }
        let totalCents = Int64(cents)
        let whole = grouped(totalCents / 100)
        let fraction = totalCents % 100
        let sign = amount < 0 && totalCents > 0 ? "-" : ""
        return "\(sign)$\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// A length of time, two units at most: `350ms`, `4.2s`, `3m 05s`, `2h 14m`, `3d 2h`; a zero
    /// second unit is left out (`2h`, `1m`). Negative lengths read as zero.
    public static func duration(_ seconds: TimeInterval) -> String {
        guard seconds.isFinite else { return "?" }
        let value = max(seconds, 0)
        if value < 0.9995 { return "\(Int((value * 1000).rounded()))ms" }
        let tenths = (value * 10).rounded()
        if tenths < 600 {
            let whole = Int(tenths) / 10
            let decimal = Int(tenths) % 10
            return "\(whole).\(decimal)s"
        }
        guard value < 9.0e15 else { return "?" }
        let total = Int64(value.rounded())
        if total < 3600 { return pair(total / 60, "m", total % 60, "s", padded: true) }
        if total < 86_400 { return pair(total / 3600, "h", total % 3600 / 60, "m", padded: true) }
        return pair(total / 86_400, "d", total % 86_400 / 3600, "h", padded: false)
    }

    /// How long ago `date` was, seen at `now`: `2h 14m ago`, `5m ago`, `just now` (under a minute either
    /// way), or `in 5m` for a future date.
    public static func ago(_ date: Date, now: Date) -> String {
        let delta = now.timeIntervalSince(date)
        guard delta.isFinite else { return "?" }
        if abs(delta) < 60 { return "just now" }
        let text = duration(abs(delta))
        return delta > 0 ? "\(text) ago" : "in \(text)"
    }

    /// A signed change in whole percent: `+12%`, `-3%`, `0%`; not-a-number and infinities are `?`.
    public static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "?" }
        let value = (fraction * 100).rounded()
        guard abs(value) < 9.0e15 else { return fraction > 0 ? "+?%" : "-?%" }
        let whole = Int64(value)
        if whole == 0 { return "0%" }
        return (whole > 0 ? "+" : "") + "\(whole)%"
    }

    /// An instant in UTC to the minute: `2026-11-21 08:03 UTC`.
    public static func timestamp(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let day = Days.floorDivide(seconds, 86_400)
        let minuteOfDay = (seconds - day * 86_400) / 60
        let hour = minuteOfDay / 60
        let minute = minuteOfDay % 60
        return Days.text(ofDayNumber: day) + " " + (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute) UTC"
    }

    /// `magnitude` (at least `base`) in the largest unit that keeps it under `base` after rounding.
    private static func scaled(_ magnitude: Double, base: Double, units: [String], separator: String) -> String {
        var value = magnitude
        var unit = 0
        while unit < units.count - 1 {
            let rounded = value >= 100 ? value.rounded() : (value * 10).rounded() / 10
            if rounded < base, unit > 0 { break }
            value /= base
            unit += 1
        }
        let text: String
        if value >= 100 {
            text = String(Int64(value.rounded()))
        } else {
            let tenths = Int64((value * 10).rounded())
            text = tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
        }
        return text + separator + units[unit]
    }

    /// Two units: `3m 05s`, `2h 14m`, `3d 2h`; the second left out when zero.
    private static func pair(_ major: Int64, _ majorUnit: String, _ minor: Int64, _ minorUnit: String, padded: Bool) -> String {
        guard minor > 0 else { return "\(major)\(majorUnit)" }
        let minorText = padded && minor < 10 ? "0\(minor)" : "\(minor)"
        return "\(major)\(majorUnit) \(minorText)\(minorUnit)"
    }

    /// `1234567` as `1,234,567`.
    private static func grouped(_ value: Int64) -> String {
        let digits = Array(String(value))
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}
