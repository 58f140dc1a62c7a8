/// Turns BigQuery's error bodies and job `errorResult`s into `BigQueryError`s with guidance that
/// names the project, location and what to change.
struct ErrorContext: Sendable {
    let project: String
    let location: String

    /// `project:location.jobId`, the form the BigQuery console and `bq` accept.
    func qualified(_ jobID: String?) -> String? {
        jobID.map { "\(project):\(location).\($0)" }
    }

    /// The error in a non-2xx reply: `{"error": {"code", "message", "errors": [{"reason", "message"}], "status"}}`.
    func error(reply: HTTPReply, jobID: String?) -> BigQueryError {
        let body = reply.json
        let error = body["error"]
        let first = error["errors"].array.first ?? .null
        var reason = first["reason"].string ?? error["status"].string ?? ""
        var message = error["message"].string ?? first["message"].string ?? ""
        if reply.status == 401 {
            reason = reason.isEmpty || reason == "UNAUTHENTICATED" ? "badCredentials" : reason
        }
        if reason.isEmpty { reason = Self.reason(forStatus: reply.status) }
        if message.isEmpty {
            let text = String(buffer: reply.body).prefix(300)
            message = "BigQuery answered HTTP \(reply.status)" + (text.isEmpty ? "" : ": \(text)")
        }
        return BigQueryError(
            reason: reason, message: message, httpStatus: reply.status, jobID: qualified(jobID),
            hint: hint(reason: reason, status: reply.status)
        )
    }

    /// The error of a finished job: `status.errorResult`, with the first few `status.errors` messages
    /// appended when they add something (bad rows in a load).
    func error(job: JSON, jobID: String) -> BigQueryError? {
        let status = job["status"]
        let result = status["errorResult"]
        guard !result.isNull else { return nil }
        let reason = result["reason"].string ?? "jobFailed"
        var message = result["message"].string ?? "The job failed"
        let details = status["errors"].array.compactMap { $0["message"].string }.filter { $0 != message }
        if !details.isEmpty {
            message += "; " + details.prefix(3).joined(separator: "; ")
            if details.count > 3 { message += "; and \(details.count - 3) more" }
        }
        return BigQueryError(reason: reason, message: message, jobID: qualified(jobID), hint: hint(reason: reason, status: nil))
    }

    /// Adds the attempt count to a retryable failure that ran out of attempts.
    func exhausted(_ error: BigQueryError, attempts: Int) -> BigQueryError {
        guard error.isRetryable, attempts > 1 else { return error }
        var error = error
        error.message += " (gave up after \(attempts) attempts)"
        return error
    }

    /// What to do about an error with this reason.
    func hint(reason: String, status: Int?) -> String? {
        switch reason {
        case "accessDenied":
            "the service account lacks BigQuery permissions on project \(project): grant it roles/bigquery.jobUser and roles/bigquery.dataEditor"
        case "notFound":
            "check that the dataset or table exists in project \(project), location \(location), and that the manifest's warehouse location matches the dataset's"
        case "bytesBilledLimitExceeded":
            "the query would bill more bytes than allowed: raise cost.maximum_bytes_billed in the manifest or make the query scan less (filter on the partition column)"
        case "badCredentials", "authError", "unauthorized":
            "Google did not accept the credentials: check GOOGLE_APPLICATION_CREDENTIALS (a deleted or revoked key) or GOOGLE_OAUTH_ACCESS_TOKEN (an expired token)"
        case "billingNotEnabled":
            "enable billing on project \(project)"
        case "quotaExceeded":
            "a BigQuery quota of project \(project) is used up: wait for it to reset or raise it in the Cloud console"
        case "rateLimitExceeded":
            "BigQuery is rate-limiting project \(project): try again in a few minutes"
        default:
            status == 403 ? "check the service account's permissions on project \(project)" : nil
        }
    }

    /// A reason for a reply without one.
    static func reason(forStatus status: Int) -> String {
        switch status {
        case 400: "invalid"
        case 401: "badCredentials"
        case 403: "accessDenied"
        case 404: "notFound"
        case 409: "duplicate"
        case 429: "rateLimitExceeded"
        case 502: "badGateway"
        case 500, 503, 504: "backendError"
        default: "http\(status)"
        }
    }
}
