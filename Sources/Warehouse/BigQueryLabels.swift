import SluiceCore

/// The labels every BigQuery job of a run carries, so its cost can be traced to a pipeline, a run
/// and a step in the billing export: `sluice_pipeline`, `sluice_run`, `sluice_step`.
enum BigQueryLabels {
    /// Labels of a job done for a step of a run.
    static func job(_ context: JobContext) -> [String: String] {
        [
            "sluice_pipeline": sanitized(context.pipeline),
            "sluice_run": sanitized(String(context.runID)),
            "sluice_step": sanitized(context.stepID),
        ]
    }

    /// Labels of a job done for a step of a run when `context` is given, else of a job that belongs
    /// to no run, named by its purpose.
    static func job(_ context: JobContext?, otherwise purpose: String) -> [String: String] {
        context.map { job($0) } ?? maintenance(purpose)
    }

    /// Labels of a job that belongs to no run (metadata reads, cost estimates): its purpose only.
    static func maintenance(_ purpose: String) -> [String: String] {
        ["sluice_step": sanitized(purpose)]
    }

    /// A label value BigQuery accepts: lower case, only `a-z`, `0-9`, `_` and `-` (anything else
    /// becomes `_`), at most 63 characters. `model:mart.daily_sales` → `model_mart_daily_sales`.
    static func sanitized(_ text: String) -> String {
        var result = ""
        for scalar in text.lowercased().unicodeScalars {
            let allowed = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-"
            result.unicodeScalars.append(allowed ? scalar : "_")
            if result.unicodeScalars.count == 63 { break }
        }
        return result
    }
}
