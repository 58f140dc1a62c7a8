import Foundation

/// The replies to `/sluice cost [PIPELINE] [today|7d|30d]` (what recorded runs billed, per pipeline,
/// per step kind and per model, and the month's projection) and `/sluice cost PIPELINE --estimate`
/// (a dry run of the next run, per billed job).
public enum CostMessages {
    /// Blocks the per-pipeline lines may use (the rest of the message takes at most seven).
    static let pipelineBlocks = BlockLimits.messageBlocks - 7
    /// Blocks the per-job lines of an estimate may use (the rest takes at most five).
    static let jobBlocks = BlockLimits.messageBlocks - 5

    /// The reply to `cost`. `scope` is the pipeline asked about (nil: every pipeline). On the SQLite
    /// warehouse (`onSQLite`), `estimates` holds what a run of each pipeline would bill on BigQuery;
    /// SQLite itself bills nothing and the reply says so instead of showing `$0.00` as if it were real.
    public static func cost(
        _ report: CostReport, scope: String?, estimates: [CostEstimateReport], onSQLite: Bool, timeZone: TimeZone,
        commandName: String = "/sluice"
    ) -> SlackMessage {
        let title = "Cost · \(scope ?? "every pipeline") · \(windowName(report.window))"
        let since = "\(Days.string(report.since, in: timeZone)) 00:00 \(timeZone.identifier)"
        let runs = "\(report.runs) run\(report.runs == 1 ? "" : "s")"
        let nothingBilled = onSQLite && report.bytesBilled == 0
        var summary: String
        if nothingBilled {
            summary = "*Nothing billed*: \(runs) since \(since) on the SQLite warehouse, which bills nothing (0 B recorded)."
        } else {
            summary = "*\(Format.dollars(report.dollars))* billed · \(Format.bytes(report.bytesBilled)) in \(runs) since \(since)"
            summary += "\nProjection for \(report.month) at the current schedules: ≈ *\(Format.dollars(report.projectedMonthDollars))*"
                + " (runs a day × average billed per run × \(report.daysInMonth) days)"
        }
        if onSQLite, !estimates.isEmpty {
            let month = estimates.reduce(0) { $0 + $1.dailyDollars } * Double(report.daysInMonth)
            summary += "\nIf it ran on BigQuery (estimated): ≈ *\(Format.dollars(month))* for \(report.month) at the current schedules"
        }
        if let budget = report.dailyBudget, !nothingBilled {
            summary += "\nDaily budget \(Format.dollars(budget)): ≈ \(Format.dollars(report.projectedDailyDollars))/day at the current schedules"
                + " (\(AnswerBlocks.share(report.projectedDailyDollars / budget)))"
            if report.window == .today { summary += ", \(Format.dollars(report.dollars)) spent today (\(AnswerBlocks.share(report.dollars / budget)))" }
        }

        var blocks: [Block] = [.header(title), .section(text: summary)]
        let estimateByPipeline = Dictionary(estimates.map { ($0.pipeline, $0) }, uniquingKeysWith: { first, _ in first })
        let lines = report.pipelines.map { pipelineLines($0, estimate: estimateByPipeline[$0.pipeline], report: report, nothingBilled: nothingBilled) }
        blocks += AnswerBlocks.sections(lines, maxBlocks: pipelineBlocks) {
            "…\($0) more pipelines not shown; ask `\(commandName) cost PIPELINE` for one."
        }
        if !nothingBilled {
            let kinds = report.kinds.map { "\($0.kind.rawValue)s \(Format.bytes($0.bytesBilled)) · \(Format.dollars($0.dollars))" }
            blocks.append(.section(text: "*By step kind*: " + kinds.joined(separator: "  |  ")))
            blocks.append(.section(text: topModelsText(report)))
        }
        blocks.append(.context([contextText(report, onSQLite: onSQLite)]))
        return SlackMessage(text: costFallback(report, scope: scope, nothingBilled: nothingBilled), blocks: blocks)
    }

