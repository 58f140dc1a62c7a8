/// An error from Cloud Storage or from reaching it, with the API's own `reason` and `message`, the
/// bucket and object it concerns, and what to do, worded to read well in a Slack message.
public struct CloudStorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Cloud Storage's `reason` (`notFound`, `forbidden`, `rateLimitExceeded`, …), or a transport code
    /// (`connectionFailed`, `timeout`, `truncated`, `checksumMismatch`).
    public var reason: String
    /// What Sluice was doing and what Cloud Storage said (`could not download gs://b/o: No such object`).
    public var message: String
    /// HTTP status, when a response came back.
    public var httpStatus: Int?
    /// What to do about it, when we know.
    public var hint: String?

    /// Creates an error.
    public init(reason: String, message: String, httpStatus: Int? = nil, hint: String? = nil) {
        self.reason = reason
        self.message = message
        self.httpStatus = httpStatus
        self.hint = hint
    }

    /// `message [reason] — hint`.
    public var description: String {
        var text = "\(message) [\(reason)]"
        if let hint { text += " — \(hint)" }
        return text
    }

    /// Whether another attempt may succeed: Google's retry rule for Cloud Storage (408, 429, 5xx,
    /// and connections that failed or were cut).
    public var isRetryable: Bool {
        if ["connectionFailed", "timeout", "truncated", "rateLimitExceeded", "backendError", "internalError"].contains(reason) {
            return true
        }
        guard let httpStatus else { return false }
        return httpStatus == 408 || httpStatus == 429 || (500...599).contains(httpStatus)
    }
}
