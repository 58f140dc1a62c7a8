/// One column of a BigQuery schema.
public struct SchemaField: Sendable, Hashable {
    /// Column name.
    public var name: String
    /// BigQuery type: `STRING`, `INT64`/`INTEGER`, `FLOAT64`/`FLOAT`, `NUMERIC`, `BOOL`/`BOOLEAN`,
    /// `DATE`, `TIMESTAMP`, `RECORD`, …
    public var type: String
    /// `NULLABLE`, `REQUIRED` or `REPEATED`.
    public var mode: String
    /// Sub-fields of a `RECORD` column.
    public var fields: [SchemaField]

    /// Creates a field (nullable by default).
    public init(name: String, type: String, mode: String = "NULLABLE", fields: [SchemaField] = []) {
        self.name = name
        self.type = type
        self.mode = mode
        self.fields = fields
    }
}
