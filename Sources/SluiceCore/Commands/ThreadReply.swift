import Foundation

/// What a reply in an alert's thread asks for, mentioning the bot: `ack`, `mute 4h flaky upstream`,
/// `resolve`, `details` — the same as the alert's buttons.
public enum ThreadReply: Sendable, Equatable {
    /// `ack` / `acknowledge`: acknowledge the alert.
    case ack
    /// `resolve` / `resolved`: close the alert by hand.
    case resolve
    /// `mute DURATION [REASON]`: mute the alert's check.
    case mute(MuteEnd, reason: String?)
    /// `details` / `detail`: the failing SQL, sample rows and the run.
    case details
    /// Anything else, as the (normalised, mention-free, shortened) text; answer with `usage`.
    case unknown(String)

    /// The reply to `unknown`: what the bot understands in an alert thread.
    public static let usage =
        "In an alert's thread, mention me with `ack`, `mute 4h [reason]` (or `mute until 09:00`), `resolve` or `details`."

    /// Reads a thread message. Mentions of the bot (`<@UBOT>`, `<@UBOT|sluice>`) are removed wherever
    /// they are; without a `botUserID`, leading user mentions are removed. The verb ignores case and
    /// trailing punctuation (`Ack!`); words after `ack`, `resolve` and `details` are conversation.
    public static func parse(_ text: String, botUserID: String?) -> ThreadReply {
        var words = CommandText.words(CommandText.normalise(String(text.prefix(4000))))
        if let botUserID {
            words = words.flatMap { word in
                CommandText.words(removingMentions(of: botUserID, from: word))
            }
        } else {
            words = Array(words.drop(while: isUserMention))
        }
        guard let first = words.first else { return .unknown("") }
        let verb = first.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".,!?:;"))
        switch verb {
        case "ack", "acknowledge", "acknowledged":
            return .ack
        case "resolve", "resolved":
            return .resolve
        case "details", "detail":
            return .details
        case "mute":
            let rest = Array(words.dropFirst())
            if let parsed = MuteEnd.parse(Array(rest.prefix(3)).map(CommandText.bare)) {
                let reason = CommandText.freeText(rest.dropFirst(parsed.consumed))
                return .mute(parsed.0, reason: reason.map { MessageFitting.truncate($0, to: CommandText.maximumReasonLength) })
            }
        default:
            break
        }
        return .unknown(MessageFitting.truncate(words.joined(separator: " "), to: 200))
    }

    /// `word` with every `<@botUserID>` and `<@botUserID|name>` replaced by a space.
    private static func removingMentions(of botUserID: String, from word: String) -> String {
        var rest = Substring(word)
        var kept = ""
        while let start = rest.range(of: "<@" + botUserID) {
            let after = rest[start.upperBound...]
            let close: String.Index?
            if after.hasPrefix(">") {
                close = after.startIndex
            } else if after.hasPrefix("|") {
                close = after.firstIndex(of: ">")
            } else {
                close = nil
            }
            guard let close else {
                kept += rest[..<start.upperBound]
                rest = after
                continue
            }
            kept += rest[..<start.lowerBound] + " "
            rest = after[after.index(after: close)...]
        }
        return kept + rest
    }

    /// True for a Slack user mention, `<@U…>` or `<@U…|name>`.
    private static func isUserMention(_ word: String) -> Bool {
        word.hasPrefix("<@") && word.hasSuffix(">")
    }
}
