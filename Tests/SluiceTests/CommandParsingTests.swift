import Foundation
import SluiceCore
import Testing
@testable import Worker

/// Well-formed commands: what each text parses to, canonical text round trips, and SQL after a
/// valid command.
@Suite("CommandParser: well-formed commands")
struct CommandParsingTests {
    static let orders = table("raw.orders")

    static let happyCases: [CommandParseCase] = [
        CommandParseCase("", .help(topic: nil)),
        CommandParseCase(" \u{00A0}\t ", .help(topic: nil)),
        CommandParseCase("help", .help(topic: nil)),
        CommandParseCase("HELP Mute", .help(topic: "mute")),
        CommandParseCase("/sluice help", .help(topic: nil)),
        CommandParseCase("status", .status(pipeline: nil)),
        CommandParseCase("status shop", .status(pipeline: "shop")),
        CommandParseCase("  Status   SHOP  ", .status(pipeline: "shop")),
        CommandParseCase("runs", .runs(pipeline: nil)),
        CommandParseCase("runs ads", .runs(pipeline: "ads")),
        CommandParseCase("run shop", .run(pipeline: "shop")),
        CommandParseCase("run\u{00A0}shop", .run(pipeline: "shop")),
        CommandParseCase("RUN \u{201C}shop\u{201D}", .run(pipeline: "shop")),
        CommandParseCase("run `shop`", .run(pipeline: "shop")),
        CommandParseCase("run\u{200B} shop\n", .run(pipeline: "shop")),
        CommandParseCase("run shop --full-refresh", .fullRefresh(pipeline: "shop")),
        CommandParseCase("run --FULL-REFRESH shop", .fullRefresh(pipeline: "shop")),
        CommandParseCase("run shop \u{2014}full-refresh", .fullRefresh(pipeline: "shop")),
        CommandParseCase("rerun 42", .rerun(runID: 42, all: false)),
        CommandParseCase("rerun #42", .rerun(runID: 42, all: false)),
        CommandParseCase("rerun 42 --all", .rerun(runID: 42, all: true)),
        CommandParseCase("rerun --ALL 42", .rerun(runID: 42, all: true)),
        CommandParseCase("rerun 42 \u{2014}all", .rerun(runID: 42, all: true)),
        CommandParseCase("backfill shop 2026-03-01 2026-03-07", .backfill(pipeline: "shop", from: "2026-03-01", to: "2026-03-07")),
        CommandParseCase("backfill shop 2026-03-01 2026-03-01", .backfill(pipeline: "shop", from: "2026-03-01", to: "2026-03-01")),
        CommandParseCase("backfill ads 2026-01-01 2026-01-31", .backfill(pipeline: "ads", from: "2026-01-01", to: "2026-01-31")),
        CommandParseCase("backfill shop 2028-02-28 2028-02-29", .backfill(pipeline: "shop", from: "2028-02-28", to: "2028-02-29")),
        CommandParseCase("freshness", .freshness(target: nil)),
        CommandParseCase("freshness raw.orders", .freshness(target: .table(orders))),
        CommandParseCase("freshness orders", .freshness(target: .table(orders))),
        CommandParseCase("freshness RAW.Orders", .freshness(target: .table(orders))),
        CommandParseCase("freshness <http://raw.orders|raw.orders>", .freshness(target: .table(orders))),
        CommandParseCase("freshness shop", .freshness(target: .pipeline("shop"))),
        CommandParseCase("freshness stg_orders", .freshness(target: .table(table("staging.stg_orders")))),
        CommandParseCase("volume raw.orders", .volume(table: orders, days: 14)),
        CommandParseCase("volume raw.orders 30", .volume(table: orders, days: 30)),
        CommandParseCase("volume orders 30d", .volume(table: orders, days: 30)),
        CommandParseCase("volume raw.orders 1", .volume(table: orders, days: 1)),
        CommandParseCase("volume raw.orders 90", .volume(table: orders, days: 90)),
        CommandParseCase("cost", .cost(pipeline: nil, window: .last7d, estimate: false)),
        CommandParseCase("cost today", .cost(pipeline: nil, window: .today, estimate: false)),
        CommandParseCase("cost shop 30d", .cost(pipeline: "shop", window: .last30d, estimate: false)),
        CommandParseCase("cost 30D shop", .cost(pipeline: "shop", window: .last30d, estimate: false)),
        CommandParseCase("cost ads 7d", .cost(pipeline: "ads", window: .last7d, estimate: false)),
        CommandParseCase("cost shop --estimate", .cost(pipeline: "shop", window: .last7d, estimate: true)),
        CommandParseCase("cost --estimate shop", .cost(pipeline: "shop", window: .last7d, estimate: true)),
        CommandParseCase("alerts", .alerts),
        CommandParseCase("ALERTS", .alerts),
        CommandParseCase("mutes", .mutes),
        CommandParseCase("digest", .digest),
        CommandParseCase("mute raw.orders 4h flaky upstream", .mute(target: .table(orders), end: .after(.hours(4)), reason: "flaky upstream")),
        CommandParseCase("mute shop 30m", .mute(target: .pipeline("shop"), end: .after(.minutes(30)), reason: nil)),
        CommandParseCase("mute orders 2d", .mute(target: .table(orders), end: .after(.days(2)), reason: nil)),
        CommandParseCase(
            "mute not_null_stg_orders_order_id 1h30m",
            .mute(target: .check(pipeline: "shop", name: "not_null_stg_orders_order_id"), end: .after(.minutes(90)), reason: nil)),
        CommandParseCase(
            "mute ads/negative_totals until 09:00 known issue",
            .mute(target: .check(pipeline: "ads", name: "negative_totals"), end: .until(TimeOfDay(hour: 9, minute: 0)), reason: "known issue")),
        CommandParseCase(
            "mute freshness_ad_spend for 2h",
            .mute(target: .check(pipeline: "ads", name: "freshness_ad_spend"), end: .after(.hours(2)), reason: nil)),
        CommandParseCase("mute shop until tomorrow 08:30", .mute(target: .pipeline("shop"), end: .untilTomorrow(TimeOfDay(hour: 8, minute: 30)), reason: nil)),
        CommandParseCase("mute shop tomorrow", .mute(target: .pipeline("shop"), end: .untilTomorrow(MuteEnd.morning), reason: nil)),
        CommandParseCase(
            "mute shop until tomorrow waiting for the vendor",
            .mute(target: .pipeline("shop"), end: .untilTomorrow(MuteEnd.morning), reason: "waiting for the vendor")),
        CommandParseCase("mute shop 4h \u{201C}flaky upstream\u{201D}", .mute(target: .pipeline("shop"), end: .after(.hours(4)), reason: "flaky upstream")),
        CommandParseCase("mute shop 4h <!channel> look", .mute(target: .pipeline("shop"), end: .after(.hours(4)), reason: "@channel look")),
        CommandParseCase("mute shop 4h ; drop table raw.orders", .mute(target: .pipeline("shop"), end: .after(.hours(4)), reason: "; drop table raw.orders")),
        CommandParseCase("unmute raw.orders", .unmute(target: .table(orders))),
        CommandParseCase("unmute shop/negative_totals", .unmute(target: .check(pipeline: "shop", name: "negative_totals"))),
        CommandParseCase("unmute SHOP", .unmute(target: .pipeline("shop"))),
        CommandParseCase("ack 7", .ack(alertID: 7)),
        CommandParseCase("ack #7", .ack(alertID: 7)),
        CommandParseCase("/sluice ack 7", .ack(alertID: 7)),
        CommandParseCase("details 7", .details(alertID: 7)),
        CommandParseCase("Details #7", .details(alertID: 7)),
        CommandParseCase("resolve 7", .resolve(alertID: 7, reason: nil)),
        CommandParseCase("resolve #7 fixed upstream", .resolve(alertID: 7, reason: "fixed upstream")),
        CommandParseCase("resolve 7 \u{201C}vendor re-sent the file\u{201D}", .resolve(alertID: 7, reason: "vendor re-sent the file")),
        CommandParseCase("resolve 7 tell <!channel>", .resolve(alertID: 7, reason: "tell @channel")),
        CommandParseCase("help backfill", .help(topic: "backfill")),
        CommandParseCase("help `resolve`", .help(topic: "resolve")),
    ]

    @Test("parses", arguments: happyCases)
    func parses(_ c: CommandParseCase) {
        #expect(parse(c.text) == .success(c.expected))
    }

    @Test("canonical text parses back to the same command", arguments: happyCases)
    func canonicalRoundTrip(_ c: CommandParseCase) {
        #expect(parse(c.expected.canonicalText) == .success(c.expected))
    }

    @Test("a valid command followed by SQL is never that command", arguments: happyCases.filter {
        // A mute's or a resolve's reason is free text (never SQL): anything may follow.
        if case .mute = $0.expected { return false }
        if case .resolve = $0.expected { return false }
        return !$0.text.isEmpty && !$0.text.hasSuffix("\n")
    })
    func sqlSuffixFails(_ c: CommandParseCase) {
        for suffix in ["; drop table raw.orders", ";", " ; delete from raw.orders", "' or 1=1 --", " -- comment", " union select 1"] {
            let result = parse(c.text + suffix)
            if case let .success(command) = result {
                Issue.record("'\(c.text + suffix)' parsed to \(command)")
            }
        }
    }
}
