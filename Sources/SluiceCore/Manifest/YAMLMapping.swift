import Yams

/// A YAML mapping as the manifest parser reads it: its entries by plain-text key, with positions.
struct YAMLMapping {
    /// One `key: value` entry.
    struct Entry {
        /// The key's text.
        var key: String
        /// The key node, for the key's position.
        var keyNode: Node
        /// The value node.
        var value: Node
    }

    /// The mapping node itself; its position is where "missing key" problems are reported.
    var node: Node
    /// How messages name this mapping: `pipeline 'shop'`, `'warehouse'`, `the manifest`.
    var what: String
    /// Entries with plain-text keys, in document order.
    var entries: [Entry]

    /// Where the mapping starts.
    var mark: Mark? { node.mark }

    /// The entry for `key`, whatever its value.
    func entry(_ key: String) -> Entry? {
        entries.first { $0.key == key }
    }

    /// The value for `key`, or nil when the key is absent or its value is empty (`key:`, `~`, `null`).
    func value(_ key: String) -> Node? {
        guard let value = entry(key)?.value, !value.isYAMLNull else { return nil }
        return value
    }

    /// True when `key` is present with a non-empty value.
    func has(_ key: String) -> Bool {
        value(key) != nil
    }
}

extension Node {
    /// True for a plain empty scalar, `~` or `null` (quoted `''` or `'null'` are text, not null).
    var isYAMLNull: Bool {
        guard case let .scalar(scalar) = self else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How a message shows the node when it is not what was expected: `'four'`, `a list`, `a mapping`.
    var shownInMessage: String {
        switch self {
        case let .scalar(scalar): isYAMLNull ? "nothing" : "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}
