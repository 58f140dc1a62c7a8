import ArgumentParser
import Foundation
import SluiceApp
import SluiceCore
import StateStore
import Worker

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sluice backfill PIPELINE FROM TO [--yes]`: the backfill preview, a question on the terminal (or
/// `--yes`), then the days replaced one by one (`CommandLineBackfill`); exit code 1 when a day failed
/// or nothing was replaced.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Replace days of a pipeline's partitioned tables from every source row, after a preview (exit 1 when a day fails).")

    @Argument(help: "The pipeline to backfill (e.g. shop).")
    var pipeline: String

    @Argument(help: "The first day, YYYY-MM-DD.")
    var from: String

    @Argument(help: "The last day, YYYY-MM-DD (included).")
    var to: String

    @Flag(name: .long, help: "Replace the days without asking (needed when standard input is not a terminal).")
    var yes = false

    func run() async throws {
        let logger = Logs.bootstrap()
        let outcome: CommandLineBackfill.Outcome
        do {
            let wiring = try SluiceApplication.build(try SluiceConfiguration(), logger: logger)
            try await wiring.recoverInterruptedRuns()
            outcome = try await CommandLineBackfill(application: wiring).run(
                pipeline: pipeline, from: from, to: to, yes: yes, console: Self.console())
        } catch let error as ConfigurationError {
            throw CommandFailure(error.description)
        } catch let error as CommandError {
            throw CommandFailure(error.message)
        } catch let error as RunError {
            throw CommandFailure(error.message)
        } catch let error as StateStoreError {
            throw CommandFailure(error.description)
        }
        if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
    }

    /// Standard output and error, and a question on standard input when it is a terminal.
    private static func console() -> CommandLineBackfill.Console {
        var ask: (@Sendable (String) -> String?)?
        if isatty(STDIN_FILENO) == 1 {
            ask = { question in
                FileHandle.standardOutput.write(Data(question.utf8))
                return readLine()
            }
        }
        return CommandLineBackfill.Console(
            print: { line in Swift.print(line) },
            printError: { line in FileHandle.standardError.write(Data((line + "\n").utf8)) },
            ask: ask)
    }
}
