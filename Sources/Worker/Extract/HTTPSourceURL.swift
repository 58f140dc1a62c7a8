import Foundation

/// The URLs of an HTTP source's requests: query parameters set (percent-encoded), next links
/// resolved against the request they came from, and the form shown in messages — scheme, host, port
/// and path, never the query (it may hold a key) nor a user or password.
enum HTTPSourceURL {
    /// `url` with each of `parameters` set: an existing parameter of the same name is replaced, the
    /// others kept as they were; names and values percent-encoded (RFC 3986 unreserved characters
    /// stay, so `+` and spaces arrive as `%2B` and `%20`). The fragment is dropped.
    static func setting(_ parameters: [(name: String, value: String)], in url: String) -> String {
        guard !parameters.isEmpty, var components = URLComponents(string: url) else { return url }
        let names = Set(parameters.map(\.name))
        var pairs = (components.percentEncodedQuery ?? "").split(separator: "&").map(String.init).filter { pair in
            let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? pair
            return !names.contains(name.removingPercentEncoding ?? name)
        }
        pairs += parameters.map { encode($0.name) + "=" + encode($0.value) }
        components.percentEncodedQuery = pairs.joined(separator: "&")
        components.fragment = nil
        return components.string ?? url
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// `reference` (absolute, or relative like `/v1/reviews?page=2` or `?page=2`) resolved against the
    /// URL of the request it came from; nil when it is not a usable http(s) URL.
    static func resolve(_ reference: String, against base: String) -> String? {
        let trimmed = reference.trimmingCharacters(in: .whitespaces)
        guard let baseURL = URL(string: base), let url = URL(string: trimmed, relativeTo: baseURL)?.absoluteURL,
              let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else { return nil }
        return url.absoluteString
    }

    /// `https://api.example.com/v1/reviews`: the URL without user, password, query or fragment.
    static func shown(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return "(an unreadable URL)" }
        let scheme = components.scheme ?? "https"
        let port = components.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(host)\(port)\(components.percentEncodedPath)"
    }

    /// Whether two URLs have the same scheme, host and port (the manifest's headers are sent only
    /// to the origin the manifest names).
    static func sameOrigin(_ a: String, _ b: String) -> Bool {
        guard let first = URLComponents(string: a), let second = URLComponents(string: b) else { return false }
        func port(_ components: URLComponents) -> Int? {
            components.port ?? (components.scheme?.lowercased() == "https" ? 443 : components.scheme?.lowercased() == "http" ? 80 : nil)
        }
        return first.scheme?.lowercased() == second.scheme?.lowercased()
            && first.host?.lowercased() == second.host?.lowercased() && port(first) == port(second)
    }

    /// The values of `url`'s query parameters (percent-decoded), which may be keys: kept out of messages.
    static func queryValues(_ url: String) -> [String] {
        (URLComponents(string: url)?.queryItems ?? []).compactMap(\.value).filter { !$0.isEmpty }
    }
}
