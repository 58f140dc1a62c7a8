import Foundation
import SluiceCore
import Testing

@Suite("Format")
struct FormatTests {
    static let countCases: [(Int64, String)] = [
        (Int64(0), "0"), (1, "1"), (980, "980"), (999, "999"), (1000, "1K"), (1049, "1K"), (1250, "1.3K"),
        (12_345, "12.3K"), (99_949, "99.9K"), (99_950, "100K"), (123_456, "123K"), (999_499, "999K"),
        (999_500, "1M"), (1_200_000, "1.2M"), (1_234_567_890, "1.2B"), (2_100_000_000_000, "2.1T"),
        (-1500, "-1.5K"), (-5, "-5"), (Int64.max, "9223Q"), (Int64.min, "-9223Q"),
    ]

    @Test("counts", arguments: countCases)
    func count(_ n: Int64, _ expected: String) {
        #expect(Format.count(n) == expected)
    }

    static let rowsCases: [(Int64, String)] = [
        (Int64(0), "0 rows"), (1, "1 row"), (2, "2 rows"), (980, "980 rows"), (12_345, "12.3K rows"), (1_200_000, "1.2M rows"),
    ]

    @Test("rows", arguments: rowsCases)
    func rows(_ n: Int64, _ expected: String) {
        #expect(Format.rows(n) == expected)
    }

    static let bytesCases: [(Int64, String)] = [
        (Int64(0), "0 B"), (512, "512 B"), (1023, "1023 B"), (1024, "1 KiB"), (3482, "3.4 KiB"),
        (10 * 1_048_576, "10 MiB"), (1_048_575, "1 MiB"), (3_650_722_202, "3.4 GiB"),
        (1_209_462_790_553, "1.1 TiB"), (150 * 1_073_741_824, "150 GiB"), (-2048, "-2 KiB"), (Int64.max, "8 EiB"),
    ]

    @Test("bytes in binary units", arguments: bytesCases)
    func bytes(_ n: Int64, _ expected: String) {
        #expect(Format.bytes(n) == expected)
    }

    static let dollarsCases: [(Double, String)] = [
        (0.0, "$0.00"), (0.02, "$0.02"), (0.004, "<$0.01"), (0.0000001, "<$0.01"), (0.005, "$0.01"), (0.016, "$0.02"),
        (1234.567, "$1,234.57"), (1_000_000, "$1,000,000.00"), (999.999, "$1,000.00"), (12.5, "$12.50"),
        (-3.1, "-$3.10"), (-0.001, "$0.00"), (Double.nan, "$?"), (Double.infinity, "$?"),
    ]

    @Test("dollars", arguments: dollarsCases)
    func dollars(_ amount: Double, _ expected: String) {
        #expect(Format.dollars(amount) == expected)
    }

    static let durationCases: [(TimeInterval, String)] = [
        (0.0, "0ms"), (0.35, "350ms"), (0.9994, "999ms"), (0.9996, "1.0s"), (4.2, "4.2s"), (4.25, "4.3s"),
        (59.94, "59.9s"), (59.96, "1m"), (60, "1m"), (185, "3m 05s"), (3599, "59m 59s"), (3600, "1h"),
        (2 * 3600 + 14 * 60 + 20, "2h 14m"), (3 * 3600 + 5 * 60, "3h 05m"), (86_400, "1d"), (3 * 86_400 + 2 * 3600 + 59 * 60, "3d 2h"),
        (40 * 86_400, "40d"), (-5, "0ms"), (Double.nan, "?"),
    ]

    @Test("durations", arguments: durationCases)
    func duration(_ seconds: TimeInterval, _ expected: String) {
        #expect(Format.duration(seconds) == expected)
    }

    static let agoCases: [(TimeInterval, String)] = [
        (-(2 * 3600 + 14 * 60.0), "2h 14m ago"), (-30, "just now"), (0, "just now"), (20, "just now"),
        (300, "in 5m"), (-90, "1m 30s ago"), (-3 * 86_400.0, "3d ago"),
    ]

    @Test("ago", arguments: agoCases)
    func ago(_ offset: TimeInterval, _ expected: String) {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(Format.ago(now.addingTimeInterval(offset), now: now) == expected)
    }

    static let percentCases: [(Double, String)] = [
        (0.12, "+12%"), (-0.03, "-3%"), (0.0, "0%"), (0.004, "0%"), (-0.004, "0%"), (0.005, "+1%"), (1.5, "+150%"),
        (-1, "-100%"), (Double.nan, "?"),
    ]

    @Test("percent", arguments: percentCases)
    func percent(_ fraction: Double, _ expected: String) {
        #expect(Format.percent(fraction) == expected)
    }

    static let timestampCases: [(TimeInterval, String)] = [
        (1_795_248_180.0, "2026-11-21 08:03 UTC"), (0, "1970-01-01 00:00 UTC"), (-60, "1969-12-31 23:59 UTC"),
        (1_795_248_239.9, "2026-11-21 08:03 UTC"),
    ]

    @Test("UTC timestamps", arguments: timestampCases)
    func timestamp(_ seconds: TimeInterval, _ expected: String) {
        #expect(Format.timestamp(Date(timeIntervalSince1970: seconds)) == expected)
    }
}

@Suite("Sparkline")
struct SparklineTests {
    static let renderCases: [([Int64], String)] = [
        ([Int64](), ""),
        ([0, 1, 2, 3, 4, 5, 6, 7], "▁▂▃▄▅▆▇█"),
        ([5, 5, 5], "▄▄▄"),
        ([7], "▄"),
        ([10, 0], "█▁"),
        ([100, 200, 300, 50], "▂▅█▁"),
        ([Int64.min, 0, Int64.max], "▁▅█"),
    ]

    @Test("renders", arguments: renderCases)
    func render(_ values: [Int64], _ expected: String) {
        #expect(Sparkline.render(values) == expected)
    }

    @Test("one bar per value")
    func length() {
        let values: [Int64] = (0..<30).map { Int64($0 * $0 % 17) }
        #expect(Sparkline.render(values).count == 30)
    }
}
