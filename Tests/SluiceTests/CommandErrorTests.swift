import Foundation
import SluiceCore
import Testing
@testable import Worker

/// Texts that are not commands: messages that say what would work and cannot mention anyone.
@Suite("CommandParser: errors")
struct CommandErrorTests {
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
        CommandErrorCase("run", "`/sluice run` needs PIPELINE", "Usage: `/sluice run PIPELINE [--full-refresh]` · for example `/sluice run shop`"),
        CommandErrorCase("run shp", "`shp` is not a pipeline", "Did you mean `shop`?"),
        CommandErrorCase("run raw.orders", "`raw.orders` is a table, not a pipeline", "Pipelines: `shop`, `ads`"),
        CommandErrorCase("run shop ads", "takes 1 argument", "`ads` is extra", "Usage: `/sluice run PIPELINE [--full-refresh]`"),
        CommandErrorCase("run shop --fast", "`--fast` is not an option of `run`", "it accepts `--full-refresh`"),
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
}
