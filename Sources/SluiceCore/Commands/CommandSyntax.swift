import Foundation

/// The written form of one slash command: its arguments, what it does and an example. The single
/// source for `help`, for usage lines in errors, and for the Slack app manifest's usage hint.
public struct CommandSyntax: Sendable, Equatable {
    /// The command word: `mute`.
    public var word: String
    /// The arguments as usage shows them: `TARGET DURATION [REASON]`; empty for none.
    public var arguments: String
    /// One line: what it does.
    public var summary: String
    /// Example arguments: `raw.orders 4h flaky upstream`; empty for none.
    public var example: String
    /// Further lines for `help COMMAND`: what the arguments accept.
    public var notes: [String]
    /// More example arguments for `help COMMAND` (empty text: the command alone).
    public var moreExamples: [String]
    /// True when only operators (`access.operators`) may use it.
    public var operatorsOnly: Bool

    /// Creates a command's syntax.
    public init(
        word: String, arguments: String, summary: String, example: String, notes: [String] = [], moreExamples: [String] = [],
        operatorsOnly: Bool = false
    ) {
        self.word = word
        self.arguments = arguments
        self.summary = summary
        self.example = example
        self.notes = notes
        self.moreExamples = moreExamples
        self.operatorsOnly = operatorsOnly
    }

    /// `` `/sluice mute TARGET DURATION [REASON]` ``.
    public func usage(commandName: String) -> String {
        "`" + [commandName, word, arguments].filter { !$0.isEmpty }.joined(separator: " ") + "`"
    }

    /// `` `/sluice mute raw.orders 4h flaky upstream` ``.
    public func exampleText(commandName: String) -> String {
        exampleText(example, commandName: commandName)
    }

    /// Every example, the main one first, as `exampleText` writes it.
    public func examples(commandName: String) -> [String] {
        ([example] + moreExamples).map { exampleText($0, commandName: commandName) }
    }

    private func exampleText(_ arguments: String, commandName: String) -> String {
        "`" + [commandName, word, arguments].filter { !$0.isEmpty }.joined(separator: " ") + "`"
    }

    /// `Usage: … · for example …`, the line errors end with.
    public func usageLine(commandName: String) -> String {
        let usage = "Usage: \(usage(commandName: commandName))"
        return example.isEmpty ? usage : "\(usage) · for example \(exampleText(commandName: commandName))"
    }

    /// The syntax of a command word (lowercase), if it is one.
    public static func named(_ word: String) -> CommandSyntax? {
        all.first { $0.word == word }
    }

    /// Every command, in the order `help` lists them.
    public static let all: [CommandSyntax] = [
        CommandSyntax(
            word: "help", arguments: "[COMMAND]", summary: "lists the commands, or explains one", example: "mute"),
        CommandSyntax(
            word: "status", arguments: "[PIPELINE]", summary: "last run of each pipeline, next scheduled run, open alerts",
            example: "shop", moreExamples: [""]),
        CommandSyntax(
            word: "runs", arguments: "[PIPELINE]", summary: "recent runs, with duration, rows, bytes billed and cost",
            example: "shop", moreExamples: [""]),
        CommandSyntax(
            word: "run", arguments: "PIPELINE [--full-refresh]", summary: "starts a run now", example: "shop",
            notes: ["`--full-refresh` forgets the pipeline's watermarks and read files and rebuilds every table and model "
                + "from all source rows, after a preview of its cost and a Confirm."],
            operatorsOnly: true),
        CommandSyntax(
            word: "rerun", arguments: "RUN_ID [--all]", summary: "reruns a failed run from its failed step (or every step)",
            example: "42",
            notes: ["RUN_ID is the number in the run's message (`42` or `#42`); `--all` reruns every step."],
            moreExamples: ["42 --all"], operatorsOnly: true),
        CommandSyntax(
            word: "backfill", arguments: "PIPELINE FROM TO",
            summary: "previews the days, steps and estimated cost, then runs after *Confirm*",
            example: "shop 2026-03-01 2026-03-07",
            notes: ["FROM and TO are days written `YYYY-MM-DD`, both included; the manifest's `backfill.max_days` caps the length."],
            operatorsOnly: true),
        CommandSyntax(
            word: "freshness", arguments: "[TABLE|PIPELINE]",
            summary: "age of the newest data against `warn_after`/`error_after`, per table", example: "raw.orders",
            notes: ["A table is `dataset.table`, or just the table part when only one dataset has it (`orders`)."],
            moreExamples: ["shop", ""]),
        CommandSyntax(
            word: "volume", arguments: "TABLE [DAYS]", summary: "rows per day with a sparkline, anomalies flagged",
            example: "raw.orders 30", notes: ["DAYS is 1 to 90 (default 14)."], moreExamples: ["orders"]),
        CommandSyntax(
            word: "cost", arguments: "[PIPELINE] [today|7d|30d] [--estimate]",
            summary: "bytes billed and dollars; `--estimate` dry-runs a pipeline's next run", example: "shop 30d",
            notes: ["The window defaults to `7d`.", "`cost PIPELINE --estimate` estimates the next run before it happens."],
            moreExamples: ["shop --estimate", "today"]),
        CommandSyntax(word: "alerts", arguments: "", summary: "open alerts, acknowledged or not", example: ""),
        CommandSyntax(
            word: "mute", arguments: "TARGET DURATION [REASON]", summary: "silences a pipeline, a table or a check",
            example: "raw.orders 4h flaky upstream",
            notes: [
                "TARGET: a pipeline (`shop`), a table (`raw.orders`), or a check (`not_null_stg_orders_order_id`; "
                    + "`shop/negative_totals` when several pipelines have it).",
                "DURATION: `30m`, `4h`, `2d`, `1h30m` (at most 90 days), `until 09:00` (the next 09:00 in the "
                    + "manifest's time zone), `until tomorrow 09:00`, or `tomorrow` (tomorrow 09:00).",
                "Muted alerts are still recorded (see `alerts`) but not posted until the mute ends.",
            ],
            moreExamples: ["shop until 09:00", "shop/negative_totals tomorrow"], operatorsOnly: true),
        CommandSyntax(
            word: "unmute", arguments: "TARGET", summary: "ends a mute", example: "raw.orders",
            notes: ["TARGET is a pipeline, a table or a check, as for `mute`; `mutes` lists the active mutes."], operatorsOnly: true),
        CommandSyntax(word: "mutes", arguments: "", summary: "active mutes and when they end", example: ""),
        CommandSyntax(
            word: "ack", arguments: "ALERT_ID", summary: "acknowledges an alert", example: "7",
            notes: ["ALERT_ID is the number in the alert's message (`7` or `#7`).", "In the alert's thread, `@Sluice ack` does the same."]),
        CommandSyntax(
            word: "details", arguments: "ALERT_ID", summary: "an alert's failing rows and the query that finds them",
            example: "7", notes: ["ALERT_ID is the number in the alert's message (`7` or `#7`)."]),
        CommandSyntax(
            word: "resolve", arguments: "ALERT_ID [REASON]", summary: "closes an alert by hand", example: "7 fixed upstream",
            notes: [
                "The reason is posted in the alert's thread and kept in the audit log.",
                "An alert also resolves by itself when its check passes again.",
            ],
            moreExamples: ["7"]),
        CommandSyntax(word: "digest", arguments: "", summary: "posts the daily digest now", example: ""),
    ]
}
