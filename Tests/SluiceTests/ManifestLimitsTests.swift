import Foundation
import SluiceApp
import SluiceCore
import Testing

/// Hostile manifests are refused at once, at their line and column, instead of stalling validation
/// and start-up for minutes.
@Suite("Manifest limits: hostile input is refused within 2 seconds")
struct ManifestLimitsTests {
    /// `problems(yaml)` and how long it took.
    private static func timedProblems(_ yaml: String) -> ([String], Duration) {
        var found: [String] = []
        let elapsed = ContinuousClock().measure { found = problems(yaml) }
        return (found, elapsed)
    }

    /// Ten levels of merge keys, each merging the previous level ten times: 10^10 values expanded.
    static let mergeKeyBomb: String = {
        var lines = ["m0: &m0 {a: 1, b: 2}"]
        for level in 1...10 {
            lines.append("m\(level): &m\(level)\n  <<: [" + Array(repeating: "*m\(level - 1)", count: 10).joined(separator: ", ") + "]\n  k\(level): \(level)")
        }
        return lines.joined(separator: "\n") + "\ntimezone: UTC\npipelines:\n  p:\n    <<: *m10\n"
    }()

    @Test func aMergeKeyBombIsRefusedAtTheKeyThatExpands() {
        let (found, elapsed) = Self.timedProblems(Self.mergeKeyBomb)
        #expect(found == [
            "14:1: 'm5' expands to more than 100000 values through YAML aliases (*name) and merge keys (<<); "
                + "write the repeated settings out, or merge each anchor once",
        ])
        #expect(elapsed < .seconds(2), "took \(elapsed)")
    }

    @Test func anAliasBombIsRefused() {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]")
        }
        let (found, elapsed) = Self.timedProblems(lines.joined(separator: "\n") + "\ntimezone: UTC\npipelines:\n  p: *a9\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("5:1: 'a4' expands to more than 100000 values") == true, "\(found)")
        #expect(elapsed < .seconds(2), "took \(elapsed)")
    }

    @Test func aHugeValueIsRefusedAtItsPositionAndAHugeFileBeforeItIsRead() throws {
        let (found, elapsed) = Self.timedProblems("timezone: " + String(repeating: "A", count: 3_000_000) + "\npipelines: {}\n")
        #expect(found == ["1:11: this value is 2.9 MiB; manifest values are limited to 64 KiB (put long SQL in a file under models/)"])
        #expect(elapsed < .seconds(2), "took \(elapsed)")

        let (tooBig, _) = Self.timedProblems("timezone: " + String(repeating: "A", count: 10_000_000) + "\n")
        #expect(tooBig.first?.hasPrefix("1:1: the manifest is 9.5 MiB; Sluice reads manifests up to 4 MiB.") == true, "\(tooBig)")

        let workspace = try Workspace()
        try workspace.write("huge.yml", "timezone: " + String(repeating: "A", count: 10_000_000) + "\n")
        #expect(throws: ConfigurationError.self) {
            try ManifestLoader.load("huge.yml", baseDirectory: workspace.root)
        }
    }

    @Test func nestingBeyondTheParsersLimitIsToldInTheUsersTerms() {
        let (found, elapsed) = Self.timedProblems("timezone: UTC\npipelines: " + String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000) + "\n")
        #expect(found.count == 1)
        #expect(found.first?.contains("nests lists and mappings more than 1,000 levels deep") == true, "\(found)")
        #expect(elapsed < .seconds(2), "took \(elapsed)")
    }

    @Test func aHugeUnknownNameGetsNoSuggestionAndCostsNothing() {
        let huge = String(repeating: "Europe/Londo", count: 100_000)
        let elapsed = ContinuousClock().measure {
            #expect(NearestName.suggestions(for: huge, in: TimeZone.knownTimeZoneIdentifiers).isEmpty)
        }
        #expect(elapsed < .seconds(2), "took \(elapsed)")
        // Lengths within reach still get their suggestion.
        #expect(NearestName.suggestions(for: "Europe/Londn", in: TimeZone.knownTimeZoneIdentifiers) == ["Europe/London"])
        #expect(NearestName.suggestions(for: "shedule", in: ["schedule", "sources"]) == ["schedule"])
    }

    @Test func ordinaryAliasesAndMergeKeysStillWork() throws {
        let yaml = """
            timezone: UTC
            slack: { default_channel: "#data" }
            defaults: &defaults
              schedule: "0 * * * *"
              channel: "#data"
            pipelines:
              shop:
                <<: *defaults
                sources:
                  orders: { kind: csv, path: orders.csv }
                loads:
                  - { source: orders, table: raw.orders, write: truncate }
            """
        // `defaults` is not a manifest key: the only problem, so the merge itself was read.
        #expect(problems(yaml) == [
            "3:1: unknown key 'defaults' in the manifest; expected 'timezone', 'warehouse', 'cost', 'slack', 'access', 'backfill' or 'pipelines'",
        ])
    }
}
