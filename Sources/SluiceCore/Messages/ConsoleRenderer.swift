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
                lines.append(emoji(in: text).uppercased())
            case let .section(text, fields, accessory):
                lines += plain(text).components(separatedBy: "\n")
                lines += fields.map { "  " + plain($0) }
                if let accessory {
                    buttonNumber += 1
                    lines.append("[\(buttonNumber) \(emoji(in: accessory.text))]")
                }
            case let .context(items):
                lines.append(items.map(plain).joined(separator: " · "))
            case .divider:
                lines.append(String(repeating: "─", count: 40))
            case let .actions(_, buttons):
                lines.append(buttons.map { button in
                    buttonNumber += 1
                    return "[\(buttonNumber) \(emoji(in: button.text))]"
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

    /// mrkdwn to plain text: emoji shortcodes to symbols (`emoji(in:)`), Slack's `<@U…>`/`<!subteam^S…>`/`<url|label>`
    /// markup made readable, bold and code-block marks dropped; a plain `<` or `>` (as in SQL) is kept.
    public static func plain(_ mrkdwn: String) -> String {
        let text = emoji(in: mrkdwn).replacingOccurrences(of: "```", with: "").replacingOccurrences(of: "*", with: "")
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

    /// `text` with every emoji shortcode (`:warning:`) as its symbol. A shortcode Sluice does not
    /// know is dropped (with the space after it when it starts a line or follows a space), never
    /// printed raw. A shortcode is `:name:` with a lowercase name of letters, digits, `_`, `+`, `-`,
    /// not touching a letter, digit or colon on either side — so `09:00:00`, `a::text` and
    /// `urn:ietf:params` are left alone.
    public static func emoji(in text: String) -> String {
        let characters = Array(text)
        var output = ""
        var index = 0
        while index < characters.count {
            guard characters[index] == ":", index == 0 || !isWordOrColon(characters[index - 1]),
                  let close = shortcodeEnd(characters, after: index)
            else {
                output.append(characters[index])
                index += 1
                continue
            }
            let name = String(characters[(index + 1)..<close])
            index = close + 1
            if let symbol = symbols[name] {
                output += symbol
            } else if index < characters.count, characters[index] == " ", output.last?.isWhitespace ?? true {
                index += 1
            }
        }
        return output
    }

    /// The index of the colon closing a shortcode opened at `open`, if one is there.
    private static func shortcodeEnd(_ characters: [Character], after open: Int) -> Int? {
        guard open + 1 < characters.count, characters[open + 1].isASCII, characters[open + 1].isLowercase else { return nil }
        var index = open + 1
        while index < characters.count, index - open <= 50, isNameCharacter(characters[index]) { index += 1 }
        guard index < characters.count, characters[index] == ":" else { return nil }
        if index + 1 < characters.count, isWordOrColon(characters[index + 1]) { return nil }
        return index
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLowercase || character.isNumber || "_+-".contains(character))
    }

    private static func isWordOrColon(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == ":"
    }

    /// The symbol of every shortcode Sluice's messages use, by name.
    static let symbols: [String: String] = [
        "white_check_mark": "✅", "x": "❌", "warning": "⚠️", "rotating_light": "🚨", "fast_forward": "⏭",
        "hourglass": "⏳", "hourglass_flowing_sand": "⏳", "arrows_counterclockwise": "🔄", "eyes": "👀",
        "large_green_circle": "🟢", "large_yellow_circle": "🟡", "red_circle": "🔴", "white_circle": "⚪", "mute": "🔇",
        "bell": "🔔", "arrow_forward": "▶️", "money_with_wings": "💸", "bar_chart": "📊", "moneybag": "💰",
        "no_entry": "⛔", "grey_question": "❔", "octagonal_sign": "🛑", "repeat": "🔁",
    ]
}
