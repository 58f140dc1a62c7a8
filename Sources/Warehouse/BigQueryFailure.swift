import BigQueryAPI
import SluiceCore

/// Turns the BigQuery client's errors into `WarehouseError`s that say what Sluice was doing,
/// quote BigQuery's own message and job id, say what to fix, and keep BigQuery's `reason`.
/// Other errors (a row source's bad records, cancellation) pass through unchanged.
enum BigQueryFailure {
    /// Runs `body`; a `BigQueryError` becomes "BigQuery could not \(doing): …".
    static func translating<T>(_ doing: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as BigQueryError {
            throw warehouseError(error, doing: doing)
        }
    }

    /// `BigQuery could not load raw.orders: Access Denied: … (job p:US.sluice_load_…) — grant …`.
    static func warehouseError(_ error: BigQueryError, doing: String) -> WarehouseError {
        var message = "BigQuery could not \(doing): \(error.message)"
        if let job = error.jobID { message += " (job \(job))" }
        if let hint = error.hint { message += " — \(hint)" }
        return WarehouseError(message, reason: error.reason)
    }
}