    /// The reply to `cost PIPELINE --estimate`: the total, each job against the cap per job, the
    /// share of the daily budget, and one line per job (model, merge or check).
    public static func estimate(_ report: CostEstimateReport) -> SlackMessage {
        let title = "Cost estimate · next run of \(report.pipeline)"
        let jobs = report.jobs.count
        let kinds = report.kindCounts.map { count(of: $0.count, $0.kind) }.joined(separator: ", ")
        var summary = "≈ *\(Format.bytes(report.bytesBilled))* billed · *\(Format.dollars(report.dollars))* for the "
            + "\(jobs) job\(jobs == 1 ? "" : "s") of the next run of `\(report.pipeline)`" + (kinds.isEmpty ? "" : " (\(kinds))")
        if !report.unestimated.isEmpty {
            summary += " (\(report.unestimated.count) could not be estimated and count at BigQuery's minimum)"
        }
        if let maximum = report.maximumBytesBilled {
            let over = report.overMaximum
            if over.isEmpty {
                summary += "\nEvery job fits under the \(Format.bytes(maximum)) cap per job (`cost.maximum_bytes_billed`)."
            } else {
                let names = over.prefix(10).map { "`\($0.name)`" }.joined(separator: ", ")
                summary += "\n:no_entry: \(over.count) job\(over.count == 1 ? "" : "s") would exceed the \(Format.bytes(maximum)) cap per job "
                    + "(`cost.maximum_bytes_billed`) and be refused: \(names)\(over.count > 10 ? " and \(over.count - 10) more" : "")"
            }
        } else {
            summary += "\nNo cap per job is set (`cost.maximum_bytes_billed`)."
        }
        if let budget = report.dailyBudget, let share = report.runShareOfBudget {
            summary += "\nDaily budget \(Format.dollars(budget)): this run uses \(AnswerBlocks.share(share))"
            if let daily = report.dailyShareOfBudget {
                summary += "; \(report.runsPerDay) runs/day ≈ \(Format.dollars(report.dailyDollars))/day (\(AnswerBlocks.share(daily)))"
            }
        } else {
            summary += "\nNo daily budget is set (`cost.daily_budget`)."
            if report.runsPerDay > 0 {
                summary += " At \(report.runsPerDay) runs/day: ≈ \(Format.dollars(report.dailyDollars))/day."
            }
        }
        var blocks: [Block] = [.header(title), .section(text: summary)]
        let lines = report.jobs.map { jobLine($0, report: report) }
        blocks += AnswerBlocks.sections(lines, maxBlocks: jobBlocks) { "…\($0) more jobs not shown" }
        let method = report.fromTableSizes
            ? "SQLite warehouse: these are estimates from the referenced tables' sizes at BigQuery's price (\(Format.dollars(report.pricePerTiB))/TiB); SQLite itself bills nothing."
            : "From BigQuery dry runs (which bill nothing) at \(Format.dollars(report.pricePerTiB))/TiB."
        blocks.append(.context([
            method + " BigQuery bills at least 10 MiB per table a query reads, and per query. Load jobs are free; "
                + "a merge load's MERGE counts its table's size; checks answered from table metadata are free.",
        ]))
        let fallback = "Next run of \(report.pipeline) ≈ \(Format.bytes(report.bytesBilled)) billed, \(Format.dollars(report.dollars))"
            + (report.fromTableSizes ? " (estimated from table sizes; SQLite bills nothing)" : "")
        return SlackMessage(text: fallback, blocks: blocks)
    }

    /// `today`, `last 7 days`, `last 30 days`.
    public static func windowName(_ window: CostWindow) -> String {
        window == .today ? "today" : "last \(window.days) days"
    }

    private static func pipelineLines(
        _ pipeline: CostReport.PipelineCost, estimate: CostEstimateReport?, report: CostReport, nothingBilled: Bool
    ) -> String {
        var lines: [String] = []
        let runs = "\(pipeline.runs) run\(pipeline.runs == 1 ? "" : "s")"
        if nothingBilled {
            lines.append("`\(pipeline.pipeline)` · \(runs) · nothing billed")
        } else {
            lines.append("`\(pipeline.pipeline)` · \(runs) · \(Format.bytes(pipeline.bytesBilled)) · *\(Format.dollars(pipeline.dollars))*")
            lines.append("↳ projection: " + projection(pipeline, report: report))
        }
        if let estimate {
            let perDay = estimate.runsPerDay > 0
                ? " × \(estimate.runsPerDay) runs/day ≈ \(Format.dollars(estimate.dailyDollars))/day, \(Format.dollars(estimate.dailyDollars * Double(report.daysInMonth))) for \(report.month)"
                : " (no schedule)"
            lines.append("↳ on BigQuery (estimated): \(Format.bytes(estimate.bytesBilled))/run, \(Format.dollars(estimate.dollars))/run" + perDay)
        }
        return lines.joined(separator: "\n")
    }

