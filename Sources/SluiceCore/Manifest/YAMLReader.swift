import Foundation
import Yams

/// Reads typed values out of a composed YAML tree for the manifest parser, recording a diagnostic at the
/// offending key or value for every problem instead of stopping at the first.
final class YAMLReader {
    /// The manifest file name used in diagnostics.
    let file: String
    /// Every problem recorded so far, in the order found.
    private(set) var diagnostics: [ManifestDiagnostic] = []

    /// Creates a reader for `file`.
    init(file: String) {
        self.file = file
    }

    /// Records a problem at `mark` (the document start when the position is unknown).
    func report(_ message: String, at mark: Mark?) {
        report(message, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// Records a problem at a 1-based line and column.
    func report(_ message: String, line: Int, column: Int) {
        diagnostics.append(ManifestDiagnostic(file: file, line: line, column: column, message: message))
    }

    /// Records a problem at `node`'s position.
    func report(_ message: String, at node: Node) {
        report(message, at: node.mark)
    }

    // MARK: Mappings

    /// `node` as a mapping named `what` in messages; nil (reported) when it is not a mapping. Keys that are
    /// not plain text are reported and skipped; YAML merge keys (`<<: *defaults`) add the entries of the
    /// merged mappings that the mapping does not set itself. With `allowed`, unknown keys are reported
    /// with the nearest valid ones.
    func mapping(_ node: Node, what: String, allowed: [String]? = nil) -> YAMLMapping? {
        guard case let .mapping(mapping) = node else {
            report("\(what) must be a mapping of keys to values, got \(node.shownInMessage)", at: node)
            return nil
        }
        var entries: [YAMLMapping.Entry] = []
        var merged: [YAMLMapping.Entry] = []
        for (key, value) in mapping {
            guard case let .scalar(scalar) = key else {
                report("keys in \(what) must be plain text, got \(key.shownInMessage)", at: key)
                continue
            }
            if scalar.string == "<<", scalar.style == .plain {
                let sources = value.sequence.map(Array.init) ?? [value]
                for source in sources {
                    guard let inner = self.mapping(source, what: "the mapping merged into \(what) with '<<'") else { continue }
                    merged += inner.entries
                }
                continue
            }
            entries.append(YAMLMapping.Entry(key: scalar.string, keyNode: key, value: value))
        }
        for entry in merged where !entries.contains(where: { $0.key == entry.key }) {
            entries.append(entry)
        }
        let result = YAMLMapping(node: node, what: what, entries: entries)
        if let allowed {
            checkKeys(result, allowed: allowed)
        }
        return result
    }

    /// Reports every key of `mapping` not in `allowed`; returns whether there was any.
    @discardableResult
    func checkKeys(_ mapping: YAMLMapping, allowed: [String]) -> Bool {
        var found = false
        for entry in mapping.entries where !allowed.contains(entry.key) {
            found = true
            let nearest = NearestName.suggestions(for: entry.key, in: allowed)
            let hint = nearest.isEmpty
                ? "; expected \(Self.alternatives(allowed, quoted: true))"
                : "; did you mean \(Self.alternatives(nearest, quoted: true))?"
            report("unknown key '\(entry.key)' in \(mapping.what)\(hint)", at: entry.keyNode)
        }
        return found
    }

    /// The value of `key`; when absent or empty and `required`, reports it as missing at the mapping.
    func value(_ mapping: YAMLMapping, _ key: String, required: Bool) -> Node? {
        if let value = mapping.value(key) { return value }
        if required {
            if let entry = mapping.entry(key) {
                report("'\(key)' in \(mapping.what) needs a value", at: entry.keyNode)
            } else {
                report("\(mapping.what) is missing required key '\(key)'", at: mapping.mark)
            }
        }
        return nil
    }

    // MARK: Scalars

    /// The text of a scalar node; reports lists, mappings and empty text.
    func text(_ node: Node, label: String) -> String? {
        guard case let .scalar(scalar) = node else {
            report("'\(label)' must be a single value, got \(node.shownInMessage)", at: node)
            return nil
        }
        guard !scalar.string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            report("'\(label)' must not be empty", at: node)
            return nil
        }
        return scalar.string
    }

    /// Text value of `key`.
    func string(_ mapping: YAMLMapping, _ key: String, required: Bool = false) -> String? {
        value(mapping, key, required: required).flatMap { text($0, label: key) }
    }

    /// A plain SQL-style name (`[A-Za-z_][A-Za-z0-9_]*`) in a scalar node.
    func identifier(_ node: Node, label: String) -> String? {
        guard let text = text(node, label: label) else { return nil }
        guard TableName.isIdentifier(text) else {
            report("'\(label)' must be a plain name (letters, digits and _, not starting with a digit), got '\(text)'", at: node)
            return nil
        }
        return text
    }

    /// A plain name as the value of `key`.
    func identifier(_ mapping: YAMLMapping, _ key: String, required: Bool = false) -> String? {
        value(mapping, key, required: required).flatMap { identifier($0, label: key) }
    }

    /// A `dataset.table` name as the value of `key`, with its position.
    func tableName(_ mapping: YAMLMapping, _ key: String, required: Bool = false) -> (name: TableName, mark: Mark?)? {
        guard let node = value(mapping, key, required: required), let text = text(node, label: key) else { return nil }
        guard let name = TableName(text) else {
            report("'\(key)' must be a table name written dataset.table (for example raw.orders), got '\(text)'", at: node)
            return nil
        }
        return (name, node.mark)
    }

    /// An integer within `range` as the value of `key`.
    func integer(_ mapping: YAMLMapping, _ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let node = value(mapping, key, required: false), let text = text(node, label: key) else { return nil }
        guard let number = Int(text) else {
            report("'\(key)' must be an integer, got '\(text)'", at: node)
            return nil
        }
        guard range.contains(number) else {
            let bounds = range.upperBound == Int.max
                ? "at least \(range.lowerBound)"
                : "between \(range.lowerBound) and \(range.upperBound)"
            report("'\(key)' must be \(bounds), got \(number)", at: node)
            return nil
        }
        return number
    }

    /// A byte size greater than zero (`50GB`, `512KB`, `1MiB`, as `ByteSize` reads them) as the value of
    /// `key`, at most `maximum`; `examples` are sizes that suit the key, for the message.
    func byteSize(_ mapping: YAMLMapping, _ key: String, examples: String, maximum: Int64 = .max) -> Int64? {
        guard let node = value(mapping, key, required: false), let text = text(node, label: key) else { return nil }
        guard let bytes = ByteSize.parse(text), bytes > 0 else {
            report("'\(key)' must be a size such as \(examples), got '\(text)'", at: node)
            return nil
        }
        guard bytes <= maximum else {
            report("'\(key)' must be at most \(Format.bytes(maximum)), got '\(text)'", at: node)
            return nil
        }
        return bytes
    }

    /// A number greater than zero as the value of `key`; zero is accepted when `allowsZero`.
    func positiveNumber(_ mapping: YAMLMapping, _ key: String, allowsZero: Bool = false) -> Double? {
        guard let node = value(mapping, key, required: false), let text = text(node, label: key) else { return nil }
        guard let number = Double(text), number.isFinite else {
            report("'\(key)' must be a number, got '\(text)'", at: node)
            return nil
        }
        guard number > 0 || (allowsZero && number == 0) else {
            report("'\(key)' must be \(allowsZero ? "zero or more" : "greater than zero"), got '\(text)'", at: node)
            return nil
        }
        return number
    }

    /// A duration (`30m`, `6h`, `2d`, `1h30m`) as the value of `key`.
    func timeSpan(_ mapping: YAMLMapping, _ key: String) -> TimeSpan? {
        guard let node = value(mapping, key, required: false), let text = text(node, label: key) else { return nil }
        guard let span = TimeSpan(parsing: text) else {
            report("'\(key)' must be a duration such as 30m, 6h, 2d or 1h30m, got '\(text)'", at: node)
            return nil
        }
        return span
    }

    /// One of `options` as the value of `key`; a near miss is reported with a suggestion.
    func choice(_ mapping: YAMLMapping, _ key: String, options: [String], required: Bool = false) -> String? {
        guard let node = value(mapping, key, required: required), let text = text(node, label: key) else { return nil }
        guard options.contains(text) else {
            report("'\(key)' must be \(Self.alternatives(options, quoted: false)), got '\(text)'\(Self.didYouMean(text, options))", at: node)
            return nil
        }
        return text
    }

    // MARK: Lists

    /// A list of texts as the value of `key`; a single value counts as a one-element list when
    /// `allowsSingle`. With `identifiers`, every element must be a plain name. Empty lists are reported.
    func stringList(
        _ mapping: YAMLMapping, _ key: String, required: Bool = false, allowsSingle: Bool = true, identifiers: Bool = false
    ) -> [String]? {
        guard let node = value(mapping, key, required: required) else { return nil }
        let items: [Node]
        switch node {
        case .scalar where allowsSingle:
            items = [node]
        case let .sequence(sequence):
            items = Array(sequence)
            guard !items.isEmpty else {
                report("'\(key)' must list at least one value", at: node)
                return nil
            }
        default:
            report("'\(key)' must be a list\(allowsSingle ? " or a single value" : ""), got \(node.shownInMessage)", at: node)
            return nil
        }
        var values: [String] = []
        var valid = true
        for item in items {
            if let value = identifiers ? identifier(item, label: key) : text(item, label: key) {
                values.append(value)
            } else {
                valid = false
            }
        }
        return valid ? values : nil
    }

    // MARK: Message helpers

    /// `'a'`, `'a' or 'b'`, `'a', 'b' or 'c'` (without quotes when `quoted` is false).
    static func alternatives(_ names: [String], quoted: Bool) -> String {
        let shown = names.map { quoted ? "'\($0)'" : $0 }
        guard let last = shown.last else { return "" }
        return shown.count == 1 ? last : shown.dropLast().joined(separator: ", ") + " or " + last
    }

    /// `; did you mean 'x'?` for the names nearest to `name`, or the empty string when none is near.
    static func didYouMean(_ name: String, _ candidates: [String], quoted: Bool = true) -> String {
        let nearest = NearestName.suggestions(for: name, in: candidates)
        return nearest.isEmpty ? "" : "; did you mean \(alternatives(nearest, quoted: quoted))?"
    }
}
