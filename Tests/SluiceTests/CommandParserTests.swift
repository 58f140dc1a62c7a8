import Foundation
import SluiceCore
import Testing
@testable import Worker

/// A table name for tests; records an issue (and returns a placeholder) when the text is not one.
private func table(_ text: String) -> TableName {
    guard let name = TableName(text) else {
        Issue.record("bad test table name \(text)")
        return TableName(dataset: "invalid", table: "invalid")
    }
    return name
}

/// Two pipelines sharing a check name (`negative_totals`) and a table part (`ad_spend`).
private let commandManifest: Manifest = {
    func loads(_ names: [String]) -> [Load] {
        names.map { Load(source: $0, table: table($0), write: .truncate) }
    }
    func models(_ names: [String]) -> [Model] {
        names.map { Model(name: table($0), sqlPath: "\($0).sql", sql: "select 1", materialized: .table, dependencies: []) }
    }
    let shop = Pipeline(
        name: "shop", schedule: nil, channel: nil, owners: [], sources: [],
        loads: loads(["raw.orders", "raw.customers"]), models: models(["staging.stg_orders", "mart.daily_sales"]),
        checks: [
            Check(name: "freshness_orders", kind: .freshness(table("raw.orders"), loadedAt: nil, warnAfter: nil, errorAfter: nil), severity: .error),
            Check(name: "not_null_stg_orders_order_id", kind: .notNull(table("staging.stg_orders"), column: "order_id"), severity: .error),
            Check(name: "negative_totals", kind: .sql(query: "select 1"), severity: .warn),
        ])
    let ads = Pipeline(
        name: "ads", schedule: nil, channel: nil, owners: [], sources: [],
        loads: loads(["raw.ad_spend", "raw.campaigns"]), models: models(["mart.ad_spend"]),
        checks: [
            Check(name: "negative_totals", kind: .sql(query: "select 1"), severity: .warn),
            Check(name: "freshness_ad_spend", kind: .freshness(table("raw.ad_spend"), loadedAt: nil, warnAfter: nil, errorAfter: nil), severity: .warn),
        ])
    return Manifest(
        file: "sluice.yml", baseDirectory: "/srv", timeZone: TimeZone(secondsFromGMT: 0) ?? .current,
        warehouse: .sqlite(path: ".sluice/warehouse"), cost: CostConfig(), slack: SlackConfig(defaultChannel: "#data"),
        access: AccessConfig(), backfill: BackfillConfig(maxDays: 31), pipelines: [shop, ads])
}()

/// The vocabulary every parser test uses.
private let commandVocabulary = CommandVocabulary(manifest: commandManifest)

/// Parses with the test vocabulary.
private func parse(_ text: String, commandName: String = "/sluice") -> Result<SlashCommand, CommandError> {
    CommandParser.parse(text, vocabulary: commandVocabulary, commandName: commandName)
}

/// A text and the command it must parse to.
struct CommandParseCase: Sendable, CustomTestStringConvertible {
    let text: String
    let expected: SlashCommand

    init(_ text: String, _ expected: SlashCommand) {
        self.text = text
        self.expected = expected
    }

    var testDescription: String { "'\(text.prefix(60))'" }
}

/// A text that must fail, and fragments its message must contain.
struct CommandErrorCase: Sendable, CustomTestStringConvertible {
    let text: String
    let fragments: [String]

    init(_ text: String, _ fragments: String...) {
        self.text = text
        self.fragments = fragments
    }

    var testDescription: String { "'\(text.prefix(60))'" }
}

@Suite("CommandParser")
struct CommandParserTests {
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

