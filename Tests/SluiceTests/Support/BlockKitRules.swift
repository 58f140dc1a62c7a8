/// Slack's Block Kit rules the fake enforces (from Slack's Block Kit reference).
enum BlockKitRules {
    static let knownBlockTypes: Set<String> = [
        "actions", "context", "divider", "file", "header", "image", "input", "markdown", "rich_text", "section", "video",
    ]

    /// Every rule `blocks` breaks, each ending in `[json-pointer:…]` like Slack's messages.
    static func problems(blocks: JSON, limit: Int, pointer: String) -> [String] {
        guard let list = blocks.array else { return ["must be an array [json-pointer:\(pointer)]"] }
        var problems: [String] = []
        if list.count > limit { problems.append("no more than \(limit) items allowed [json-pointer:\(pointer)]") }
        var blockIDs = Set<String>()
        for (index, block) in list.enumerated() {
            let at = "\(pointer)/\(index)"
            guard let type = block["type"]?.string else {
                problems.append("missing required field: type [json-pointer:\(at)]")
                continue
            }
            if let blockID = block["block_id"] {
                if let id = blockID.string, !id.isEmpty, id.count <= 255 {
                    if !blockIDs.insert(id).inserted { problems.append("duplicate block_id \(id) [json-pointer:\(at)/block_id]") }
                } else {
                    problems.append("block_id must be 1 to 255 characters [json-pointer:\(at)/block_id]")
                }
            }
            switch type {
            case "section": problems += section(block, at)
            case "header":
                problems += text(block["text"], at + "/text", max: 150, plainOnly: true, required: true)
            case "context":
                let elements = block["elements"]?.array ?? []
                if elements.isEmpty || elements.count > 10 {
                    problems.append("elements must hold 1 to 10 items [json-pointer:\(at)/elements]")
                }
                for (i, element) in elements.enumerated() where element["type"]?.string != "image" {
                    problems += text(element, "\(at)/elements/\(i)", max: 3000, plainOnly: false, required: true)
                }
            case "actions":
                let elements = block["elements"]?.array ?? []
                if elements.isEmpty || elements.count > 25 {
                    problems.append("elements must hold 1 to 25 items [json-pointer:\(at)/elements]")
                }
                var actionIDs = Set<String>()
                for (i, element) in elements.enumerated() {
                    problems += self.element(element, "\(at)/elements/\(i)")
                    if let id = element["action_id"]?.string, !actionIDs.insert(id).inserted {
                        problems.append("duplicate action_id \(id) [json-pointer:\(at)/elements/\(i)/action_id]")
                    }
                }
            case let other where !knownBlockTypes.contains(other):
                problems.append("unknown block type \(other) [json-pointer:\(at)/type]")
            default:
                break
            }
        }
        return problems
    }

    private static func section(_ block: JSON, _ at: String) -> [String] {
        var problems: [String] = []
        let fields = block["fields"]?.array
        if block["text"] == nil, fields == nil { problems.append("must provide text or fields [json-pointer:\(at)]") }
        if let text = block["text"] {
            problems += self.text(text, at + "/text", max: 3000, plainOnly: false, required: true)
        }
        if let fields {
            if fields.isEmpty || fields.count > 10 { problems.append("fields must hold 1 to 10 items [json-pointer:\(at)/fields]") }
            for (i, field) in fields.enumerated() {
                problems += text(field, "\(at)/fields/\(i)", max: 2000, plainOnly: false, required: true)
            }
        }
        if let accessory = block["accessory"] { problems += element(accessory, at + "/accessory") }
        return problems
    }

    private static func element(_ element: JSON, _ at: String) -> [String] {
        var problems: [String] = []
        if let actionID = element["action_id"] {
            if (actionID.string?.count ?? 0) < 1 || (actionID.string?.count ?? 0) > 255 {
                problems.append("action_id must be 1 to 255 characters [json-pointer:\(at)/action_id]")
            }
        }
        guard element["type"]?.string == "button" else {
            if element["type"]?.string == nil { problems.append("missing required field: type [json-pointer:\(at)]") }
            return problems
        }
        problems += text(element["text"], at + "/text", max: 75, plainOnly: true, required: true)
        if let value = element["value"], (value.string?.count ?? 2001) > 2000 {
            problems.append("value must be at most 2000 characters [json-pointer:\(at)/value]")
        }
        if let style = element["style"], !["primary", "danger"].contains(style.string ?? "") {
            problems.append("style must be primary or danger [json-pointer:\(at)/style]")
        }
        if let confirm = element["confirm"] {
            problems += text(confirm["title"], at + "/confirm/title", max: 100, plainOnly: true, required: true)
            problems += text(confirm["text"], at + "/confirm/text", max: 300, plainOnly: false, required: true)
            problems += text(confirm["confirm"], at + "/confirm/confirm", max: 30, plainOnly: true, required: true)
            problems += text(confirm["deny"], at + "/confirm/deny", max: 30, plainOnly: true, required: true)
        }
        return problems
    }

    private static func text(_ object: JSON?, _ at: String, max: Int, plainOnly: Bool, required: Bool) -> [String] {
        guard let object else { return required ? ["missing required field: text [json-pointer:\(at)]"] : [] }
        guard let type = object["type"]?.string, type == "plain_text" || type == "mrkdwn" else {
            return ["must be a text object [json-pointer:\(at)]"]
        }
        var problems: [String] = []
        if plainOnly, type != "plain_text" { problems.append("must be plain_text [json-pointer:\(at)/type]") }
        if type == "mrkdwn", object["emoji"] != nil { problems.append("emoji is only allowed on plain_text [json-pointer:\(at)/emoji]") }
        guard let text = object["text"]?.string else { return problems + ["missing required field: text [json-pointer:\(at)/text]"] }
        if text.isEmpty { problems.append("must be more than 0 characters [json-pointer:\(at)/text]") }
        if text.count > max { problems.append("must be less than \(max + 1) characters [json-pointer:\(at)/text]") }
        return problems
    }
}
