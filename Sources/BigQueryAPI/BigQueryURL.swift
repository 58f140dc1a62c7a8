import Foundation

/// Builds BigQuery REST URLs: escaped path segments and query items.
enum BigQueryURL {
    private static let segmentAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~$")
        return set
    }()

    private static let queryAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~")
        return set
    }()

    /// `base` + `/`-joined escaped `segments` (a segment of `""` is skipped) + `?query`.
    static func make(_ base: String, _ segments: [String], query: [(String, String)] = []) -> String {
        var url = base
        for segment in segments where !segment.isEmpty {
            url += "/" + (segment.addingPercentEncoding(withAllowedCharacters: segmentAllowed) ?? segment)
        }
        if !query.isEmpty {
            url += "?" + query.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
        }
        return url
    }

    /// A query-string component, percent-escaped.
    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? text
    }
}
