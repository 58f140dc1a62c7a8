import Foundation
import SluiceApp
import SluiceCore
import StateStore
import Synchronization
import Testing
import Worker

/// What `sluice backfill` printed and was asked, with the answers it gets (none: not a terminal).
final class RecordingConsole: Sendable {
    private let lines = Mutex<(out: [String], err: [String], questions: [String])>(([], [], []))
    private let answers: Mutex<[String]>
    private let terminal: Bool

    /// `answers` are given to the questions in order; nil means standard input is not a terminal.
    init(answers: [String]?) {
        self.answers = Mutex(answers ?? [])
        terminal = answers != nil
    }

    var out: [String] { lines.withLock { $0.out } }
    var err: [String] { lines.withLock { $0.err } }
    var questions: [String] { lines.withLock { $0.questions } }

    var console: CommandLineBackfill.Console {
        var ask: (@Sendable (String) -> String?)?
        if terminal {
            ask = { question in
                self.lines.withLock { $0.questions.append(question) }
                return self.answers.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            }
        }
        return CommandLineBackfill.Console(
            print: { line in self.lines.withLock { $0.out.append(line) } },
            printError: { line in self.lines.withLock { $0.err.append(line) } },
            ask: ask)
    }
}

/// `sluice backfill PIPELINE FROM TO [--yes]` through the composition root on the demo shop: the
/// preview, the question (or its refusal off a terminal), and exactly the asked days replaced.
@Suite("sluice backfill on the command line")
struct CommandLineBackfillTests: BackfillSuite {
    /// The demo shop after one run, with every order total raised in its CSV since (so a day that is
    /// replaced shows it), and three days to backfill.
    static func prepared(_ slack: FakeSlackWebAPI) async throws -> (BackfillHarness, [String], Snapshot) {
        let harness = try BackfillHarness(slack: slack)
        let first = try await harness.runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "test"))
        try #require(first.state == .succeeded)
        let all = try harness.orderDays()
        let days = Array(all[20..<23])
        let before = try await Snapshot(harness, days)
        try harness.raiseTotals(on: Set(all), by: 1000)
        return (harness, days, before)
    }

    /// True when every order total of `days` is its earlier one plus 1000 (to the cent).
    static func raised(_ after: Snapshot, from before: Snapshot, on days: [String]) -> Bool {
        let (old, new) = (before.totals(on: days), after.totals(on: days))
        return Set(old.keys) == Set(new.keys) && old.allSatisfy { order, total in abs((new[order] ?? 0) - total - 1000) < 0.001 }
    }

    @Test func withYesItReplacesExactlyTheDaysAskedAndPrintsEachDay() async throws {
        try await FakeSlackWebAPI.run { slack in
            let (harness, days, before) = try await Self.prepared(slack)
            let recorder = RecordingConsole(answers: nil)
            let outcome = try await CommandLineBackfill(application: harness.sluice).run(
                pipeline: "shop", from: days[0], to: days[2], yes: true, console: recorder.console)

            guard case let .finished(backfill) = outcome else {
                Issue.record("the backfill did not run: \(outcome)")
                return
            }
            #expect(outcome.exitCode == 0)
            #expect(backfill.state == .succeeded)
            #expect(backfill.completedDays == days)
            #expect(backfill.requestedBy == "cli")
            let runs = try await harness.state.read { reader in try backfill.runIDs.compactMap { try reader.run(id: $0) } }
            #expect(runs.compactMap(\.backfillDays) == days.map { [$0] })

            let after = try await Snapshot(harness, days)
            #expect(after.ordersOutside == before.ordersOutside, "a day outside FROM..TO changed")
            #expect(after.salesOutside == before.salesOutside)
            #expect(!before.totals(on: days).isEmpty)
            #expect(Self.raised(after, from: before, on: days), "the asked days hold the raised totals")

            #expect(recorder.questions.isEmpty)
            #expect(recorder.out.contains("BACKFILL PREVIEW: SHOP"))
            #expect(!recorder.out.contains { $0.contains("[1 Confirm") }, "the terminal has no buttons")
            for (day, run) in zip(days, runs) {
                #expect(recorder.out.contains { $0.hasPrefix("  \(day)  succeeded  run \(run.id)") }, "\(day)")
            }
            #expect(recorder.out.last == "Backfill \(backfill.id) of shop succeeded: 3/3 days replaced.")
            // Its progress message went to the pipeline's channel like a backfill from Slack.
            let progress = await slack.topLevelMessages(in: harness.manifest.channel(for: "shop")).map(\.text)
            #expect(progress.contains("Backfill \(backfill.id) of shop: succeeded, 3/3 days"))
        }
    }

    @Test func withoutYesOffATerminalItPrintsThePreviewAndChangesNothing() async throws {
        try await FakeSlackWebAPI.run { slack in
            let (harness, days, before) = try await Self.prepared(slack)
            let recorder = RecordingConsole(answers: nil)
            let outcome = try await CommandLineBackfill(application: harness.sluice).run(
                pipeline: "shop", from: days[0], to: days[2], yes: false, console: recorder.console)

            #expect(outcome == .needsConfirmation)
            #expect(outcome.exitCode == 1)
            #expect(recorder.out.contains("BACKFILL PREVIEW: SHOP"))
            #expect(recorder.out.contains { $0.hasPrefix("Estimated cost:") })
            #expect(recorder.err == [
                "Nothing was replaced: standard input is not a terminal, so Sluice cannot ask. To replace these days, "
                    + "add --yes: sluice backfill shop \(days[0]) \(days[2]) --yes",
            ])
            #expect(try await harness.state.read { try $0.backfills(pipeline: nil, limit: 5) }.isEmpty)
            #expect(try await harness.state.read { try $0.runs(pipeline: nil, limit: 5) }.count == 1)
            let after = try await Snapshot(harness, days)
            #expect(after.ordersOutside == before.ordersOutside)
            #expect(after.totals(on: days) == before.totals(on: days))
        }
    }

    @Test func onATerminalItAsksAndOnlyYesReplaces() async throws {
        try await FakeSlackWebAPI.run { slack in
            let (harness, days, before) = try await Self.prepared(slack)
            let declining = RecordingConsole(answers: ["n"])
            let declined = try await CommandLineBackfill(application: harness.sluice).run(
                pipeline: "shop", from: days[0], to: days[1], yes: false, console: declining.console)
            #expect(declined == .declined)
            #expect(declined.exitCode == 1)
            #expect(declining.questions == ["Replace 2 days of shop? [y/N] "])
            #expect(declining.out.last == "Nothing was replaced.")
            #expect(try await harness.state.read { try $0.backfills(pipeline: nil, limit: 5) }.isEmpty)
            #expect(try await Snapshot(harness, days).totals(on: days) == before.totals(on: days))

            let agreeing = RecordingConsole(answers: [" Y "])
            let agreed = try await CommandLineBackfill(application: harness.sluice).run(
                pipeline: "shop", from: days[0], to: days[1], yes: false, console: agreeing.console)
            #expect(agreed.exitCode == 0)
            #expect(agreeing.questions == ["Replace 2 days of shop? [y/N] "])
            let replaced = try await Snapshot(harness, days)
            #expect(Self.raised(replaced, from: before, on: Array(days[0...1])))
            #expect(replaced.totals(on: [days[2]]) == before.totals(on: [days[2]]))
        }
    }

    @Test func badDaysAndPipelinesAreRefusedBeforeAnythingChanges() async throws {
        try await FakeSlackWebAPI.run { slack in
            let (harness, days, _) = try await Self.prepared(slack)
            let command = CommandLineBackfill(application: harness.sluice)
            let recorder = RecordingConsole(answers: nil)
            // The slash command's own grammar: the same messages, with the command line's usage.
            let cases: [(from: String, to: String, says: String)] = [
                ("2026-02-30", days[0], "`2026-02-30` is not a day; write days as `YYYY-MM-DD`"),
                (days[2], days[0], "FROM `\(days[2])` is after TO `\(days[0])`; put the earlier day first."),
                ("2026-01-01", "2026-03-01", "covers 60 days; the limit is 31 (`backfill.max_days` in the manifest)"),
            ]
            for bad in cases {
                let error = await #expect(throws: CommandError.self) {
                    try await command.run(pipeline: "shop", from: bad.from, to: bad.to, yes: true, console: recorder.console)
                }
                #expect(error?.message.contains(bad.says) == true, "\(bad)")
                #expect(error?.message.contains("Usage: `sluice backfill PIPELINE FROM TO`") == true, "\(bad)")
            }
            let unknown = await #expect(throws: CommandError.self) {
                try await command.run(pipeline: "shp", from: days[0], to: days[0], yes: true, console: recorder.console)
            }
            #expect(unknown?.message.contains("`shp` is not a pipeline") == true)
            #expect(unknown?.message.contains("Did you mean `shop`?") == true)
            #expect(recorder.out.isEmpty)
            #expect(try await harness.state.read { try $0.backfills(pipeline: nil, limit: 5) }.isEmpty)
        }
    }
}
