import Foundation

/// Keeps credentials out of errors, log lines, messages and the state store: one redaction for every
/// sink, by pattern (tokens, keys, URL passwords) and by value (what the manifest took from the
/// environment).
public enum Secrets {
    /// The replacement for every secret found.
    public static let marker = "[redacted]"

    /// Replaces Slack tokens (`xoxb-…`, `xoxp-…`, `xapp-…`, …), `Bearer …` credentials, PEM private
    /// keys (also when their newlines are JSON-escaped, or the end marker is missing), Google access
    /// tokens (`ya29.…`), the password of a URL (`postgres://user:PASSWORD@host`) and every value in
    /// `values` with `[redacted]`.
    public static func redact(_ text: String, values: ManifestSecrets = ManifestSecrets()) -> String {
        var result = text
        for value in values.values where result.contains(value) {
            result = result.replacing(value, with: marker)
        }
        result.replace(#/-----BEGIN [A-Z ]*PRIVATE KEY-----(?s:.*?)(-----END [A-Z ]*PRIVATE KEY-----|$)/#, with: marker)
        result.replace(#/(?i:bearer)\s+[^\s"',;]+/#) { _ in "Bearer " + marker }
        result.replace(#/xox[abeoprs]-[A-Za-z0-9-]+/#, with: marker)
        result.replace(#/xapp-[A-Za-z0-9-]+/#, with: marker)
        result.replace(#/ya29\.[A-Za-z0-9._-]+/#, with: marker)
        result.replace(#/([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s"']*):[^@/\s"']+@/#) { match in "\(match.output.1):\(marker)@" }
        return result
    }
}

/// The values a manifest took from the environment (`${VAR}`): secrets by definition, so every sink
/// redacts them. Values shorter than `shortest` characters are left alone: redacting `1` or `us`
/// everywhere would garble every message and protect nothing.
public struct ManifestSecrets: Sendable, Equatable {
    /// The values to redact, longest first (so a value containing another is redacted whole).
    public private(set) var values: [String] = []

    /// Values shorter than this are not redacted.
    public static let shortest = 4

    /// No secrets.
    public init() {}

    /// The given values (with the password of any URL among them, which an error may show alone).
    public init(_ values: some Sequence<String>) {
        var found = Set<String>()
        for value in values {
            found.insert(value)
            if let password = Self.urlPassword(in: value) {
                found.insert(password)
                if let decoded = password.removingPercentEncoding { found.insert(decoded) }
            }
        }
        self.values = found.filter { $0.count >= Self.shortest }.sorted { $0.count == $1.count ? $0 < $1 : $0.count > $1.count }
    }

    /// `PASSWORD` of `scheme://user:PASSWORD@host…`, also percent-decoded.
    private static func urlPassword(in value: String) -> String? {
        guard let scheme = value.range(of: "://") else { return nil }
        let authority = value[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return nil }
        let password = String(authority[authority.index(after: colon)..<at])
        return password.isEmpty ? nil : password
    }
}
