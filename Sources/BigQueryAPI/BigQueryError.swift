import Foundation

/// An error from BigQuery or from reaching it, with BigQuery's own `reason` and `message` and the
/// job id when there is one, worded to read well in a Slack message.
public struct BigQueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// BigQuery's `reason` (`rateLimitExceeded`, `accessDenied`, `notFound`, `invalidQuery`, …), or
    /// a transport or credentials code (`connectionFailed`, `timeout`, `badCredentials`, `noCredentials`).
    public var reason: String
    /// BigQuery's message, or ours.
    public var message: String
    /// HTTP status, when a response came back.
    public var httpStatus: Int?
    /// `project:location.jobId`, when the error belongs to a job.
    public var jobID: String?
    /// What to do about it, when we know.
    public var hint: String?

    /// Creates an error.
    public init(reason: String, message: String, httpStatus: Int? = nil, jobID: String? = nil, hint: String? = nil) {
        self.reason = reason
        self.message = message
        self.httpStatus = httpStatus
        self.jobID = jobID
        self.hint = hint
    }

    /// `message [reason] (job …) — hint`.
    public var description: String {
        var text = "\(message) [\(reason)]"
        if let jobID { text += " (job \(jobID))" }
        if let hint { text += " — \(hint)" }
        return text
    }

    /// Reasons worth another attempt: BigQuery's transient ones (for a call, and for a finished job,
    /// which is re-run under a new id), and our transport failures.
    static let retryableReasons: Set<String> = [
        "rateLimitExceeded", "backendError", "internalError", "badGateway", "connectionFailed", "timeout",
        "jobBackendError", "jobInternalError", "jobRateLimitExceeded",
    ]

    /// Reasons never retried whatever the HTTP status.
    static let finalReasons: Set<String> = [
        "accessDenied", "notFound", "duplicate", "billingTierLimitExceeded", "bytesBilledLimitExceeded",
        "badCredentials", "noCredentials", "quotaExceeded", "responseTooLarge", "stopped",
    ]

    /// Whether another attempt may succeed.
    public var isRetryable: Bool {
        if Self.retryableReasons.contains(reason) { return true }
        if reason.hasPrefix("invalid") || Self.finalReasons.contains(reason) { return false }
        guard let httpStatus else { return false }
        return [429, 500, 502, 503, 504].contains(httpStatus)
    }
}
