import Foundation

/// A Slack message as typed Block Kit values. `text` is the plain fallback Slack shows in
/// notifications; it is always set.
public struct SlackMessage: Sendable, Equatable, Codable {
    /// Plain-text fallback (notifications, screen readers, console).
    public var text: String
    /// The blocks, at most `BlockLimits.messageBlocks`.
    public var blocks: [Block]

    /// Creates a message.
    public init(text: String, blocks: [Block] = []) {
        self.text = text
        self.blocks = blocks
    }
}

/// Slack's documented Block Kit limits.
public enum BlockLimits {
    /// Blocks per message.
    public static let messageBlocks = 50
    /// Blocks in an App Home view.
    public static let homeBlocks = 100
    /// Characters in a section's text.
    public static let sectionText = 3000
    /// Characters in a section field.
    public static let fieldText = 2000
    /// Fields in a section.
    public static let sectionFields = 10
    /// Characters in a header.
    public static let headerText = 150
    /// Characters in a button's text.
    public static let buttonText = 75
    /// Characters in an `action_id` or button `value`'s id.
    public static let actionID = 255
    /// Characters in a button value.
    public static let buttonValue = 2000
    /// Elements in an actions block.
    public static let actionElements = 25
    /// Elements in a context block.
    public static let contextElements = 10
    /// Characters in a confirmation dialog's title.
    public static let confirmTitle = 100
    /// Characters in a confirmation dialog's text.
    public static let confirmText = 300
    /// Characters in a confirmation dialog's button labels.
    public static let confirmButton = 30
    /// Characters in the fallback `text`.
    public static let fallbackText = 40_000
}

/// The Block Kit blocks Sluice uses.
public enum Block: Sendable, Equatable, Codable {
    /// A large plain-text title.
    case header(String)
    /// mrkdwn text with optional two-column fields and an optional button beside it.
    case section(text: String, fields: [String] = [], accessory: Button? = nil)
    /// Small grey mrkdwn lines.
    case context([String])
    /// A horizontal rule.
    case divider
    /// A row of buttons.
    case actions(blockID: String?, [Button])

    private enum CodingKeys: String, CodingKey {
        case type, text, fields, accessory, elements, blockID = "block_id"
    }

    /// Encodes to Slack's JSON shape.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .header(text):
            try c.encode("header", forKey: .type)
            try c.encode(TextObject.plain(text), forKey: .text)
        case let .section(text, fields, accessory):
            try c.encode("section", forKey: .type)
            try c.encode(TextObject.mrkdwn(text), forKey: .text)
            if !fields.isEmpty { try c.encode(fields.map(TextObject.mrkdwn), forKey: .fields) }
            try c.encodeIfPresent(accessory, forKey: .accessory)
        case let .context(lines):
            try c.encode("context", forKey: .type)
            try c.encode(lines.map(TextObject.mrkdwn), forKey: .elements)
        case .divider:
            try c.encode("divider", forKey: .type)
        case let .actions(blockID, buttons):
            try c.encode("actions", forKey: .type)
            try c.encodeIfPresent(blockID, forKey: .blockID)
            try c.encode(buttons, forKey: .elements)
        }
    }

    /// Decodes Slack's JSON shape (as stored in the outbox).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .type) {
        case "header":
            self = .header(try c.decode(TextObject.self, forKey: .text).text)
        case "section":
            let fields = try c.decodeIfPresent([TextObject].self, forKey: .fields) ?? []
            self = .section(
                text: try c.decode(TextObject.self, forKey: .text).text, fields: fields.map(\.text),
                accessory: try c.decodeIfPresent(Button.self, forKey: .accessory))
        case "context":
            self = .context(try c.decode([TextObject].self, forKey: .elements).map(\.text))
        case "divider":
            self = .divider
        case "actions":
            self = .actions(
                blockID: try c.decodeIfPresent(String.self, forKey: .blockID),
                try c.decode([Button].self, forKey: .elements))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: c, debugDescription: "unsupported block type \(other)")
        }
    }
}

/// A Block Kit text object.
public struct TextObject: Sendable, Equatable, Codable {
    /// `plain_text` or `mrkdwn`.
    public var type: String
    /// The text.
    public var text: String
    /// Emoji shortcodes rendered (plain text only).
    public var emoji: Bool?

    /// A `plain_text` object.
    public static func plain(_ text: String) -> TextObject { TextObject(type: "plain_text", text: text, emoji: true) }
    /// A `mrkdwn` object.
    public static func mrkdwn(_ text: String) -> TextObject { TextObject(type: "mrkdwn", text: text, emoji: nil) }
}

/// A button element; `value` carries what the action needs (an alert id, a run id).
public struct Button: Sendable, Equatable, Codable {
    /// Button label (plain text, at most 75 characters).
    public var text: String
    /// Identifies the action (`alert.ack`, `alert.mute.4h`, `run.rerun`, …).
    public var actionID: String
    /// Payload returned on click.
    public var value: String
    /// `primary`, `danger`, or nil.
    public var style: String?
    /// A confirmation dialog shown before the action fires.
    public var confirm: Confirmation?

    /// Creates a button.
    public init(text: String, actionID: String, value: String, style: String? = nil, confirm: Confirmation? = nil) {
        self.text = text
        self.actionID = actionID
        self.value = value
        self.style = style
        self.confirm = confirm
    }

    private enum CodingKeys: String, CodingKey {
        case type, text, actionID = "action_id", value, style, confirm
    }

    /// Encodes to Slack's `button` element.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("button", forKey: .type)
        try c.encode(TextObject.plain(text), forKey: .text)
        try c.encode(actionID, forKey: .actionID)
        try c.encode(value, forKey: .value)
        try c.encodeIfPresent(style, forKey: .style)
        try c.encodeIfPresent(confirm, forKey: .confirm)
    }

    /// Decodes Slack's `button` element.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        text = try c.decode(TextObject.self, forKey: .text).text
        actionID = try c.decode(String.self, forKey: .actionID)
        value = try c.decodeIfPresent(String.self, forKey: .value) ?? ""
        style = try c.decodeIfPresent(String.self, forKey: .style)
        confirm = try c.decodeIfPresent(Confirmation.self, forKey: .confirm)
    }
}

/// A Block Kit confirmation dialog.
public struct Confirmation: Sendable, Equatable, Codable {
    /// Dialog title.
    public var title: String
    /// Body (mrkdwn).
    public var text: String
    /// Confirm button label.
    public var confirm: String
    /// Deny button label.
    public var deny: String

    /// Creates a confirmation dialog.
    public init(title: String, text: String, confirm: String = "Confirm", deny: String = "Cancel") {
        self.title = title
        self.text = text
        self.confirm = confirm
        self.deny = deny
    }

    private enum CodingKeys: String, CodingKey { case title, text, confirm, deny }

    /// Encodes to Slack's confirmation object.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(TextObject.plain(title), forKey: .title)
        try c.encode(TextObject.mrkdwn(text), forKey: .text)
        try c.encode(TextObject.plain(confirm), forKey: .confirm)
        try c.encode(TextObject.plain(deny), forKey: .deny)
    }

    /// Decodes Slack's confirmation object.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        title = try c.decode(TextObject.self, forKey: .title).text
        text = try c.decode(TextObject.self, forKey: .text).text
        confirm = try c.decode(TextObject.self, forKey: .confirm).text
        deny = try c.decode(TextObject.self, forKey: .deny).text
    }
}
