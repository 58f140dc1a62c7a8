import Foundation
import Yams

/// Reads the manifest's top-level settings: `timezone`, `warehouse`, `cost`, `slack`, `access`, `backfill`.
enum ManifestSettingsReader {
    /// `timezone:` — required IANA name.
    static func timeZone(_ reader: YAMLReader, _ root: YAMLMapping) -> TimeZone? {
        guard let node = reader.value(root, "timezone", required: true),
              let name = reader.text(node, label: "timezone") else { return nil }
        if let zone = TimeZone(identifier: name) { return zone }
        let hint = YAMLReader.didYouMean(name, TimeZone.knownTimeZoneIdentifiers, quoted: false)
        reader.report(
            "unknown time zone '\(name)'\(hint.isEmpty ? "; use an IANA name such as Europe/London or UTC" : hint)",
            at: node
        )
        return nil
    }

    /// `warehouse:` — SQLite in `.sluice/warehouse` when omitted.
    static func warehouse(_ reader: YAMLReader, _ root: YAMLMapping) -> WarehouseConfig {
        let fallback = WarehouseConfig.sqlite(path: ".sluice/warehouse")
        guard let node = root.value("warehouse"),
              let mapping = reader.mapping(node, what: "'warehouse'") else { return fallback }
        switch reader.choice(mapping, "kind", options: ["sqlite", "bigquery"], required: true) {
        case "sqlite":
            reader.checkKeys(mapping, allowed: ["kind", "path"])
            return .sqlite(path: reader.string(mapping, "path") ?? ".sluice/warehouse")
        case "bigquery":
            reader.checkKeys(mapping, allowed: ["kind", "project", "location"])
            let project = reader.string(mapping, "project", required: true) ?? ""
            return .bigquery(project: project, location: reader.string(mapping, "location") ?? "US")
        default:
            reader.checkKeys(mapping, allowed: ["kind", "path", "project", "location"])
            return fallback
        }
    }

    /// `cost:` — all optional.
    static func cost(_ reader: YAMLReader, _ root: YAMLMapping) -> CostConfig {
        guard let node = root.value("cost"),
              let mapping = reader.mapping(
                node, what: "'cost'", allowed: ["price_per_tib", "maximum_bytes_billed", "daily_budget"]
              ) else { return CostConfig() }
        var cost = CostConfig()
        if let price = reader.positiveNumber(mapping, "price_per_tib", allowsZero: true) {
            cost.pricePerTiB = price
        }
        cost.maximumBytesBilled = reader.byteSize(mapping, "maximum_bytes_billed", examples: "50GB, 500MiB or 1TiB")
        cost.dailyBudget = reader.positiveNumber(mapping, "daily_budget")
        return cost
    }

    /// `slack:` — channels, digest and escalation.
    static func slack(_ reader: YAMLReader, _ root: YAMLMapping) -> ManifestSlackDraft {
        var slack = ManifestSlackDraft()
        guard let node = root.value("slack"),
              let mapping = reader.mapping(
                node, what: "'slack'", allowed: ["default_channel", "digest", "escalate_after"]
              ) else { return slack }
        slack.defaultChannel = reader.string(mapping, "default_channel")
        if let escalate = reader.timeSpan(mapping, "escalate_after") {
            slack.escalateAfter = escalate
        }
        if let digestNode = mapping.value("digest"),
           let digest = reader.mapping(digestNode, what: "'slack.digest'", allowed: ["at", "channel"]) {
            slack.digestMark = digest.mark
            let channel = reader.string(digest, "channel")
            if let atNode = reader.value(digest, "at", required: true), let text = reader.text(atNode, label: "at") {
                if let time = TimeOfDay(parsing: text) {
                    slack.digest = DigestConfig(at: time, channel: channel)
                } else {
                    reader.report("'at' must be a time of day written HH:MM (for example \"09:00\"), got '\(text)'", at: atNode)
                }
            }
        }
        return slack
    }

    /// `access:` — operator ids.
    static func access(_ reader: YAMLReader, _ root: YAMLMapping) -> AccessConfig {
        guard let node = root.value("access"),
              let mapping = reader.mapping(node, what: "'access'", allowed: ["operators"]) else { return AccessConfig() }
        return AccessConfig(operators: slackIDs(reader, mapping, "operators"))
    }

    /// `backfill:` — limits.
    static func backfill(_ reader: YAMLReader, _ root: YAMLMapping) -> BackfillConfig {
        guard let node = root.value("backfill"),
              let mapping = reader.mapping(node, what: "'backfill'", allowed: ["max_days"]) else { return BackfillConfig() }
        return BackfillConfig(maxDays: reader.integer(mapping, "max_days", in: 1...Int.max) ?? 31)
    }

    /// A list of Slack user (`U…`, `W…`) or user-group (`S…`) ids as the value of `key`; each bad id is reported.
    static func slackIDs(_ reader: YAMLReader, _ mapping: YAMLMapping, _ key: String) -> [String] {
        guard let node = mapping.value(key), let ids = reader.stringList(mapping, key) else { return [] }
        let items = node.sequence.map(Array.init) ?? [node]
        var valid: [String] = []
        for (id, item) in zip(ids, items) {
            if isSlackID(id) {
                valid.append(id)
            } else {
                reader.report(
                    "'\(id)' in '\(key)' is not a Slack user id (U… or W…) or user-group id (S…); "
                        + "copy it from the member's or group's profile",
                    at: item
                )
            }
        }
        return valid
    }

    /// True for `U`, `W` or `S` followed by at least two uppercase letters or digits.
    static func isSlackID(_ text: String) -> Bool {
        guard let first = text.first, "UWS".contains(first), text.count >= 3 else { return false }
        return text.dropFirst().allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
    }
}
