import Foundation

/// Renders Block Kit messages as readable terminal text: console mode prints what Slack would show.
public enum ConsoleRenderer {
    /// The message as lines: a channel banner, the blocks as plain text, buttons numbered when
    /// `numbered` is set (the chat REPL lets you press them).
    public static func render(_ message: SlackMessage, channel: String, thread: Bool = false, edit: Bool = false) -> String {
        let banner = edit ? "✎ \(channel) (edited)" : (thread ? "↳ \(channel) (thread)" : "▶ \(channel)")
        var lines = [banner]
        lines += body(message).map { "  " + $0 }
        return lines.joined(separator: "\n")
    }

    /// The blocks as plain lines (no banner). Buttons render as `[1 Acknowledge] [2 Mute 1h]`.
    public static func body(_ message: SlackMessage) -> [String] {
        guard !message.blocks.isEmpty else { return [plain(message.text)] }
        var lines: [String] = []
        var buttonNumber = 0
        for block in message.blocks {
            switch block {
            case let .header(text):
                lines.append(text.uppercased())
            case let .section(text, fields, accessory):
                lines += plain(text).components(separatedBy: "\n")
                lines += fields.map { "  " + plain($0) }
                if let accessory {
                    buttonNumber += 1
                    lines.append("[\(buttonNumber) \(accessory.text)]")
                }
            case let .context(items):
                lines.append(items.map(plain).joined(separator: " · "))
            case .divider:
                lines.append(String(repeating: "─", count: 40))
            case let .actions(_, buttons):
                lines.append(buttons.map { button in
                    buttonNumber += 1
                    return "[\(buttonNumber) \(button.text)]"
                }.joined(separator: " "))
            }
        }
        return lines
    }

    /// Every button of the message in display order (numbering matches `body`).
    public static func buttons(_ message: SlackMessage) -> [Button] {
        message.blocks.flatMap { block -> [Button] in
            switch block {
            case let .section(_, _, accessory?): [accessory]
            case let .actions(_, buttons): buttons
            default: []
            }
        }
    }

    /// mrkdwn to plain text: emoji shortcodes to symbols, Slack's `<@U…>`/`<!subteam^S…>`/`<url|label>`
    /// markup made readable, bold and code-block marks dropped; a plain `<` or `>` (as in SQL) is kept.
    public static func plain(_ mrkdwn: String) -> String {
        var text = mrkdwn
        for (code, symbol) in emoji { text = text.replacingOccurrences(of: code, with: symbol) }
        text = text.replacingOccurrences(of: "```", with: "").replacingOccurrences(of: "*", with: "")
        var output = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            output += rest[..<open]
            let after = rest[rest.index(after: open)...]
            guard let first = after.first, "@!#h".contains(first), let close = after.firstIndex(of: ">") else {
                output += "<"
                rest = after
                continue
            }
            output += readable(after[..<close])
            rest = after[after.index(after: close)...]
        }
        return output + rest
    }

    private static func readable(_ markup: Substring) -> String {
        if markup.hasPrefix("@") { return String(markup) }
        if markup.hasPrefix("!subteam^") { return "@" + markup.dropFirst("!subteam^".count) }
        if markup.hasPrefix("!") { return "@" + markup.dropFirst() }
        if let bar = markup.firstIndex(of: "|") { return String(markup[markup.index(after: bar)...]) }
        return String(markup)
    }

    private static let emoji: [(String, String)] = [
        (":white_check_mark:", "✅"), (":x:", "❌"), (":warning:", "⚠️"), (":rotating_light:", "🚨"),
        (":fast_forward:", "⏭"), (":hourglass:", "⏳"), (":arrows_counterclockwise:", "🔄"), (":eyes:", "👀"),
        (":large_green_circle:", "🟢"), (":large_yellow_circle:", "🟡"), (":red_circle:", "🔴"), (":mute:", "🔇"),
        (":bell:", "🔔"), (":arrow_forward:", "▶️"), (":money_with_wings:", "💸"), (":white_circle:", "⚪"), (":bar_chart:", "📊"), (":moneybag:", "💰"),
    ]
}
