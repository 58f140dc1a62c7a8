/// A 1-based line and column in a text file (columns counted in Unicode scalars).
public struct TextPosition: Sendable, Hashable {
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int

    /// Creates a position.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

/// Where one check was written in the manifest.
public struct CheckLocation: Sendable, Equatable {
    /// The check's kind key (`not_null:`).
    public var check: TextPosition
    /// The values of the keys that name columns (`column`, `columns`, `field`, `loaded_at`,
    /// `date_column`), by key and then by the value's text.
    public var values: [String: [String: TextPosition]]
    /// The `query:` value of a `sql` check.
    public var query: TextPosition?

    /// Creates a check location.
    public init(check: TextPosition, values: [String: [String: TextPosition]] = [:], query: TextPosition? = nil) {
        self.check = check
        self.values = values
        self.query = query
    }

    /// Where the manifest names the referenced column, or the check itself when that is unknown.
    public func position(of reference: CheckColumnReference) -> TextPosition {
        values[reference.key]?[reference.column] ?? check
    }
}

/// Where things were written in the manifest, for problems found after parsing (`sluice validate`
/// compiling the checks against the warehouse reports them at the manifest's own line and column).
public struct ManifestLocations: Sendable, Equatable {
    /// Check locations by pipeline, then by check name.
    public var checks: [String: [String: CheckLocation]]

    /// Creates locations.
    public init(checks: [String: [String: CheckLocation]] = [:]) {
        self.checks = checks
    }

    /// Where check `name` of `pipeline` was written, if known.
    public func check(_ name: String, in pipeline: String) -> CheckLocation? {
        checks[pipeline]?[name]
    }
}