    private static func projection(_ pipeline: CostReport.PipelineCost, report: CostReport) -> String {
        guard pipeline.runsPerDay > 0 else { return "no schedule (on demand only), not projected" }
        guard let average = pipeline.averageBytesPerRun, let daily = pipeline.projectedDailyDollars,
              let month = pipeline.projectedMonthDollars
        else {
            return "\(pipeline.runsPerDay) runs/day, but no runs in this window to average"
        }
        let perRun = average >= 9.2e18 ? Int64.max : Int64(average.rounded())
        return "\(pipeline.runsPerDay) runs/day × \(Format.bytes(perRun))/run (average of \(pipeline.averagedRuns)) "
            + "≈ \(Format.dollars(daily))/day, \(Format.dollars(month)) for \(report.month)"
    }

    private static func topModelsText(_ report: CostReport) -> String {
        guard !report.topModels.isEmpty else { return "*Most expensive models*: no model billed anything in this window." }
        let lines = report.topModels.enumerated().map { index, model in
            "\(index + 1). `\(model.model)` (`\(model.pipeline)`) · \(Format.bytes(model.bytesBilled)) · \(Format.dollars(model.dollars))"
                + " over \(model.builds) build\(model.builds == 1 ? "" : "s")"
        }
        return MessageFitting.truncate((["*Most expensive models*"] + lines).joined(separator: "\n"), to: BlockLimits.sectionText)
    }

    private static func jobLine(_ job: JobEstimate, report: CostEstimateReport) -> String {
        guard let processed = job.bytesProcessed else {
            return ":grey_question: `\(job.name)` · \(job.kind.rawValue) · could not estimate: \(job.problem ?? "no figure")"
                + " · counts as \(Format.bytes(job.bytesBilled))"
        }
        let tables = "\(job.referencedTables) table\(job.referencedTables == 1 ? "" : "s")"
        var line = "`\(job.name)` · \(job.kind.rawValue) · reads \(tables) · \(Format.bytes(processed)) processed"
        line += job.raisedToMinimum ? " → \(Format.bytes(job.bytesBilled)) billed (minimum)" : " · \(Format.bytes(job.bytesBilled)) billed"
        line += " · \(Format.dollars(CostModel.dollars(bytes: job.bytesBilled, pricePerTiB: report.pricePerTiB)))"
        if let maximum = report.maximumBytesBilled, job.bytesBilled > maximum { line += " · :no_entry: over the cap" }
        return line
    }

    /// `8 models`, `1 merge`, `12 checks`.
    private static func count(of count: Int, _ kind: JobEstimate.Kind) -> String {
        "\(count) \(kind.rawValue)\(count == 1 ? "" : "s")"
    }

    private static func contextText(_ report: CostReport, onSQLite: Bool) -> String {
        let price = "\(Format.dollars(report.pricePerTiB))/TiB"
        if onSQLite {
            return "SQLite warehouse: actual bytes billed are 0, because SQLite bills nothing. The BigQuery figures are estimates "
                + "from the referenced tables' sizes at BigQuery's price (\(price)); `cost PIPELINE --estimate` shows them per job."
        }
        return "Bytes billed as BigQuery recorded them for every job of the runs created in the window, at \(price). "
            + "Averages leave out backfills."
    }

    private static func costFallback(_ report: CostReport, scope: String?, nothingBilled: Bool) -> String {
        let subject = "Cost of \(scope ?? "every pipeline"), \(windowName(report.window))"
        if nothingBilled { return "\(subject): nothing billed (SQLite warehouse, \(report.runs) runs)" }
        return "\(subject): \(Format.dollars(report.dollars)) billed (\(Format.bytes(report.bytesBilled)) in \(report.runs) runs); "
            + "projection for \(report.month) ≈ \(Format.dollars(report.projectedMonthDollars))"
    }
}
