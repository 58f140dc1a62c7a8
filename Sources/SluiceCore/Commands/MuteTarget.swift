import Foundation

/// What a mute silences: a pipeline, a table, or one check of a pipeline.
public enum MuteTarget: Sendable, Equatable, CustomStringConvertible {
    /// Every alert of the pipeline.
    case pipeline(String)
    /// Every alert about the table.
    case table(TableName)
    /// One check; check names are unique within their pipeline.
    case check(pipeline: String, name: String)

    /// The target as `MuteRecord.target` stores it and `MuteRecord.covers` matches it: the pipeline
    /// name, `dataset.table`, or `pipeline/check`.
    public var word: String {
        switch self {
        case let .pipeline(pipeline): pipeline
        case let .table(table): table.description
        case let .check(pipeline, name): "\(pipeline)/\(name)"
        }
    }

    /// The target as the user writes it, unambiguously: `shop`, `raw.orders`, `shop/negative_totals`.
    public var description: String {
        switch self {
        case let .pipeline(pipeline): pipeline
        case let .table(table): table.description
        case let .check(pipeline, name): "\(pipeline)/\(name)"
        }
    }
}
