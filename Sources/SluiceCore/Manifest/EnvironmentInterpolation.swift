import Yams

/// `${VAR}` and `${VAR:-default}` in any string of the manifest, filled from the environment before the
/// manifest is read. `$${` stands for a literal `${`. A variable that is unset (or, with `:-`, empty)
/// takes its default; unset without a default is a problem at its line and column. Every value taken
/// from the environment is a secret: it is kept in `ManifestSecrets` so no log line, message, error or
/// state row shows it.
struct EnvironmentInterpolation {
    /// The environment variables, by name.
    let environment: [String: String]
    /// Where problems go.
    let reader: YAMLReader
    /// The values substituted from the environment (defaults are not secrets: they are in the file).
    private(set) var secrets: [String] = []

    /// The longest value accepted from one variable: 64 KiB. A longer value is a problem, not a
    /// slow manifest.
    static let largestValue = 1 << 16

    init(environment: [String: String], reader: YAMLReader) {
        self.environment = environment
        self.reader = reader
    }

    /// `node` with every scalar's `${…}` filled in.
    mutating func fill(_ node: Node) -> Node {
        switch node {
        case let .scalar(scalar):
            guard scalar.string.contains("$") else { return node }
            var filled = scalar
            filled.string = fill(scalar.string, at: scalar)
            filled.tag = scalar.tag
            return .scalar(filled)
        case let .mapping(mapping):
            var pairs: [(Node, Node)] = []
            pairs.reserveCapacity(mapping.count)
            for (key, value) in mapping {
                pairs.append((key, fill(value)))
            }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
        case let .sequence(sequence):
            return .sequence(Node.Sequence(sequence.map { fill($0) }, sequence.tag, sequence.style, sequence.mark))
        case .alias:
            return node
        }
    }

    /// `text` with its references filled in; problems are reported at their place in `scalar`.
    private mutating func fill(_ text: String, at scalar: Node.Scalar) -> String {
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let after = rest[rest.index(after: dollar)...]
            if after.hasPrefix("${") {
                result += "${"
                rest = after.dropFirst(2)
                continue
            }
            guard after.hasPrefix("{") else {
                result += "$"
                rest = after
                continue
            }
            let offset = text.distance(from: text.startIndex, to: dollar)
            guard let close = after.firstIndex(of: "}") else {
                report("'${' is not closed with '}'; write ${NAME} or ${NAME:-default} (or $${ for a literal ${)", scalar, offset)
                return text
            }
            let inside = after[after.index(after: after.startIndex)..<close]
            rest = after[after.index(after: close)...]
            let name: Substring
            let fallback: Substring?
            if let separator = inside.range(of: ":-") {
                name = inside[..<separator.lowerBound]
                fallback = inside[separator.upperBound...]
            } else {
                name = inside
                fallback = nil
            }
            guard Self.isVariableName(name) else {
                report("'${\(inside)}' is not a variable reference; names are letters, digits and _ (${NAME} or ${NAME:-default})", scalar, offset)
                continue
            }
            let value = environment[String(name)]
            if let value, !(fallback != nil && value.isEmpty) {
                guard value.utf8.count <= Self.largestValue else {
                    report("environment variable \(name) is longer than 64 KiB; a manifest value must be shorter", scalar, offset)
                    continue
                }
                secrets.append(value)
                result += value
            } else if let fallback {
                result += fallback
            } else {
                report("environment variable \(name) is not set; export it, or give a default with ${\(name):-value}", scalar, offset)
            }
        }
        result += rest
        return result
    }

    private func report(_ message: String, _ scalar: Node.Scalar, _ offset: Int) {
        let line = scalar.mark?.line ?? 1
        var column = scalar.mark?.column ?? 1
        // On one line the reference's own column can be told: after the opening quote, if any.
        if !scalar.string.contains("\n") {
            column += offset + (scalar.style == .singleQuoted || scalar.style == .doubleQuoted ? 1 : 0)
        }
        reader.report(message, line: line, column: column)
    }

    private static func isVariableName(_ name: Substring) -> Bool {
        guard let first = name.first, first == "_" || (first.isASCII && first.isLetter) else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
    }
}
