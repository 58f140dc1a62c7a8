import Foundation

/// Normalising, splitting and quoting the text Slack sends with a command or a thread reply.
enum CommandText {
    /// The longest command text accepted; Slack's own limit is far above anything meaningful.
    static let maximumLength = 1000
    /// The longest free text (a mute reason) accepted.
    static let maximumReasonLength = 300

    /// `text` with Slack's and phones' typography undone: curly quotes become straight, every kind of
    /// whitespace (non-breaking, thin, line breaks, tabs) becomes a space, invisible characters and
    /// control characters are dropped, and an em or en dash starting a word becomes `--`.
    static func normalise(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        var atWordStart = true
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                // The same rule without Unicode property lookups: ASCII whitespace is tab to carriage
                // return and space; the other C0 controls and DEL are dropped.
                switch scalar.value {
                case 0x09...0x0D, 0x20: scalars.append(" ")
                case 0x00...0x1F, 0x7F: continue
                default: scalars.append(scalar)
                }
                atWordStart = scalars.last == " "
                continue
            }
            switch scalar {
            case "\u{201C}", "\u{201D}", "\u{201E}", "\u{201F}":
                scalars.append("\"")
            case "\u{2018}", "\u{2019}", "\u{201A}", "\u{201B}":
                scalars.append("'")
            case "\u{2013}" where atWordStart, "\u{2014}" where atWordStart:
                scalars.append(contentsOf: "--".unicodeScalars)
            case "\u{200B}", "\u{2060}", "\u{FEFF}":
                continue
            default:
                if scalar.properties.isWhitespace {
                    scalars.append(" ")
                } else if scalar.properties.generalCategory == .control {
                    continue
                } else {
                    scalars.append(scalar)
                }
            }
            atWordStart = scalars.last == " "
        }
        return String(scalars)
    }

    /// The space-separated words of normalised text.
    static func words(_ normalised: String) -> [String] {
        normalised.split(separator: " ").map(String.init)
    }

    /// A word as an argument: a Slack link `<url|label>` becomes its label, and quotes or backticks
    /// around it are removed.
    static func bare(_ word: String) -> String {
        var text = Substring(word)
        if text.hasPrefix("<"), text.hasSuffix(">"), text.count > 2 {
            let inner = text.dropFirst().dropLast()
            if let bar = inner.lastIndex(of: "|") {
                text = inner[inner.index(after: bar)...]
            } else if !["@", "#", "!"].contains(where: { inner.hasPrefix($0) }) {
                text = inner
            }
        }
        return String(stripQuotes(text))
    }

    /// Free text (a mute reason) from words: joined by single spaces, surrounding quotes removed, and
    /// Slack's broadcast mentions (`<!channel>`, `<!here>`, `<!everyone>`) made inert so repeating the
    /// text later never notifies a whole channel. Nil when nothing is left.
    static func freeText(_ words: ArraySlice<String>) -> String? {
        var text = String(stripQuotes(Substring(words.joined(separator: " "))))
            .trimmingCharacters(in: .whitespaces)
        text = text.replacingOccurrences(
            of: "<!(here|channel|everyone)(\\|[^>]*)?>", with: "@$1", options: [.regularExpression, .caseInsensitive])
        return text.isEmpty ? nil : text
    }

    /// User text shown safely inside a mrkdwn message: in backticks, cut to 40 characters, with the
    /// characters Slack treats as markup (`&`, `<`, `>`, backticks) neutralised.
    static func quoted(_ text: String) -> String {
        let cut = MessageFitting.truncate(text, to: 40)
            .replacingOccurrences(of: "`", with: "'")
            .replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        return cut.isEmpty ? "(nothing)" : "`\(cut)`"
    }

    /// Names in backticks, comma-separated, at most `limit` of them then `and N more`.
    static func list(_ names: [String], limit: Int = 8) -> String {
        let shown = names.prefix(limit).map { "`\($0)`" }.joined(separator: ", ")
        return names.count > limit ? "\(shown) and \(names.count - limit) more" : shown
    }

    /// `text` without any number of matching surrounding quote or backtick pairs.
    private static func stripQuotes(_ text: Substring) -> Substring {
        var text = text
        while !text.dropFirst().isEmpty, let first = text.first, ["\"", "'", "`"].contains(first), text.last == first {
            text = text.dropFirst().dropLast()
        }
        return text
    }
}
