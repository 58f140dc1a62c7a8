import Foundation
import SluiceCore
import Testing
@testable import Worker

/// When a mute ends: parsing the words and finding the instant, across daylight-saving changes.
@Suite("MuteEnd")
struct MuteEndTests {
    /// Words and the end they give, with how many words it used.
    struct WordsCase: Sendable, CustomTestStringConvertible {
        let words: [String]
        let expected: MuteEnd?
        let consumed: Int

        init(_ words: [String], _ expected: MuteEnd?, _ consumed: Int = 0) {
            self.words = words
            self.expected = expected
            self.consumed = consumed
        }

        var testDescription: String { words.joined(separator: " ") }
    }

    static let nine = TimeOfDay(hour: 9, minute: 0)

    static let wordCases: [WordsCase] = [
        WordsCase(["30m"], .after(.minutes(30)), 1),
        WordsCase(["4h", "flaky"], .after(.hours(4)), 1),
        WordsCase(["4H"], .after(.hours(4)), 1),
        WordsCase(["2d"], .after(.days(2)), 1),
        WordsCase(["1h30m"], .after(.minutes(90)), 1),
        WordsCase(["2w"], .after(.days(14)), 1),
        WordsCase(["90d"], .after(.days(90)), 1),
        WordsCase(["for", "4h", "deploy"], .after(.hours(4)), 2),
        WordsCase(["until", "09:00", "deploy"], .until(nine), 2),
        WordsCase(["Until", "9:00"], .until(nine), 2),
        WordsCase(["till", "17:45"], .until(TimeOfDay(hour: 17, minute: 45)), 2),
        WordsCase(["until", "tomorrow", "08:30", "x"], .untilTomorrow(TimeOfDay(hour: 8, minute: 30)), 3),
        WordsCase(["until", "tomorrow", "vendor"], .untilTomorrow(nine), 2),
        WordsCase(["tomorrow"], .untilTomorrow(nine), 1),
        WordsCase(["TOMORROW", "07:15"], .untilTomorrow(TimeOfDay(hour: 7, minute: 15)), 2),
        WordsCase([], nil),
        WordsCase(["4x"], nil),
        WordsCase(["0m"], nil),
        WordsCase(["4"], nil),
        WordsCase(["h"], nil),
        WordsCase(["-4h"], nil),
        WordsCase(["91d"], nil),
        WordsCase(["until"], nil),
        WordsCase(["until", "25:00"], nil),
        WordsCase(["until", "+9:00"], nil),
        WordsCase(["until", "9"], nil),
        WordsCase(["for"], nil),
        WordsCase(["for", "ever"], nil),
        WordsCase(["99999999999999999999h"], nil),
        WordsCase(["5000000000000000000s5000000000000000000s"], nil),
    ]

    @Test("parses mute ends", arguments: wordCases)
    func parses(_ c: WordsCase) {
        let parsed = MuteEnd.parse(c.words)
        #expect(parsed?.0 == c.expected)
        if c.expected != nil { #expect(parsed?.consumed == c.consumed) }
    }

    @Test("descriptions parse back", arguments: wordCases.compactMap(\.expected))
    func roundTrip(_ end: MuteEnd) {
        let words = end.description.split(separator: " ").map(String.init)
        #expect(MuteEnd.parse(words)?.0 == end)
        #expect(MuteEnd.parse(words)?.consumed == words.count)
    }

    @Test("the alert's mute buttons use words that parse")
    func buttonChoices() {
        for choice in AlertMessages.muteChoices {
            #expect(MuteEnd.parse([choice.suffix]) != nil, "\(choice.suffix)")
        }
        #expect(MuteEnd.parse(["24h"])?.0 == .after(.hours(24)))
        #expect(MuteEnd.parse(["tomorrow"])?.0 == .untilTomorrow(Self.nine))
    }

    /// An end, the instant it is set, a zone, and the instant it must end (all UTC).
    struct DateCase: Sendable, CustomTestStringConvertible {
        let end: MuteEnd
        let now: String
        let zone: String
        let expected: String
        let note: String

        var testDescription: String { "\(end) at \(now) in \(zone): \(note)" }
    }

    static let dateCases: [DateCase] = [
        DateCase(end: .until(nine), now: "2026-03-28T20:00:00Z", zone: "Europe/London", expected: "2026-03-29T08:00:00Z",
                 note: "evening before the spring change: 09:00 BST"),
        DateCase(end: .until(nine), now: "2026-03-28T08:00:00Z", zone: "Europe/London", expected: "2026-03-28T09:00:00Z",
                 note: "still ahead today"),
        DateCase(end: .until(nine), now: "2026-03-28T09:00:00Z", zone: "Europe/London", expected: "2026-03-29T08:00:00Z",
                 note: "exactly now means tomorrow"),
        DateCase(end: .untilTomorrow(nine), now: "2026-03-28T23:30:00Z", zone: "Europe/London", expected: "2026-03-29T08:00:00Z",
                 note: "tomorrow is the local day after"),
        DateCase(end: .untilTomorrow(nine), now: "2026-03-29T00:30:00Z", zone: "Europe/London", expected: "2026-03-30T08:00:00Z",
                 note: "after midnight, tomorrow is the next day"),
        DateCase(end: .until(TimeOfDay(hour: 1, minute: 30)), now: "2026-03-29T00:15:00Z", zone: "Europe/London",
                 expected: "2026-03-29T01:00:00Z", note: "01:30 is skipped: the first instant after the gap"),
        DateCase(end: .until(TimeOfDay(hour: 1, minute: 30)), now: "2026-10-24T23:45:00Z", zone: "Europe/London",
                 expected: "2026-10-25T00:30:00Z", note: "01:30 occurs twice: the first one"),
        DateCase(end: .until(nine), now: "2026-10-24T20:00:00Z", zone: "Europe/London", expected: "2026-10-25T09:00:00Z",
                 note: "evening before the autumn change: 09:00 GMT"),
        DateCase(end: .after(.hours(4)), now: "2026-03-29T00:30:00Z", zone: "Europe/London", expected: "2026-03-29T04:30:00Z",
                 note: "a duration is absolute across the change"),
        DateCase(end: .until(nine), now: "2026-03-07T23:00:00Z", zone: "America/New_York", expected: "2026-03-08T13:00:00Z",
                 note: "US spring change: 09:00 EDT"),
        DateCase(end: .until(nine), now: "2026-01-01T23:30:00Z", zone: "Asia/Tokyo", expected: "2026-01-02T00:00:00Z",
                 note: "local day ahead of UTC"),
    ]

    @Test("ends at the right instant", arguments: dateCases)
    func ends(_ c: DateCase) throws {
        let formatter = ISO8601DateFormatter()
        let now = try #require(formatter.date(from: c.now))
        let expected = try #require(formatter.date(from: c.expected))
        let zone = try #require(TimeZone(identifier: c.zone))
        #expect(c.end.date(from: now, in: zone) == expected)
    }
}
