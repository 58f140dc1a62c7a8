import Foundation
import SluiceCore
import Testing
@testable import Worker

/// Help text and examples, the vocabulary from the manifest, and mute targets.
@Suite("CommandParser: help and vocabulary")
struct CommandHelpTests {
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
}
