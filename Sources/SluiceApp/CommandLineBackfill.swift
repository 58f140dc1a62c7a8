import Foundation
import Logging
import SluiceCore
import StateStore
import Worker

/// `sluice backfill PIPELINE FROM TO [--yes]` over a wired application: the same `BackfillRunner`
/// as Slack's Confirm (preview, start, execute), with the days checked by the slash command's own
/// grammar (`CommandParser`), so both surfaces accept exactly the same ranges. It prints the
/// preview; without `--yes` it asks on the terminal, and refuses when it cannot ask. A confirmed
/// backfill runs here, day by day, with its progress message delivered as it goes; each day's
/// outcome is printed at the end.
public struct CommandLineBackfill: Sendable {
    /// How the command meets its user: standard output, standard error, and a question.
    public struct Console: Sendable {
        /// Prints a line on standard output.
        public var print: @Sendable (String) -> Void
        /// Prints a line on standard error.
        public var printError: @Sendable (String) -> Void
        /// Asks a question and returns the answer (nil at end of input); nil when standard input is
        /// not a terminal, so nothing can be asked.
        public var ask: (@Sendable (String) -> String?)?

        /// Creates a console.
        public init(
            print: @escaping @Sendable (String) -> Void, printError: @escaping @Sendable (String) -> Void,
            ask: (@Sendable (String) -> String?)?
        ) {
            self.print = print
            self.printError = printError
            self.ask = ask
        }
    }

    /// How the command ended.
    public enum Outcome: Sendable, Equatable {
        /// The backfill ran to its end: succeeded, failed or cancelled.
        case finished(BackfillRecord)
        /// The question was answered with anything but yes; nothing was changed.
        case declined
        /// Standard input is not a terminal and `--yes` was not given; nothing was changed.
        case needsConfirmation

        /// 0 for a backfill that succeeded, 1 otherwise.
        public var exitCode: Int32 {
            if case let .finished(backfill) = self, backfill.state == .succeeded { return 0 }
            return 1
        }
    }

    /// The wired process.
    public let application: SluiceApplication

    /// Creates the command over a wired application.
    public init(application: SluiceApplication) {
        self.application = application
    }

    /// Previews, confirms (`yes`, or the answer to the question) and runs the backfill of FROM to TO.
    /// Throws `CommandError` for an unknown pipeline or days that are not a range (with the usage
    /// line), and `RunError` for a pipeline that cannot be backfilled now (unpartitioned, never run,
    /// or already backfilling).
    public func run(pipeline name: String, from: String, to: String, yes: Bool, console: Console) async throws -> Outcome {
        let parsed = CommandParser.parse(
            "backfill \(name) \(from) \(to)", vocabulary: CommandVocabulary(manifest: application.manifest), commandName: "sluice")
        let (pipeline, first, last) = switch parsed {
        case let .success(.backfill(pipeline, first, last)): (pipeline, first, last)
        case let .failure(error): throw error
        case .success: throw CommandError(message: "`\(from)` to `\(to)` is not a range of days; write both as YYYY-MM-DD, the earlier first")
        }
        let days = Days.range(from: first, to: last) ?? []
        let backfills = BackfillRunner(runner: application.runner)
        let plan = try await backfills.preview(pipeline: pipeline, days: days)
        let preview = BackfillMessages.preview(plan)
        let withoutButtons = SlackMessage(
            text: preview.text, blocks: preview.blocks.filter { if case .actions = $0 { false } else { true } })
        ConsoleRenderer.body(withoutButtons).forEach(console.print)
        let question = "Replace \(plan.remainingDays.count) day\(plan.remainingDays.count == 1 ? "" : "s") of \(pipeline)? [y/N] "
        if !yes {
            guard let ask = console.ask else {
                console.printError(
                    "Nothing was replaced: standard input is not a terminal, so Sluice cannot ask. To replace these days, "
                        + "add --yes: sluice backfill \(pipeline) \(first) \(last) --yes")
                return .needsConfirmation
            }
            let answer = ask(question)?.trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "y" || answer == "yes" else {
                console.print("Nothing was replaced.")
                return .declined
            }
        }
        let channel = application.manifest.channel(for: pipeline)
        let started = try await backfills.start(pipeline: pipeline, days: days, requestedBy: "cli", channel: channel)
        let earlierRuns = started.backfill.runIDs.count
        let ended = try await delivering { try await backfills.execute(backfillID: started.backfill.id) }
        let runs = try await application.state.read { reader in
            try ended.runIDs.dropFirst(earlierRuns).compactMap { try reader.run(id: $0) }
        }
        runs.map(Self.dayLine).forEach(console.print)
        let summary = "Backfill \(ended.id) of \(pipeline) \(ended.state.rawValue): \(ended.completedDays.count)/\(ended.days.count) days replaced"
        if ended.state == .succeeded {
            console.print(summary + ".")
        } else {
            console.printError(summary + (ended.error.map { "; \($0)" } ?? "")
                + ". Run the same command again to resume from \(ended.nextDay ?? "its first unfinished day").")
        }
        return .finished(ended)
    }

    /// `  2026-03-01  succeeded  run 12 in 1.2s`, or the run's error.
    static func dayLine(_ run: RunRecord) -> String {
        let day = run.backfillDays?.joined(separator: ", ") ?? "-"
        let took = run.duration.map { " in " + Format.duration($0) } ?? ""
        return "  \(day)  \(run.state.rawValue)  run \(run.id)\(took)" + (run.error.map { ": \($0)" } ?? "")
    }

    /// Runs `body` while the outbox sender delivers (the progress message and its edits) every
    /// 200 ms of real time, then delivers what is left. Real time, not the application's clock: this
    /// paces the process, and a test clock's `sleep` returns at once.
    private func delivering<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let sender = application.sender
        let logger = application.logger
        let delivery = Task {
            while !Task.isCancelled {
                do {
                    try await sender.deliverDue()
                } catch {
                    logger.error("could not deliver pending messages", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        let result: T
        do {
            result = try await body()
        } catch {
            delivery.cancel()
            throw error
        }
        delivery.cancel()
        _ = await delivery.value
        try await sender.drain(until: application.clock.now.addingTimeInterval(10))
        return result
    }
}
