import Foundation

/// What `freshness` asks about: one table, or every table a pipeline loads or builds.
public enum FreshnessTarget: Sendable, Equatable, CustomStringConvertible {
    /// One table the manifest knows.
    case table(TableName)
    /// A pipeline by name.
    case pipeline(String)

    /// The name as the user writes it: `raw.orders` or `shop`.
    public var description: String {
        switch self {
        case let .table(table): table.description
        case let .pipeline(pipeline): pipeline
        }
    }
}