    static let errorCases: [CommandErrorCase] = [
        CommandErrorCase("frshness raw.orders", "is not a `/sluice` command", "Did you mean `/sluice freshness`?", "`/sluice help`"),
        CommandErrorCase("xyzzy", "`xyzzy` is not a `/sluice` command", "`/sluice help` lists every command"),
        CommandErrorCase("🚀", "is not a `/sluice` command"),
        CommandErrorCase("raw.orders", "`raw.orders` is a table, not a command", "`/sluice freshness raw.orders`"),
        CommandErrorCase("shop", "`shop` is a pipeline, not a command", "`/sluice status shop`"),
        CommandErrorCase("help nope", "`nope` is not a `/sluice` command", "The commands are `help`, `status`", "`digest`",
                         "`/sluice help COMMAND` explains one"),
        CommandErrorCase("help bakfill", "Did you mean `/sluice backfill`?", "The commands are `help`"),
        CommandErrorCase("help shop", "`shop` is a pipeline, not a command", "The commands are `help`"),
        CommandErrorCase("help mute unmute", "takes at most 1 argument"),
        CommandErrorCase("freshness raw.ordrs", "`raw.ordrs` is not a table or pipeline", "Did you mean `raw.orders`?"),
        CommandErrorCase("freshness ad_spend", "could be `raw.ad_spend` or `mart.ad_spend`", "`dataset.table`"),
        CommandErrorCase("volume raw.ordrs", "`raw.ordrs` is not a table in the manifest", "Did you mean `raw.orders`?"),
        CommandErrorCase("volume nothing_like_it", "not a table", "Tables: `raw.orders`, `raw.customers`"),
        CommandErrorCase("volume shop", "`shop` is a pipeline, not a table"),
        CommandErrorCase("volume", "`/sluice volume` needs TABLE [DAYS]", "Usage: `/sluice volume TABLE [DAYS]`"),
        CommandErrorCase("volume raw.orders 0", "`0` is not a number of days", "1 to 90"),
        CommandErrorCase("volume raw.orders 91", "`91` is not a number of days"),
        CommandErrorCase("volume raw.orders -5", "`-5` is not a number of days"),
        CommandErrorCase("volume raw.orders many", "`many` is not a number of days"),
        CommandErrorCase("volume raw.orders 14 extra", "takes at most 2 arguments", "`extra` is extra"),
        CommandErrorCase("run", "`/sluice run` needs PIPELINE", "Usage: `/sluice run PIPELINE` · for example `/sluice run shop`"),
        CommandErrorCase("run shp", "`shp` is not a pipeline", "Did you mean `shop`?"),
        CommandErrorCase("run raw.orders", "`raw.orders` is a table, not a pipeline", "Pipelines: `shop`, `ads`"),
        CommandErrorCase("run shop ads", "takes 1 argument", "`ads` is extra", "Usage: `/sluice run PIPELINE`"),
        CommandErrorCase("run shop; drop table raw.orders", "takes 1 argument", "`drop table raw.orders` is extra"),
        CommandErrorCase("run shop;", "`shop;` is not a pipeline", "Did you mean `shop`?"),
        CommandErrorCase("run shop' or '1'='1", "takes 1 argument"),
        CommandErrorCase("run 🚀", "is not a pipeline"),
        CommandErrorCase("status shop ads", "takes at most 1 argument"),
        CommandErrorCase("runs nope", "`nope` is not a pipeline"),
        CommandErrorCase("alerts now", "`/sluice alerts` takes no arguments", "`now` is extra"),
        CommandErrorCase("mutes all", "takes no arguments"),
        CommandErrorCase("digest please", "takes no arguments"),
        CommandErrorCase("rerun", "`/sluice rerun` needs RUN_ID [--all]", "for example `/sluice rerun 42`"),
        CommandErrorCase("rerun abc", "`abc` is not a run id", "e.g. `42`"),
        CommandErrorCase("rerun 0", "`0` is not a run id"),
        CommandErrorCase("rerun 4.2", "`4.2` is not a run id"),
        CommandErrorCase("rerun 99999999999999999999", "is not a run id"),
        CommandErrorCase("rerun 42 --force", "`--force` is not an option of `rerun`", "`--all`"),
        CommandErrorCase("rerun 42 43", "takes 1 argument"),
        CommandErrorCase("backfill shop 2026-03-05 2026-03-01", "FROM `2026-03-05` is after TO `2026-03-01`", "earlier day first"),
        CommandErrorCase("backfill shop 2026-02-30 2026-03-01", "`2026-02-30` is not a day", "`YYYY-MM-DD`"),
        CommandErrorCase("backfill shop 03/01/2026 2026-03-02", "`03/01/2026` is not a day"),
        CommandErrorCase("backfill shop 2026-03-01 tomorrow", "`tomorrow` is not a day"),
        CommandErrorCase("backfill shop 2026-01-01 2026-03-01", "covers 60 days", "limit is 31", "`backfill.max_days`"),
        CommandErrorCase("backfill shop 0001-01-01 9999-12-31", "covers 3652059 days"),
        CommandErrorCase("backfill shop 2026-03-01", "needs PIPELINE FROM TO", "Usage: `/sluice backfill PIPELINE FROM TO`"),
        CommandErrorCase("backfill shp 2026-03-01 2026-03-02", "`shp` is not a pipeline", "Did you mean `shop`?"),
        CommandErrorCase("cost --estimate", "`--estimate` dry-runs one pipeline's next run"),
        CommandErrorCase("cost shop 7d --estimate", "leave out the window"),
        CommandErrorCase("cost shop 7days", "`7days` is not a window", "`today`, `7d` or `30d`"),
        CommandErrorCase("cost shop ads", "`cost` takes one pipeline", "`ads` is one too many"),
        CommandErrorCase("cost today 7d", "Give one window"),
        CommandErrorCase("cost --cheap", "`--cheap` is not an option of `cost`"),
        CommandErrorCase("cost shp", "`shp` is not a pipeline", "Did you mean `shop`?"),
        CommandErrorCase("mute", "`/sluice mute` needs TARGET DURATION [REASON]", "Usage: `/sluice mute TARGET DURATION [REASON]`"),
        CommandErrorCase("mute raw.orders", "`/sluice mute raw.orders` needs a DURATION"),
        CommandErrorCase("mute raw.orders 4x", "`4x` is not a duration", "`30m`, `4h`, `2d`"),
        CommandErrorCase("mute raw.orders 0m", "`0m` is not a duration"),
        CommandErrorCase("mute raw.orders 100d", "`100d` is longer than the longest mute, 90 days"),
        CommandErrorCase("mute raw.orders until 25:00", "`until 25:00` is not a duration"),
        CommandErrorCase("mute raw.orders until noon", "`until noon` is not a duration"),
        CommandErrorCase("mute raw.ordrs 4h", "`raw.ordrs` is not a table", "Did you mean `raw.orders`?"),
        CommandErrorCase("mute negative_totals 4h", "is a check in several pipelines", "`shop/negative_totals` or `ads/negative_totals`"),
        CommandErrorCase("mute negativ_totals 4h", "not a pipeline, table or check", "Did you mean `negative_totals`?"),
        CommandErrorCase("mute nowhere_at_all 4h", "not a pipeline, table or check", "A mute target is a pipeline (`shop`)"),
        CommandErrorCase("mute shop/nosuch 4h", "`nosuch` is not a check of pipeline `shop`", "Its checks: `freshness_orders`"),
        CommandErrorCase("mute shp/negative_totals 4h", "`shp` is not a pipeline"),
        CommandErrorCase("mute ad_spend 4h", "could be `raw.ad_spend` or `mart.ad_spend`"),
        CommandErrorCase("mute shop 4h " + String(repeating: "why ", count: 100), "keep it under 300"),
        CommandErrorCase("unmute", "`/sluice unmute` needs TARGET"),
        CommandErrorCase("unmute shop ads", "takes 1 argument"),
        CommandErrorCase("unmute nosuch", "not a pipeline, table or check"),
        CommandErrorCase("ack", "`/sluice ack` needs ALERT_ID", "for example `/sluice ack 7`"),
        CommandErrorCase("ack seven", "`seven` is not an alert id", "e.g. `7`"),
        CommandErrorCase("ack -7", "`-7` is not an alert id"),
        CommandErrorCase("ack 7 8", "takes 1 argument", "`8` is extra"),
        CommandErrorCase("details", "`/sluice details` needs ALERT_ID"),
        CommandErrorCase("details 7 8", "takes 1 argument"),
        CommandErrorCase("resolve", "`/sluice resolve` needs ALERT_ID [REASON]", "for example `/sluice resolve 7 fixed upstream`"),
        CommandErrorCase("resolve seven", "`seven` is not an alert id"),
        CommandErrorCase("resolve 7 " + String(repeating: "why ", count: 100), "keep it under 300"),
        CommandErrorCase(String(repeating: "a", count: 10_000), "10000 characters long", "`/sluice help`"),
        CommandErrorCase("run " + String(repeating: "x", count: 10_000), "characters long"),
    ]

