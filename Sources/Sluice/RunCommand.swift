import ArgumentParser
import Foundation
import SluiceApp
import SluiceCore
import StateStore
import Worker

/// `sluice run PIPELINE [--full-refresh]`: one run now, with a readable summary; exit code 1 when it failed.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a pipeline now and print a summary (exit code 1 when it fails).")

    @Argument(help: "The pipeline to run (e.g. shop).")
    var pipeline: String

    @Option(name: .long, help: "Rerun this earlier run from its failed step.")
    var rerun: Int64?

    @Flag(name: .long, help: "With --rerun: run every step again, not only the failed ones.")
    var all = false

    @Flag(name: .long, help: "Run even when the cost estimate breaks cost.maximum_bytes_billed or cost.daily_budget.")
    var confirmCost = false

    @Flag(name: .long, help: "Forget the pipeline's watermarks and read files, and rebuild every table and model from all source rows.")
    var fullRefresh = false

    func validate() throws {
        if fullRefresh, rerun != nil {
            throw ValidationError("--full-refresh starts a new run; a rerun of a full refresh is one already (drop --full-refresh)")
        }
    }

    func run() async throws {
        let logger = Logs.bootstrap()
        let finished: RunRecord
        let steps: [StepRecord]
        let consoleMode: Bool
        do {
            let wiring = try SluiceApplication.build(try SluiceConfiguration(), logger: logger)
            consoleMode = wiring.slackClient == nil
            try await wiring.recoverInterruptedRuns()
            let request = RunRequest(
                pipeline: pipeline, trigger: rerun == nil ? .manual : .rerun, requestedBy: "cli", rerunOf: rerun,
                rerunAll: all, costConfirmed: confirmCost, fullRefresh: fullRefresh)
            finished = try await wiring.runner.run(request)
            steps = try await wiring.state.read { try $0.steps(runID: finished.id) }
            try await wiring.sender.drain(until: Date().addingTimeInterval(10))
        } catch let error as ConfigurationError {
            throw CommandFailure(error.description)
        } catch let error as RunError {
            throw CommandFailure(error.message)
        } catch let error as StateStoreError {
            throw CommandFailure(error.description)
        } catch let refusal as CostRefusal {
            throw CommandFailure(refusal.description)
        }
        print(RunSummary.render(finished, steps: steps, stepsShown: !consoleMode))
        if finished.state != .succeeded { throw ExitCode.failure }
    }
}
