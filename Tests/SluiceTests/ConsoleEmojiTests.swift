import Foundation
import SluiceCore
import Testing

@Suite("Console mode renders emoji shortcodes")
struct ConsoleEmojiTests {
    /// The source folders whose string literals become messages.
    static let messageSources = ["Sources/SluiceCore/Messages", "Sources/SluiceCore/Digest", "Sources/Conversation"]

    /// Every `:shortcode:` written in the code (not the comments) of the Swift files under `folders`;
    /// escapes like `\n` read as the characters they stand for, so `"\n:repeat:"` counts.
    static func shortcodes(in folders: [String]) throws -> Set<String> {
        var found: Set<String> = []
        let pattern = try NSRegularExpression(pattern: "(?<![A-Za-z0-9:]):[a-z][a-z0-9_+-]*:(?![A-Za-z0-9:])")
        for folder in folders {
            let directory = Workspace.repositoryRoot + "/" + folder
            for file in try FileManager.default.contentsOfDirectory(atPath: directory) where file.hasSuffix(".swift") {
                let source = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
                    .components(separatedBy: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
                    .joined(separator: "\n")
                    .replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\(", with: " (")
                let range = NSRange(source.startIndex..., in: source)
                for match in pattern.matches(in: source, range: range) {
                    if let code = Range(match.range, in: source) { found.insert(String(source[code])) }
                }
            }
        }
        return found
    }

    @Test("every shortcode Sluice's messages use renders as a symbol")
    func everyShortcodeIsMapped() throws {
        let codes = try Self.shortcodes(in: Self.messageSources)
        // The scan must see the messages: these are used by alerts, volume replies and backfills.
        #expect(codes.isSuperset(of: [":warning:", ":hourglass_flowing_sand:", ":octagonal_sign:", ":repeat:", ":no_entry:"]))
        for code in codes.sorted() {
            let rendered = ConsoleRenderer.plain("before \(code) after")
            #expect(!rendered.contains(code), "\(code) is printed raw")
            #expect(rendered.hasPrefix("before ") && rendered.hasSuffix(" after") && rendered.count > "before  after".count,
                    "\(code) has no symbol: \(rendered)")
        }
    }

    @Test("a shortcode Sluice does not know is dropped, never printed raw")
    func unknownShortcodesAreDropped() {
        #expect(ConsoleRenderer.plain(":sparkles: Done") == "Done")
        #expect(ConsoleRenderer.plain("Done :sparkles:") == "Done ")
        #expect(ConsoleRenderer.plain("a :tada: b") == "a b")
        #expect(ConsoleRenderer.plain(":hourglass_flowing_sand: 2026-03-01: *1.2k*") == "⏳ 2026-03-01: 1.2k")
        let rendered = ConsoleRenderer.render(
            SlackMessage(text: "t", blocks: [.header(":bar_chart: Cost"), .context([":unknown_thing: note"])]), channel: "#data")
        #expect(rendered == "▶ #data\n  📊 COST\n  note")
    }

    @Test("colons that are not shortcodes are left alone", arguments: [
        "at 09:00:00", "select a::text from t", "urn:ietf:params:oauth:grant-type", "ratio 3:2:1", "key:value:",
        "https://example.com/a:b:c", "::", "a : b : c", ":Capital:", ":with space:",
    ])
    func otherColonsStay(_ text: String) {
        #expect(ConsoleRenderer.emoji(in: text) == text)
    }
}
