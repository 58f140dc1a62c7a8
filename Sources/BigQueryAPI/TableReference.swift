/// A BigQuery table: `project.dataset.table`. The table id may carry a partition decorator
/// (`orders$20261120`) when it is the destination of a load or query.
public struct TableReference: Sendable, Hashable, CustomStringConvertible {
    /// Project id; nil means the client's project.
    public var project: String?
    /// Dataset id.
    public var dataset: String
    /// Table id, possibly with a `$YYYYMMDD` partition decorator.
    public var table: String

    /// Creates a reference; `project` defaults to the client's project.
    public init(project: String? = nil, dataset: String, table: String) {
        self.project = project
        self.dataset = dataset
        self.table = table
    }

    /// `dataset.table` or `project.dataset.table`.
    public var description: String {
        [project, dataset, table].compactMap { $0 }.joined(separator: ".")
    }
}
