import Foundation

/// Slack mention syntax for owner ids.
public enum Mentions {
    /// `<@U…>` for users, `<!subteam^S…>` for user groups; anything else (a `#channel`, a name) as is.
    public static func mention(_ id: String) -> String {
        if id.hasPrefix("S") { return "<!subteam^\(id)>" }
        if id.hasPrefix("U") || id.hasPrefix("W") { return "<@\(id)>" }
        return id
    }

    /// Space-separated mentions.
    public static func mentions(_ ids: [String]) -> String {
        ids.map(mention).joined(separator: " ")
    }
}
