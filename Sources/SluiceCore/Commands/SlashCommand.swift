import Foundation

/// Every `/sluice …` command of the design, parsed and validated by `CommandParser`: names are ones
/// the manifest knows, numbers and days are in range. Arguments only ever live in these typed values.
public enum SlashCommand: Sendable, Equatable {
    /// `help [COMMAND]`: the command list, or one command explained.
    case help(topic: String?)
    /// `status [PIPELINE]`: last and next run of each pipeline, open alerts.
    case status(pipeline: String?)
    /// `runs [PIPELINE]`: recent runs.
    case runs(pipeline: String?)
    /// `run PIPELINE`: starts a run now.
    case run(pipeline: String)
    /// `run PIPELINE --full-refresh`: previews a full refresh (what it forgets, what it may cost) with
    /// a Confirm button; nothing runs before Confirm.
    case fullRefresh(pipeline: String)
    /// `rerun RUN_ID [--all]`: reruns a failed run from its failed step, or every step.
    case rerun(runID: Int64, all: Bool)
    /// `backfill PIPELINE FROM TO`: days `YYYY-MM-DD`, both included, `from <= to`.
    case backfill(pipeline: String, from: String, to: String)
    /// `freshness [TABLE|PIPELINE]`: nil means every table.
    case freshness(target: FreshnessTarget?)
    /// `volume TABLE [DAYS]`: rows per day over `days` (1–90, default 14).
    case volume(table: TableName, days: Int)
    /// `cost [PIPELINE] [today|7d|30d] [--estimate]`: `estimate` dry-runs the pipeline's next run.
    case cost(pipeline: String?, window: CostWindow, estimate: Bool)
    /// `alerts`: open alerts.
    case alerts
    /// `mute TARGET DURATION [REASON]`.
    case mute(target: MuteTarget, end: MuteEnd, reason: String?)
    /// `unmute TARGET`.
    case unmute(target: MuteTarget)
    /// `mutes`: active mutes.
    case mutes
    /// `ack ALERT_ID`.
    case ack(alertID: Int64)
    /// `details ALERT_ID`: the alert's failing rows and the query that finds them.
    case details(alertID: Int64)
    /// `resolve ALERT_ID [REASON]`: closes an alert by hand.
    case resolve(alertID: Int64, reason: String?)
    /// `digest`: posts the digest now.
    case digest

    /// The command word (`mute`), for the audit log's action.
    public var word: String {
        switch self {
        case .help: "help"
        case .status: "status"
        case .runs: "runs"
        case .run, .fullRefresh: "run"
        case .rerun: "rerun"
        case .backfill: "backfill"
        case .freshness: "freshness"
        case .volume: "volume"
        case .cost: "cost"
        case .alerts: "alerts"
        case .mute: "mute"
        case .unmute: "unmute"
        case .mutes: "mutes"
        case .ack: "ack"
        case .details: "details"
        case .resolve: "resolve"
        case .digest: "digest"
        }
    }

    /// The command written out in its canonical words (`mute raw.orders 4h flaky upstream`), which
    /// `CommandParser` parses back to this same command; for the audit log and echoes.
    public var canonicalText: String {
        let arguments: [String?]
        switch self {
        case let .help(topic): arguments = [topic]
        case let .status(pipeline), let .runs(pipeline): arguments = [pipeline]
        case let .run(pipeline): arguments = [pipeline]
        case let .fullRefresh(pipeline): arguments = [pipeline, "--full-refresh"]
        case let .rerun(runID, all): arguments = [String(runID), all ? "--all" : nil]
        case let .backfill(pipeline, from, to): arguments = [pipeline, from, to]
        case let .freshness(target): arguments = [target?.description]
        case let .volume(table, days): arguments = [table.description, String(days)]
        case let .cost(pipeline, window, estimate): arguments = [pipeline, estimate ? "--estimate" : window.word]
        case .alerts, .mutes, .digest: arguments = []
        case let .mute(target, end, reason): arguments = [target.description, end.description, reason]
        case let .unmute(target): arguments = [target.description]
        case let .ack(alertID), let .details(alertID): arguments = [String(alertID)]
        case let .resolve(alertID, reason): arguments = [String(alertID), reason]
        }
        return ([word] + arguments.compactMap { $0 }).joined(separator: " ")
    }
}
