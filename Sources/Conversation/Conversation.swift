import Foundation
import Logging
import SluiceCore
import StateStore
import Warehouse
import Worker

/// The conversation: turns slash commands, button presses and thread replies into reads, actions and
/// replies. Arguments are parsed into typed values (never pasted into SQL), actions are checked
/// against `access.operators`, and every action — allowed or refused — lands in the audit log.
public struct Conversation: Sendable {
    /// The validated manifest.
    public let manifest: Manifest
    /// Durable state.
    public let state: any StateStore
    /// Starts runs.
    public let runner: PipelineRunner
    /// Background work (runs started from Slack).
    public let work: WorkQueue
    /// Group membership for operator checks.
    public let directory: any OperatorDirectory
    /// Time source.
    public let clock: any WallClock
    /// The slash command's name, for help and error texts.
    public let commandName: String
    /// Logger.
    public let logger: Logger
    /// The names commands may use: the manifest's pipelines, tables and checks (made once).
    public let vocabulary: CommandVocabulary
    /// `help` and `help COMMAND` for every command, rendered once: the commonest reply, answered
    /// inside the acknowledgement, costs no rendering per request.
    private let helpReplies: [String: SlackMessage]

    /// Creates the conversation.
    public init(
        manifest: Manifest, state: any StateStore, runner: PipelineRunner, work: WorkQueue,
        directory: any OperatorDirectory = NoGroupDirectory(), clock: any WallClock, commandName: String = "/sluice",
        logger: Logger
    ) {
        self.manifest = manifest
        self.state = state
        self.runner = runner
        self.work = work
        self.directory = directory
        self.clock = clock
        self.commandName = commandName
        self.logger = logger
        vocabulary = CommandVocabulary(manifest: manifest)
        var help = ["": Self.help(commandName: commandName, topic: nil)]
        for syntax in CommandSyntax.all { help[syntax.word] = Self.help(commandName: commandName, topic: syntax.word) }
        helpReplies = help
    }
    var auditor: Auditor { Auditor(state: state, clock: clock) }
    var alerts: AlertActions { AlertActions(manifest: manifest, state: state, clock: clock, auditor: auditor) }

    /// Parses a slash command's text (`CommandParser.parse` with this manifest's names and the
    /// configured command name). Parse once, then hand the command on.
    public func parse(_ text: String) -> Result<SlashCommand, CommandError> {
        CommandParser.parse(text, vocabulary: vocabulary, commandName: commandName)
    }

    /// The reply to a command text that did not parse: what was wrong and what would work.
    public func reply(to error: CommandError) -> CommandReply {
        .note(":warning: \(error.message)")
    }

    /// A reply that needs no I/O (`help`), or nil when the command must be executed. Lets the HTTP
    /// route answer it inside Slack's 3 seconds directly.
    public func immediateReply(to command: SlashCommand) -> CommandReply? {
        guard case let .help(topic) = command else { return nil }
        return CommandReply(help(topic: topic))
    }

    /// Every topic `help` has a prepared reply for: "" (all commands) and each command word.
    public var helpTopics: [String] { helpReplies.keys.sorted() }

    /// Executes a parsed slash command for a requester and returns the reply. `text` is what was
    /// typed, for the audit log.
    public func handle(_ command: SlashCommand, text: String, from requester: Requester) async -> CommandReply {
        do {
            return try await perform(command, text: text, from: requester)
        } catch {
            logger.error("command failed", metadata: ["text": "\(text)", "error": "\(error)"])
            return .note(":x: That did not work: \(error)")
        }
    }

    /// True when the requester is an operator (by user id, or by membership of an operator group).
    public func mayAct(_ requester: Requester) async -> Bool {
        let policy = AccessPolicy(operators: manifest.access.operators)
        if policy.mayAct(user: requester.userID, groups: []) { return true }
        guard policy.needsGroupLookup else { return false }
        let groups = manifest.access.operators.filter { $0.hasPrefix("S") }
        return policy.mayAct(user: requester.userID, groups: await directory.groups(of: requester.userID, among: groups))
    }

    func refusal(for action: String) -> String {
        "Sorry, only operators may \(action). Operators are listed under `access.operators` in the manifest; ask one of them, or ask to be added."
    }

