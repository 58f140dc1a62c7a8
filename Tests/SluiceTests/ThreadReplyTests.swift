import Foundation
import SluiceCore
import Testing

/// A thread message, the bot's user id, and what it must mean.
struct ThreadReplyCase: Sendable, CustomTestStringConvertible {
    let text: String
    let bot: String?
    let expected: ThreadReply

    init(_ text: String, bot: String? = "U0BOTSLUICE", _ expected: ThreadReply) {
        self.text = text
        self.bot = bot
        self.expected = expected
    }

    var testDescription: String { "'\(text.prefix(60))' (bot \(bot ?? "unknown"))" }
}

@Suite("ThreadReply")
struct ThreadReplyTests {
    static let cases: [ThreadReplyCase] = [
        ThreadReplyCase("<@U0BOTSLUICE> ack", .ack),
        ThreadReplyCase("<@U0BOTSLUICE> mute 4h backfill running", .mute(.after(.hours(4)), reason: "backfill running")),
        ThreadReplyCase("ACK <@U0BOTSLUICE>", .ack),
        ThreadReplyCase("<@U0BOTSLUICE>ack", .ack),
        ThreadReplyCase("<@U0BOTSLUICE> Ack!", .ack),
        ThreadReplyCase("<@U0BOTSLUICE> acknowledged, looking into it", .ack),
        ThreadReplyCase("<@U0BOTSLUICE|sluice> Resolve.", .resolve),
        ThreadReplyCase("<@U0BOTSLUICE> resolved", .resolve),
        ThreadReplyCase("<@U0BOTSLUICE> details please", .details),
        ThreadReplyCase("<@U0BOTSLUICE> mute 4h", .mute(.after(.hours(4)), reason: nil)),
        ThreadReplyCase("<@U0BOTSLUICE> MUTE 1h30m", .mute(.after(.minutes(90)), reason: nil)),
        ThreadReplyCase("<@U0BOTSLUICE> mute for 2h deploy", .mute(.after(.hours(2)), reason: "deploy")),
        ThreadReplyCase(
            "<@U0BOTSLUICE> mute until tomorrow 08:00 vendor outage",
            .mute(.untilTomorrow(TimeOfDay(hour: 8, minute: 0)), reason: "vendor outage")),
        ThreadReplyCase("<@U0BOTSLUICE> mute tomorrow", .mute(.untilTomorrow(TimeOfDay(hour: 9, minute: 0)), reason: nil)),
        ThreadReplyCase("<@U0BOTSLUICE> mute until 09:00", .mute(.until(TimeOfDay(hour: 9, minute: 0)), reason: nil)),
        ThreadReplyCase(
            "<@U0BOTSLUICE>\u{00A0}mute 4h \u{201C}flaky upstream\u{201D}", .mute(.after(.hours(4)), reason: "flaky upstream")),
        ThreadReplyCase("<@U0BOTSLUICE> mute 4h ask <@U0123ABCD>", .mute(.after(.hours(4)), reason: "ask <@U0123ABCD>")),
        ThreadReplyCase("<@U0BOTSLUICE> mute 4h <!channel> heads up", .mute(.after(.hours(4)), reason: "@channel heads up")),
        ThreadReplyCase("mute <@U0BOTSLUICE> 4h", .mute(.after(.hours(4)), reason: nil)),
        ThreadReplyCase("<@U0BOTSLUICE> mute forever", .unknown("mute forever")),
        ThreadReplyCase("<@U0BOTSLUICE> mute", .unknown("mute")),
        ThreadReplyCase("<@U0BOTSLUICE> mute 100d", .unknown("mute 100d")),
        ThreadReplyCase("<@U0BOTSLUICE>", .unknown("")),
        ThreadReplyCase("", .unknown("")),
        ThreadReplyCase("<@U0BOTSLUICE> what is this?", .unknown("what is this?")),
        ThreadReplyCase("<@U0BOTSLUICE> don't ack this", .unknown("don't ack this")),
        ThreadReplyCase("<@U0OTHER> ack", .unknown("<@U0OTHER> ack")),
        ThreadReplyCase("<@U0BOTSLUICEX> ack", .unknown("<@U0BOTSLUICEX> ack")),
        ThreadReplyCase("<@U0BOTSLUICE> ack", bot: nil, .ack),
        ThreadReplyCase("<@U0ANY|someone> <@U0BOT> mute 1h", bot: nil, .mute(.after(.hours(1)), reason: nil)),
        ThreadReplyCase("resolve", bot: nil, .resolve),
        ThreadReplyCase("details <@U0123ABCD>", bot: nil, .details),
    ]

    @Test("reads thread replies", arguments: cases)
    func parses(_ c: ThreadReplyCase) {
        #expect(ThreadReply.parse(c.text, botUserID: c.bot) == c.expected)
    }

    @Test("long and odd texts give a short unknown")
    func longText() {
        let reply = ThreadReply.parse("<@U0BOTSLUICE> " + String(repeating: "blah 🚀 ", count: 2000), botUserID: "U0BOTSLUICE")
        guard case let .unknown(text) = reply else {
            Issue.record("parsed to \(reply)")
            return
        }
        #expect(text.count <= 200)
        #expect(text.hasPrefix("blah 🚀 blah"))
    }

    @Test("a mute reason is capped")
    func longReason() {
        let reply = ThreadReply.parse("<@U0BOTSLUICE> mute 4h " + String(repeating: "why ", count: 200), botUserID: "U0BOTSLUICE")
        guard case let .mute(end, reason) = reply else {
            Issue.record("parsed to \(reply)")
            return
        }
        #expect(end == .after(.hours(4)))
        #expect((reason?.count ?? 0) <= 300)
    }

    @Test("the usage names every verb")
    func usage() {
        for verb in ["ack", "mute 4h", "resolve", "details"] {
            #expect(ThreadReply.usage.contains(verb))
        }
    }
}
