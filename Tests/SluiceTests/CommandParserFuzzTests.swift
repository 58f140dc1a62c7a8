import Foundation
import SluiceCore
import Testing
@testable import Worker

/// Random texts: no crash, and only well-formed commands parse.
@Suite("CommandParser: random texts")
struct CommandParserFuzzTests {
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
        case let .run(pipeline), let .fullRefresh(pipeline), let .backfill(pipeline, _, _), let .freshness(.pipeline(pipeline)):
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
