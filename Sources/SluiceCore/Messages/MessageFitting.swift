import Foundation

/// Makes messages fit Slack's limits instead of being rejected: long texts are cut with a marker,
/// and blocks beyond the per-message limit continue in follow-up messages (posted in the thread).
public enum MessageFitting {
    /// Cuts `text` to at most `limit` characters, ending with `…` when cut.
    public static func truncate(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(max(0, limit - 1))) + "…"
    }

    /// Splits long lines of mrkdwn into section texts of at most `BlockLimits.sectionText` characters,
    /// breaking between lines.
    public static func sections(ofLines lines: [String]) -> [Block] {
        var blocks: [Block] = []
        var current = ""
        for line in lines.map({ truncate($0, to: BlockLimits.sectionText) }) {
            if !current.isEmpty, current.count + 1 + line.count > BlockLimits.sectionText {
                blocks.append(.section(text: current))
                current = ""
            }
            current += current.isEmpty ? line : "\n" + line
        }
        if !current.isEmpty { blocks.append(.section(text: current)) }
        return blocks
    }

    /// Enforces every per-block limit on `block`.
    public static func fit(_ block: Block) -> Block {
        switch block {
        case let .header(text):
            return .header(truncate(text, to: BlockLimits.headerText))
        case let .section(text, fields, accessory):
            return .section(
                text: truncate(text, to: BlockLimits.sectionText),
                fields: fields.prefix(BlockLimits.sectionFields).map { truncate($0, to: BlockLimits.fieldText) },
                accessory: accessory.map(fit))
        case let .context(lines):
            return .context(lines.prefix(BlockLimits.contextElements).map { truncate($0, to: BlockLimits.sectionText) })
        case .divider:
            return .divider
        case let .actions(blockID, buttons):
            return .actions(blockID: blockID, buttons.prefix(BlockLimits.actionElements).map(fit))
        }
    }

    /// Enforces button limits, including its confirmation dialog's.
    public static func fit(_ button: Button) -> Button {
        var fitted = button
        fitted.text = truncate(button.text, to: BlockLimits.buttonText)
        fitted.actionID = String(button.actionID.prefix(BlockLimits.actionID))
        fitted.value = String(button.value.prefix(BlockLimits.buttonValue))
        fitted.confirm = button.confirm.map { dialog in
            Confirmation(
                title: truncate(dialog.title, to: BlockLimits.confirmTitle),
                text: truncate(dialog.text, to: BlockLimits.confirmText),
                confirm: truncate(dialog.confirm, to: BlockLimits.confirmButton),
                deny: truncate(dialog.deny, to: BlockLimits.confirmButton))
        }
        return fitted
    }

    /// Splits a message into one that fits plus continuations for the thread. The first message
    /// keeps the fallback text; continuations say they continue it.
    public static func split(_ message: SlackMessage, blockLimit: Int = BlockLimits.messageBlocks) -> [SlackMessage] {
        let blocks = message.blocks.map(fit)
        let text = truncate(message.text, to: BlockLimits.fallbackText)
        guard blocks.count > blockLimit else { return [SlackMessage(text: text, blocks: blocks)] }
        var parts: [SlackMessage] = []
        var start = 0
        while start < blocks.count {
            let end = min(start + blockLimit, blocks.count)
            let part = Array(blocks[start..<end])
            parts.append(SlackMessage(text: parts.isEmpty ? text : "(continued) " + truncate(message.text, to: 200), blocks: part))
            start = end
        }
        return parts
    }
}
