/// Keeps credentials out of errors and log lines.
public enum Secrets {
    /// The replacement for every secret found.
    public static let marker = "[redacted]"

    /// Replaces Slack tokens (`xoxb-…`, `xoxp-…`, `xapp-…`, …), `Bearer …` credentials, PEM private
    /// keys (also when their newlines are JSON-escaped, or the end marker is missing) and Google
    /// access tokens (`ya29.…`) with `[redacted]`.
    public static func redact(_ text: String) -> String {
        var result = text
        result.replace(#/-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:.*?)(-----END [A-Z ]*PRIVATE KEY-----|$)/#, with: marker)
        result.replace(#/(?i:bearer)\s+[^\s"',;]+/#) { _ in "Bearer " + marker }
        result.replace(#/xox[abeoprs]-[A-Za-z0-9-]+/#, with: marker)
        result.replace(#/xapp-[A-Za-z0-9-]+/#, with: marker)
        result.replace(#/ya29\.[A-Za-z0-9._-]+/#, with: marker)
        return result
    }
}
