import Yams

/// How big a manifest may be, so that no input can stall or exhaust validation: the file's size,
/// one value's size, and the number of values once YAML aliases (`*name`) and merge keys (`<<`)
/// are expanded (a few aliases nested ten deep otherwise expand to billions of values). Real
/// manifests stay far below every limit. Nesting depth is bounded by the YAML parser (1,000 levels).
public enum ManifestLimits {
    /// The largest manifest file read.
    public static let maxBytes = 4 * 1024 * 1024
    /// The longest single value (long SQL belongs in a file under `models/`).
    public static let maxValueBytes = 64 * 1024
    /// The most values (scalars, lists and mappings) the manifest may hold with aliases and merge keys expanded.
    public static let maxExpandedValues = 100_000

    /// The problem with a manifest of `byteCount` bytes, if it is too big to read.
    public static func sizeProblem(byteCount: Int) -> String? {
        guard byteCount > maxBytes else { return nil }
        return "the manifest is \(Format.bytes(Int64(byteCount))); Sluice reads manifests up to \(Format.bytes(Int64(maxBytes))). "
            + "Move long SQL into files under models/ and split very large configurations into several manifests"
    }

    /// Walks `root` as the manifest reader will (aliases and merge keys expanded) and reports the
    /// first value past a limit at its line and column; false when one was found. The walk stops at
    /// the limit, so it costs at most `maxExpandedValues` steps whatever the input.
    static func check(_ root: Node, reader: YAMLReader) -> Bool {
        var walk = Walk()
        walk.visit(root)
        guard let problem = walk.problem else { return true }
        reader.report(problem.message, at: problem.node)
        return false
    }

    private struct Walk {
        var visited = 0
        var problem: (message: String, node: Node)?
        /// The top-level key being walked: values inside an expansion carry their anchor's position,
        /// so a runaway expansion is reported at the key whose value expands.
        var topKey: (name: String, node: Node)?

        mutating func visit(_ node: Node, depth: Int = 0) {
            guard problem == nil else { return }
            visited += 1
            if visited > ManifestLimits.maxExpandedValues {
                let place = topKey.map { "'\($0.name)'" } ?? "the manifest"
                problem = (
                    "\(place) expands to more than \(ManifestLimits.maxExpandedValues) values through YAML aliases (*name) "
                        + "and merge keys (<<); write the repeated settings out, or merge each anchor once", topKey?.node ?? node)
                return
            }
            switch node {
            case let .scalar(scalar):
                let size = scalar.string.utf8.count
                if size > ManifestLimits.maxValueBytes {
                    problem = (
                        "this value is \(Format.bytes(Int64(size))); manifest values are limited to "
                            + "\(Format.bytes(Int64(ManifestLimits.maxValueBytes))) (put long SQL in a file under models/)", node)
                }
            case let .mapping(mapping):
                for (key, value) in mapping {
                    if depth == 0 { topKey = (key.scalar?.string ?? "?", key) }
                    visit(key, depth: depth + 1)
                    visit(value, depth: depth + 1)
                }
            case let .sequence(sequence):
                for element in sequence { visit(element, depth: depth + 1) }
            case .alias:
                return
            }
        }
    }
}