    /// Nil when the requester is an operator. Otherwise the refusal saying only operators may `verb`,
    /// written to the audit log as a refused `action` on `target`.
    func refuseUnlessOperator(
        _ requester: Requester, may verb: String, audit action: String, _ target: String, detail: String = ""
    ) async throws -> CommandReply? {
        guard !(await mayAct(requester)) else { return nil }
        try await auditor.record(requester, action, target, detail: detail, outcome: "refused")
        return .note(refusal(for: verb))
    }

    /// A command from any surface (typed, or a button standing for it): refused unless the requester
    /// may use it, else executed. `text` (default: the command's canonical text) is audited on refusal.
    func perform(_ command: SlashCommand, text: String? = nil, from requester: Requester) async throws -> CommandReply {
        if AccessPolicy.requiresOperator(command),
           let refusal = try await refuseUnlessOperator(requester, may: command.word, audit: command.word, text ?? command.canonicalText)
        {
            return refusal
        }
        return try await execute(command, from: requester)
    }

    private func execute(_ command: SlashCommand, from requester: Requester) async throws -> CommandReply {
        switch command {
        case let .help(topic):
            return CommandReply(help(topic: topic))
        case let .status(pipeline):
            return CommandReply(try await status(pipeline: pipeline))
        case let .runs(pipeline):
            return CommandReply(try await runs(pipeline: pipeline))
        case let .run(pipeline):
            return try await startRun(RunRequest(pipeline: pipeline, trigger: .manual, requestedBy: requester.userID), from: requester)
        case let .fullRefresh(pipeline):
            return try await fullRefreshPreview(pipeline, from: requester)
        case let .rerun(runID, all):
            return try await rerun(runID: runID, all: all, from: requester)
        case .alerts:
            let now = clock.now
            let (open, mutes) = try await state.read {
                (try $0.alerts(status: [.open, .acknowledged], limit: 200), try $0.activeMutes(at: now))
            }
            return CommandReply(StatusMessages.alerts(open, mutes: mutes, now: now))
        case let .ack(alertID):
            return try await alerts.acknowledge(alertID: alertID, by: requester).reply
        case let .details(alertID):
            return try await details(alertID: alertID)
        case let .resolve(alertID, reason):
            return try await alerts.resolve(alertID: alertID, reason: reason, by: requester).reply
        case let .mute(target, end, reason):
            return try await alerts.mute(target: target, end: end, reason: reason, by: requester).reply
        case let .unmute(target):
            return try await alerts.unmute(target: target, by: requester)
        case .mutes:
            let now = clock.now
            return CommandReply(StatusMessages.mutes(try await state.read { try $0.activeMutes(at: now) }, now: now))
        case let .freshness(target):
            return try await freshness(target)
        case let .volume(table, days):
            return try await volume(table, days: days)
        case let .cost(pipeline, window, estimate):
            return try await cost(pipeline: pipeline, window: window, estimate: estimate)
        case let .backfill(pipeline, from, to):
            return try await backfillPreview(pipeline: pipeline, from: from, to: to, requester: requester)
        case .digest:
            return try await postDigest(from: requester)
        }
    }

    /// `rerun RUN_ID [--all]` (and the Rerun buttons): a new run of the run's pipeline, from its
    /// failed step or of every step.
    func rerun(runID: Int64, all: Bool, from requester: Requester) async throws -> CommandReply {
        let pipeline = try await state.read { try $0.run(id: runID)?.pipeline }
        guard let pipeline else {
            return .note(":warning: There is no run \(runID). `\(commandName) runs` lists recent runs.")
        }
        return try await startRun(
            RunRequest(pipeline: pipeline, trigger: .rerun, requestedBy: requester.userID, rerunOf: runID, rerunAll: all),
            from: requester)
    }

    /// `details ALERT_ID` (and the Details button): the alert's failing rows and query, for the requester.
    func details(alertID: Int64) async throws -> CommandReply {
        guard let alert = try await state.read({ try $0.alert(id: alertID) }) else {
            return .note(":warning: There is no alert \(alertID). `\(commandName) alerts` lists open alerts.")
        }
        return CommandReply(AlertMessages.details(alert))
    }