    @Test("reports what would work", arguments: errorCases)
    func reportsErrors(_ c: CommandErrorCase) throws {
        let result = parse(c.text)
        guard case let .failure(error) = result else {
            Issue.record("parsed to \(result)")
            return
        }
        for fragment in c.fragments {
            #expect(error.message.contains(fragment), "missing \(fragment) in: \(error.message)")
        }
        #expect(error.description == error.message)
        #expect(error.message.count < 1000)
    }

    @Test("a custom command name appears in messages and may prefix the text")
    func customCommandName() throws {
        guard case let .failure(error) = parse("frshness", commandName: "/data") else {
            Issue.record("unknown command parsed")
            return
        }
        #expect(error.message.contains("Did you mean `/data freshness`?"))
        #expect(error.message.contains("`/data help`"))
        #expect(parse("/data alerts", commandName: "/data") == .success(.alerts))
    }

    @Test("user text in errors cannot mention anyone or break out of its code span",
          arguments: ["<!channel>", "run <@U0123ABCD>", "volume <!here|here>", "run `x` & <y>", "mute shop <!everyone>"])
    func errorsNeutraliseMarkup(_ text: String) throws {
        guard case let .failure(error) = parse(text) else {
            Issue.record("parsed")
            return
        }
        #expect(!error.message.contains("<!"))
        #expect(!error.message.contains("<@"))
        #expect(!error.message.contains("`x`"))
    }

