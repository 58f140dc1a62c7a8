/// One problem found in a manifest, at the line and column of the offending key or value.
public struct ManifestDiagnostic: Sendable, Equatable, CustomStringConvertible {
    /// The manifest file, as given to the parser.
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column (counted in Unicode scalars, as the YAML parser does).
    public var column: Int
    /// What is wrong and, where possible, how to fix it.
    public var message: String

    /// Creates a diagnostic.
    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, the form editors and terminals link to.
    public var description: String {
        "\(file):\(line):\(column): \(message)"
    }
}
