/// Every problem found in a manifest; the manifest is rejected when there is at least one.
public struct ManifestErrors: Error, Sendable, Equatable, CustomStringConvertible {
    /// The problems, sorted by line and then column (problems at the same place keep the order found).
    public var diagnostics: [ManifestDiagnostic]

    /// Creates the error, sorting the diagnostics by position.
    public init(diagnostics: [ManifestDiagnostic]) {
        self.diagnostics = diagnostics.enumerated()
            .sorted { lhs, rhs in
                (lhs.element.line, lhs.element.column, lhs.offset) < (rhs.element.line, rhs.element.column, rhs.offset)
            }
            .map(\.element)
    }

    /// One diagnostic per line, each `file:line:column: message`.
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