    /// Creates the run now (so "already running" is answered at once) and executes it in the background.
    func startRun(_ request: RunRequest, from requester: Requester) async throws -> CommandReply {
        let run: RunRecord
        do {
            run = try await runner.enqueue(request)
        } catch let error as StateStoreError {
            try await auditor.record(requester, request.trigger.rawValue, request.pipeline, detail: "\(error)", outcome: "failed")
            return .note(":hourglass: \(error)")
        } catch let error as RunError {
            try await auditor.record(requester, request.trigger.rawValue, request.pipeline, detail: error.message, outcome: "failed")
            return .note(":warning: \(error.message)")
        } catch let refusal as CostRefusal {
            try await auditor.record(requester, request.trigger.rawValue, request.pipeline, detail: refusal.reason, outcome: "refused")
            return CommandReply(RunMessages.costRefused(pipeline: refusal.pipeline, reason: refusal.reason, jobs: refusal.estimate.jobs))
        }
        try await auditor.record(
            requester, request.trigger.rawValue, request.pipeline,
            detail: request.rerunOf.map { "rerun of \($0)\(request.rerunAll ? " (all steps)" : "")" }
                ?? (request.fullRefresh ? "full refresh, run \(run.id)" : "run \(run.id)"))
        let runner = self.runner
        let logger = self.logger
        let progress = await RunProgressReporter.start(
            for: run, channel: requester.channelID ?? manifest.channel(for: request.pipeline),
            state: state, clock: clock, logger: logger)
        let accepted = work.submit {
            do {
                _ = try await runner.execute(runID: run.id, observer: progress)
            } catch {
                logger.error("run from Slack failed", metadata: ["run": "\(run.id)", "error": "\(error)"])
            }
        }
        guard accepted else {
            // Queued, never started: the next start marks it interrupted and announces it.
            return .note(
                ":arrows_counterclockwise: Sluice is restarting, so run \(run.id) of `\(request.pipeline)` did not start; "
                    + "once Sluice is back, `\(commandName) rerun \(run.id)` runs it.")
        }
        let channel = manifest.channel(for: request.pipeline)
        let what = request.rerunOf.map { "Rerunning run \($0) of `\(request.pipeline)` as run \(run.id)" }
            ?? "Started `\(request.pipeline)` \(request.fullRefresh ? "full refresh" : "run") \(run.id)"
        return CommandReply(StatusMessages.note(":arrow_forward: \(what), requested by <@\(requester.userID)>. The result will be posted in \(channel)."), ephemeral: false)
    }

    /// `help`: every command; `help COMMAND`: that command's syntax, examples and who may use it.
    func help(topic: String?) -> SlackMessage {
        helpReplies[topic ?? ""] ?? Self.help(commandName: commandName, topic: topic)
    }

    private static func help(commandName: String, topic: String?) -> SlackMessage {
        let lines = HelpText.lines(commandName: commandName, topic: topic)
        if let topic, CommandSyntax.named(topic) != nil {
            let title = "\(commandName) \(topic)"
            return SlackMessage(text: "How to use \(title)", blocks: [.header(title)] + MessageFitting.sections(ofLines: lines))
        }
        return SlackMessage(
            text: "Sluice commands",
            blocks: [.header("Sluice commands")] + MessageFitting.sections(ofLines: lines)
                + [.context(["Anyone may ask; only operators may run, rerun, backfill and mute."])])
    }

    private func status(pipeline: String?) async throws -> SlackMessage {
        let pipelines = manifest.pipelines.filter { pipeline == nil || $0.name == pipeline }
        let now = clock.now
        let scheduler = PipelineScheduler(runner: runner)
        let next = scheduler.nextFires(after: now)
        let lines = try await state.read { reader in
            let open = try reader.alerts(status: [.open, .acknowledged], limit: 1000)
            return try pipelines.map { p in
                PipelineStatus(
                    pipeline: p.name, lastRun: try reader.runs(pipeline: p.name, limit: 1).first,
                    nextRun: next[p.name], openAlerts: open.filter { $0.pipeline == p.name }.count)
            }
        }
        return StatusMessages.status(lines, now: now)
    }

    private func runs(pipeline: String?) async throws -> SlackMessage {
        let figures = try await state.read { reader in
            try reader.runs(pipeline: pipeline, limit: 10).map { run in
                let steps = try reader.steps(runID: run.id)
                return RunFigures(
                    run: run,
                    rowsLoaded: steps.filter { $0.kind == .load && $0.state == .succeeded }.compactMap(\.rows).reduce(0, +),
                    bytesBilled: steps.map(\.bytesBilled).reduce(0, +))
            }
        }
        return StatusMessages.runs(figures, pricePerTiB: manifest.cost.pricePerTiB, now: clock.now)
    }
}
