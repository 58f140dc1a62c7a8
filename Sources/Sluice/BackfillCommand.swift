import ArgumentParser
import Foundation
import SluiceApp
import SluiceCore
import StateStore
import Worker

/// `sluice backfill PIPELINE FROM TO [--yes]`: the Slack command's preview, confirmation and run on
/// the command line, through the same `BackfillRunner`. Days are checked by the slash command's own
/// grammar (`CommandParser`), so both surfaces accept exactly the same ranges.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Replace days of a pipeline's partitioned tables from every source row, after a preview (exit 1 when a day fails).")

    @Argument(help: "The pipeline (e.g. shop).")
    var pipeline: String

    @Argument(help: "First day, YYYY-MM-DD.")
    var from: String

    @Argument(help: "Last day, YYYY-MM-DD (included).")
    var to: String

    @Flag(name: .long, help: "Do not ask: replace the days after printing the preview.")
    var yes = false

    func run() async throws {
        let logger = Logs.bootstrap()
        let wiring: SluiceApplication
        do {
            wiring = try SluiceApplication.build(try SluiceConfiguration(), logger: logger)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        let command = CommandParser.parse(
            "backfill \(pipeline) \(from) \(to)", vocabulary: CommandVocabulary(manifest: wiring.manifest), commandName: "sluice")
        guard case let .success(.backfill(name, first, last)) = command, let days = Days.range(from: first, to: last) else {
            if case let .failure(error) = command { throw ValidationError(error.message) }
            throw ValidationError("`\(from)` to `\(to)` is not a range of days; write both as YYYY-MM-DD, the earlier first")
        }
        let backfills = BackfillRunner(runner: wiring.runner)
        let plan: BackfillPlan
        do {
            try await wiring.recoverInterruptedRuns()
            plan = try await backfills.preview(pipeline: name, days: days)
        } catch let error as RunError {
            throw ValidationError(error.message)
        }
        var preview = BackfillMessages.preview(plan)
        preview.blocks.removeAll { if case .actions = $0 { true } else { false } }  // the question below is the Confirm
        print(ConsoleRenderer.body(preview).joined(separator: "\n"))
        guard yes || confirmed(days: days.count, pipeline: name) else { throw ExitCode.failure }

        let started: BackfillRecord
        do {
            started = try await backfills.start(
                pipeline: name, days: days, requestedBy: "cli", channel: wiring.manifest.channel(for: name)).backfill
        } catch let error as RunError {
            throw ValidationError(error.message)
        }
        let finished = try await backfills.execute(backfillID: started.id)
        try await wiring.sender.drain(until: Date().addingTimeInterval(10))
        let runs = try await wiring.state.read { reader in try finished.runIDs.compactMap { try reader.run(id: $0) } }
        for run in runs {
            print("  \(run.backfillDays?.joined(separator: ", ") ?? "?")  run \(run.id) \(run.state.rawValue)\(run.error.map { ": \($0)" } ?? "")")
        }
        print("backfill \(finished.id) of \(name) \(finished.state.rawValue): \(finished.completedDays.count) of \(days.count) days replaced"
            + (finished.error.map { "; \($0)" } ?? ""))
        if finished.state != .succeeded { throw ExitCode.failure }
    }

    /// Asks on a terminal; without one (a script, CI) nothing is replaced unless `--yes` was given.
    private func confirmed(days: Int, pipeline: String) -> Bool {
        guard isatty(STDIN_FILENO) == 1 else {
            print("Not replacing anything: standard input is not a terminal. Run again with --yes to replace these days.")
            return false
        }
        print("Replace \(days) day\(days == 1 ? "" : "s") of \(pipeline)? [y/N] ", terminator: "")
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard answer == "y" || answer == "yes" else {
            print("Nothing was replaced.")
            return false
        }
        return true
    }
}