    @Test("every help example parses to its own command, and operator marks match the access policy")
    func helpExamplesParse() throws {
        let words = CommandSyntax.all.map(\.word)
        #expect(words == ["help", "status", "runs", "run", "rerun", "backfill", "freshness", "volume", "cost", "alerts",
                          "mute", "unmute", "mutes", "ack", "details", "resolve", "digest"])
        for syntax in CommandSyntax.all {
            for example in syntax.examples(commandName: "/sluice") {
                let command = try parse(example.trimmingCharacters(in: CharacterSet(charactersIn: "`"))).get()
                #expect(command.word == syntax.word, "\(example)")
                #expect(AccessPolicy.requiresOperator(command) == syntax.operatorsOnly, "\(example)")
            }
        }
    }

    @Test("help lists every command with a description and an example, under Slack's section limit")
    func helpText() {
        let lines = HelpText.lines(commandName: "/sluice")
        #expect(lines.count == CommandSyntax.all.count + 1)
        for syntax in CommandSyntax.all {
            let line = lines.first { $0.hasPrefix("• \(syntax.usage(commandName: "/sluice")) — ") }
            #expect(line?.contains(syntax.summary) == true, "\(syntax.word)")
            if !syntax.example.isEmpty {
                #expect(line?.contains("e.g. `/sluice \(syntax.word) \(syntax.example)`") == true, "\(syntax.word)")
            }
        }
        #expect(lines.joined(separator: "\n").count < 3000)
        #expect(lines.contains { $0.contains("`/sluice mute TARGET DURATION [REASON]`") && $0.contains("_(operators)_") })
        #expect(lines.contains { $0.hasPrefix("• `/sluice alerts`") && !$0.contains("_(operators)_") })

        let mute = HelpText.lines(commandName: "/sluice", topic: "MUTE")
        #expect(mute.first == "*`/sluice mute TARGET DURATION [REASON]`* — silences a pipeline, a table or a check")
        #expect(mute.contains { $0.contains("`until 09:00`") })
        #expect(mute.contains("Examples: `/sluice mute raw.orders 4h flaky upstream` · `/sluice mute shop until 09:00` · "
            + "`/sluice mute shop/negative_totals tomorrow`"))
        #expect(mute.last == "_Only operators (`access.operators` in the manifest) may use it._")
        let ack = HelpText.lines(commandName: "/data", topic: "ack")
        #expect(ack.first == "*`/data ack ALERT_ID`* — acknowledges an alert")
        #expect(ack.contains("Example: `/data ack 7`"))
        #expect(ack.last == "_Anyone may use it._")
        #expect(HelpText.lines(commandName: "/sluice", topic: "nope") == lines)
    }

    @Test("the vocabulary comes from the manifest, tables once each")
    func vocabulary() {
        #expect(commandVocabulary.pipelines == ["shop", "ads"])
        #expect(commandVocabulary.tables.map(\.description) == [
            "raw.orders", "raw.customers", "staging.stg_orders", "mart.daily_sales", "raw.ad_spend", "raw.campaigns", "mart.ad_spend",
        ])
        #expect(commandVocabulary.checks.count == 5)
        #expect(commandVocabulary.checks.contains(.init(pipeline: "ads", name: "negative_totals")))
        #expect(commandVocabulary.maxBackfillDays == 31)
        let repeated = CommandVocabulary(pipelines: ["p"], tables: [table("a.b"), table("a.b")], checks: [])
        #expect(repeated.tables == [table("a.b")])
    }

    @Test("mute targets map to what mute records store")
    func muteRecordTargets() {
        #expect(MuteTarget.pipeline("shop").word == "shop")
        #expect(MuteTarget.table(table("raw.orders")).word == "raw.orders")
        #expect(MuteTarget.check(pipeline: "ads", name: "negative_totals").word == "ads/negative_totals")
        #expect(MuteTarget.check(pipeline: "ads", name: "negative_totals").description == "ads/negative_totals")
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

    @Test("random texts never crash and only well-formed ones parse")
    func fuzz() {
        var random = SplitMix64(seed: 0x5EED_C0DE)
        let pool = [
            "help", "status", "runs", "run", "rerun", "backfill", "freshness", "volume", "cost", "alerts", "mute", "unmute",
            "mutes", "ack", "digest", "shop", "ads", "raw.orders", "orders", "ad_spend", "mart.ad_spend", "negative_totals",
            "shop/negative_totals", "not_null_stg_orders_order_id", "42", "#7", "0", "-1", "14", "91", "4h", "1h30m", "0m",
            "until", "tomorrow", "09:00", "25:00", "for", "--all", "--estimate", "today", "7d", "30d", "2026-03-01",
            "2026-03-07", "2026-02-30", ";", "drop", "table", "'", "\"", "1=1", "--", "*", "(select", "🚀", "ÿ", "\u{200B}",
            "<!channel>", "<@U1>", "\u{201C}shop\u{201D}", "RUN", "Shop", "x" + String(repeating: "y", count: 70),
        ]
        let separators = [" ", "  ", "\u{00A0}", "\t", "\n", "\u{202F}"]
        let junk: Set<String> = [";", "drop", "table", "'", "1=1", "--", "*", "(select", "🚀", "<!channel>", "<@U1>"]
        var successes = 0
        var failures = 0
        var actionsParsed = 0
        let actions: [(String, ClosedRange<Int>)] = [("run", 1...1), ("rerun", 1...2), ("backfill", 3...3), ("mute", 2...4), ("unmute", 1...1)]
        for _ in 0..<4000 {
            var words: [String] = []
            if Int.random(in: 0..<3, using: &random) == 0, let (verb, arity) = actions.randomElement(using: &random) {
                words = [verb] + (0..<Int.random(in: arity, using: &random)).map { _ in
                    (Int.random(in: 0..<8, using: &random) == 0 ? pool.randomElement(using: &random) : pool[15..<45].randomElement(using: &random)) ?? ""
                }
            } else {
                for index in 0..<Int.random(in: 0...5, using: &random) {
                    let likely = index == 0 ? pool[0..<15] : pool[15..<45]
                    words.append((Bool.random(using: &random) ? likely.randomElement(using: &random) : pool.randomElement(using: &random)) ?? "")
                }
            }
            var text = ""
            for word in words {
                text += (separators.randomElement(using: &random) ?? " ") + word
            }
            switch parse(text) {
            case let .success(command):
                successes += 1
                if AccessPolicy.requiresOperator(command) { actionsParsed += 1 }
                #expect(parse(command.canonicalText) == .success(command), "\(text.debugDescription)")
                expectKnownNames(command)
                if case .mute = command { continue }
                let inputWords = Set(text.split(whereSeparator: { $0.isWhitespace }).map(String.init))
                #expect(inputWords.isDisjoint(with: junk), "\(text.debugDescription) parsed to \(command)")
            case let .failure(error):
                failures += 1
                #expect(!error.message.isEmpty)
            }
            _ = ThreadReply.parse(text, botUserID: "U1")
        }
        #expect(successes > 100)
        #expect(actionsParsed > 100)
        #expect(failures > 100)

        let alphabet = Array("abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789.-_/#:;'\"`<>|@!&*()=\u{00A0}\u{201C}\u{201D}\u{2014}é漢🚀\u{0000}\u{0007}")
        for _ in 0..<2000 {
            let length = Int.random(in: 0...120, using: &random)
            let text = String((0..<length).map { _ in alphabet.randomElement(using: &random) ?? " " })
            if case let .success(command) = parse(text) {
                #expect(parse(command.canonicalText) == .success(command), "\(text.debugDescription)")
                expectKnownNames(command)
            }
            _ = ThreadReply.parse(text, botUserID: nil)
            _ = MuteEnd.parse(text.split(separator: " ").map(String.init))
        }
    }

    /// Every name in `command` is one the vocabulary knows.
    private func expectKnownNames(_ command: SlashCommand) {
        let pipelines = Set(commandVocabulary.pipelines)
        let tables = Set(commandVocabulary.tables)
        let checks = Set(commandVocabulary.checks)
        switch command {
        case let .status(pipeline), let .runs(pipeline), let .cost(pipeline, _, _):
            if let pipeline { #expect(pipelines.contains(pipeline)) }
        case let .run(pipeline), let .backfill(pipeline, _, _), let .freshness(.pipeline(pipeline)):
            #expect(pipelines.contains(pipeline))
        case let .volume(table, _), let .freshness(.table(table)):
            #expect(tables.contains(table))
        case let .mute(target, _, _), let .unmute(target):
            switch target {
            case let .pipeline(pipeline): #expect(pipelines.contains(pipeline))
            case let .table(table): #expect(tables.contains(table))
            case let .check(pipeline, name): #expect(checks.contains(.init(pipeline: pipeline, name: name)))
            }
        case .help, .rerun, .freshness(nil), .alerts, .mutes, .ack, .details, .resolve, .digest:
            break
        }
    }
}

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
